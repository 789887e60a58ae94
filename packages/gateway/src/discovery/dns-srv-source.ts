// Discovery from DNS SRV records (RFC 2782): every target of one SRV name is
// an MCP server over HTTP, `{scheme}://{target}:{port}{path}`, named
// `{backend_prefix}-{first label of the target}` (with `-{port}` when two
// targets share that label). The name is polled; a lookup that fails keeps
// the last set, and a name that no longer exists (NXDOMAIN) means no backends.

import { Resolver } from 'node:dns/promises';
import { isDeepStrictEqual } from 'node:util';
import type { DnsSrvDiscoveryConfig } from '../config/discovery-schema.ts';
import { BACKEND_NAME_MAX_LENGTH, type BackendConfig } from '../config/backend-schema.ts';
import type { Logger } from '../telemetry/logger.ts';
import { checkBackendEntry } from './backend-entry.ts';
import { DiscoveryError, type BackendSource } from './source.ts';

export interface DnsSrvSourceOptions extends DnsSrvDiscoveryConfig {
  nameSeparator: string;
  logger: Logger;
}

export interface SrvRecord {
  name: string;
  port: number;
  priority: number;
  weight: number;
}

/** Answers that mean "there is no such service now", not "DNS is broken". */
const ABSENT = new Set(['ENOTFOUND', 'ENODATA']);

/** Records -> backend entries (snake_case, as in a `backends` list). Pure; sorted so the result is stable. */
export function backendsFromSrv(records: readonly SrvRecord[], config: Pick<DnsSrvDiscoveryConfig, 'scheme' | 'path' | 'backendPrefix' | 'timeoutMs'>): { name: string; url: string; timeout_ms: number; origin: string }[] {
  const sorted = [...records].sort((a, b) => a.priority - b.priority || a.name.localeCompare(b.name) || a.port - b.port);
  const label = (record: SrvRecord) => (record.name.replace(/\.$/, '').split('.')[0] ?? '').toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  const labelCounts = new Map<string, number>();
  for (const record of sorted) labelCounts.set(label(record), (labelCounts.get(label(record)) ?? 0) + 1);
  const seen = new Set<string>();
  const entries: { name: string; url: string; timeout_ms: number; origin: string }[] = [];
  for (const record of sorted) {
    const base = `${config.backendPrefix}-${label(record) || 'host'}`;
    const name = (labelCounts.get(label(record))! > 1 ? `${base}-${record.port}` : base).slice(0, BACKEND_NAME_MAX_LENGTH).replace(/-+$/, '');
    if (seen.has(name)) continue;
    seen.add(name);
    const host = record.name.replace(/\.$/, '');
    const hostPart = host.includes(':') ? `[${host}]` : host;
    entries.push({ name, url: `${config.scheme}://${hostPart}:${record.port}${config.path}`, timeout_ms: config.timeoutMs, origin: `${host}:${record.port}` });
  }
  return entries;
}

export function createDnsSrvSource(options: DnsSrvSourceOptions): BackendSource {
  const sourceName = `dns_srv:${options.name}`;
  const resolver = new Resolver({ timeout: 5_000, tries: 2 });
  if (options.resolvers !== undefined) resolver.setServers(options.resolvers);
  let timer: NodeJS.Timeout | undefined;
  let isClosed = false;
  let last: BackendConfig[] | undefined;

  async function lookUp(): Promise<SrvRecord[]> {
    try {
      return await resolver.resolveSrv(options.name);
    } catch (error) {
      if (ABSENT.has((error as NodeJS.ErrnoException).code ?? '')) return [];
      throw new DiscoveryError('discovery_dns_failed', sourceName, `SRV lookup of ${options.name} failed (${(error as NodeJS.ErrnoException).code ?? String(error)}); keeping the backends found before, asking again in ${options.intervalSeconds} s`, { cause: error });
    }
  }

  async function poll(onChange: (backends: BackendConfig[]) => void): Promise<void> {
    const backends: BackendConfig[] = [];
    for (const entry of backendsFromSrv(await lookUp(), options)) {
      try {
        backends.push(checkBackendEntry({ name: entry.name, url: entry.url, timeout_ms: entry.timeout_ms }, `${sourceName} (${entry.origin})`, options.nameSeparator));
      } catch (error) {
        options.logger.error({ source: sourceName, record: entry.origin, err: error }, 'SRV record refused as a backend');
      }
    }
    if (isClosed || (last !== undefined && isDeepStrictEqual(last, backends))) return;
    last = backends;
    onChange(backends);
  }

  function schedule(onChange: (backends: BackendConfig[]) => void): void {
    if (isClosed) return;
    timer = setTimeout(() => {
      poll(onChange).catch((error: unknown) => options.logger.warn({ source: sourceName, err: error }, 'SRV discovery lookup failed')).finally(() => schedule(onChange));
    }, options.intervalSeconds * 1000);
    timer.unref();
  }

  return {
    name: sourceName,
    async start(onChange) {
      try {
        await poll(onChange);
      } finally {
        schedule(onChange);
      }
    },
    async close() {
      isClosed = true;
      clearTimeout(timer);
      resolver.cancel();
    },
  };
}
