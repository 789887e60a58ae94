// Discovery from Kubernetes: the Services of one namespace that match a
// label selector, each an MCP server. It lists them, then watches from the
// list's resourceVersion (JSON lines of ADDED / MODIFIED / DELETED); a
// watch that ends is resumed from the last version seen, and an expired
// version (410 Gone) starts over with a fresh list. In a pod it reads the
// service account's token (again on every request: tokens rotate), CA and
// namespace; `api_url` points it elsewhere (tests, a proxy).
//
// Annotations on a Service refine the backend it becomes:
//   gatehouse.dev/mcp-name    backend name (default: the Service's name)
//   gatehouse.dev/mcp-port    port name or number (default: the first port)
//   gatehouse.dev/mcp-path    URL path (default: discovery.kubernetes.path)
//   gatehouse.dev/mcp-scheme  http or https (default: discovery.kubernetes.scheme)

import { existsSync, readFileSync } from 'node:fs';
import type { Dispatcher } from 'undici';
import { undici } from '../outbound/undici-on-demand.ts';
import { isDeepStrictEqual } from 'node:util';
import type { KubernetesDiscoveryConfig } from '../config/discovery-schema.ts';
import type { BackendConfig } from '../config/backend-schema.ts';
import type { Logger } from '../telemetry/logger.ts';
import { backoffDelay, resolveBackoff } from '../upstream/reconnect-backoff.ts';
import { checkBackendEntry } from './backend-entry.ts';
import { DiscoveryError, type BackendSource } from './source.ts';

const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';
export const ANNOTATIONS = {
  name: 'gatehouse.dev/mcp-name',
  port: 'gatehouse.dev/mcp-port',
  path: 'gatehouse.dev/mcp-path',
  scheme: 'gatehouse.dev/mcp-scheme',
} as const;

export interface KubernetesSourceOptions extends KubernetesDiscoveryConfig {
  nameSeparator: string;
  logger: Logger;
  /** Where the in-cluster defaults come from; tests point it at a temp folder. */
  serviceAccountDirectory?: string;
  env?: NodeJS.ProcessEnv;
}

/** The parts of a v1 Service this source reads. */
export interface KubernetesService {
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string; annotations?: Record<string, string> };
  spec?: { clusterIP?: string; ports?: { name?: string; port: number }[] };
}

interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubernetesService & { code?: number; message?: string };
}

/** One Service -> a backend entry (snake_case, as in a `backends` list), or why it cannot be one. Pure. */
export function backendFromService(service: KubernetesService, namespace: string, config: Pick<KubernetesDiscoveryConfig, 'address' | 'scheme' | 'path' | 'timeoutMs'>): { entry: Record<string, unknown> } | { problem: string } {
  const annotations = service.metadata.annotations ?? {};
  const ports = service.spec?.ports ?? [];
  const wanted = annotations[ANNOTATIONS.port];
  const port = wanted === undefined ? ports[0] : ports.find((each) => each.name === wanted || String(each.port) === wanted);
  if (port === undefined) return { problem: wanted === undefined ? 'has no ports' : `has no port named or numbered "${wanted}" (annotation ${ANNOTATIONS.port})` };
  let host: string;
  if (config.address === 'cluster_ip') {
    const ip = service.spec?.clusterIP;
    if (ip === undefined || ip === '' || ip === 'None') return { problem: 'has no cluster IP (a headless Service); use address: dns' };
    host = ip.includes(':') ? `[${ip}]` : ip;
  } else {
    host = `${service.metadata.name}.${service.metadata.namespace ?? namespace}.svc`;
  }
  const scheme = annotations[ANNOTATIONS.scheme] ?? config.scheme;
  const path = annotations[ANNOTATIONS.path] ?? config.path;
  return { entry: { name: annotations[ANNOTATIONS.name] ?? service.metadata.name, url: `${scheme}://${host}:${port.port}${path.startsWith('/') ? path : `/${path}`}`, timeout_ms: config.timeoutMs } };
}

export function createKubernetesSource(options: KubernetesSourceOptions): BackendSource {
  const { logger } = options;
  const env = options.env ?? process.env;
  const accountDirectory = options.serviceAccountDirectory ?? SERVICE_ACCOUNT;
  const namespace = options.namespace ?? readIfPresent(`${accountDirectory}/namespace`)?.trim() ?? 'default';
  const apiUrl = (options.apiUrl ?? inClusterUrl(env))?.replace(/\/+$/, '');
  const tokenFile = options.tokenFile ?? (existsSync(`${accountDirectory}/token`) ? `${accountDirectory}/token` : undefined);
  const caFile = options.caFile ?? (existsSync(`${accountDirectory}/ca.crt`) ? `${accountDirectory}/ca.crt` : undefined);
  const { Agent, request } = undici();
  const dispatcher: Dispatcher = new Agent({ ...(caFile === undefined ? {} : { connect: { ca: readFileSync(caFile, 'utf8') } }), bodyTimeout: 0, headersTimeout: 30_000 });
  const servicesPath = `/api/v1/namespaces/${encodeURIComponent(namespace)}/services?labelSelector=${encodeURIComponent(options.labelSelector)}`;
  const retry = resolveBackoff({ initialDelayMs: 500, maxDelayMs: 30_000 });

  const services = new Map<string, KubernetesService>();
  let resourceVersion: string | undefined;
  let last: BackendConfig[] | undefined;
  let isClosed = false;
  let abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let listener: ((backends: BackendConfig[]) => void) | undefined;

  function headers(): Record<string, string> {
    const token = tokenFile === undefined ? undefined : readIfPresent(tokenFile)?.trim();
    return { accept: 'application/json', ...(token === undefined || token === '' ? {} : { authorization: `Bearer ${token}` }) };
  }

  async function get(path: string): Promise<Dispatcher.ResponseData> {
    if (apiUrl === undefined) throw new DiscoveryError('discovery_kubernetes_failed', 'kubernetes', 'no Kubernetes API to ask: not in a pod (KUBERNETES_SERVICE_HOST is unset) and discovery.kubernetes.api_url is not set');
    const response = await request(`${apiUrl}${path}`, { headers: headers(), dispatcher, signal: abort.signal });
    if (response.statusCode !== 200) {
      const body = await response.body.text().catch(() => '');
      throw new DiscoveryError('discovery_kubernetes_failed', 'kubernetes', `GET ${path} answered ${response.statusCode}${response.statusCode === 403 ? ' (the service account needs get/list/watch on services in this namespace)' : ''}: ${body.slice(0, 200)}`);
    }
    return response;
  }

  function publish(): void {
    const backends: BackendConfig[] = [];
    const names = new Set<string>();
    for (const service of [...services.values()].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
      const origin = `kubernetes service ${namespace}/${service.metadata.name}`;
      const mapped = backendFromService(service, namespace, options);
      if ('problem' in mapped) {
        logger.error({ source: 'kubernetes', service: service.metadata.name }, `${origin} refused as a backend: it ${mapped.problem}`);
        continue;
      }
      try {
        const backend = checkBackendEntry(mapped.entry, origin, options.nameSeparator);
        if (names.has(backend.name.toLowerCase())) {
          logger.error({ source: 'kubernetes', service: service.metadata.name, backend: backend.name }, `${origin} refused: backend name "${backend.name}" is taken by another Service (set ${ANNOTATIONS.name})`);
          continue;
        }
        names.add(backend.name.toLowerCase());
        backends.push(backend);
      } catch (error) {
        logger.error({ source: 'kubernetes', service: service.metadata.name, err: error }, `${origin} refused as a backend`);
      }
    }
    if (isClosed || (last !== undefined && isDeepStrictEqual(last, backends))) return;
    last = backends;
    listener?.(backends);
  }

  async function list(): Promise<void> {
    const response = await get(servicesPath);
    const body = (await response.body.json()) as { metadata?: { resourceVersion?: string }; items?: KubernetesService[] };
    services.clear();
    for (const service of body.items ?? []) services.set(keyOf(service), service);
    resourceVersion = body.metadata?.resourceVersion;
    publish();
  }

  /** Follows the watch until it ends; returns 'relist' when the version expired. */
  async function follow(): Promise<'resume' | 'relist'> {
    const version = resourceVersion === undefined ? '' : `&resourceVersion=${encodeURIComponent(resourceVersion)}`;
    const response = await get(`${servicesPath}&watch=1&allowWatchBookmarks=true${version}`);
    let buffered = '';
    for await (const chunk of response.body) {
      buffered += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
      let newline: number;
      while ((newline = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line === '') continue;
        const event = JSON.parse(line) as WatchEvent;
        if (event.type === 'ERROR') {
          if (event.object.code === 410) return 'relist';
          throw new DiscoveryError('discovery_kubernetes_failed', 'kubernetes', `the watch reported an error: ${event.object.message ?? JSON.stringify(event.object)}`);
        }
        resourceVersion = event.object.metadata?.resourceVersion ?? resourceVersion;
        if (event.type === 'BOOKMARK') continue;
        if (event.type === 'DELETED') services.delete(keyOf(event.object));
        else services.set(keyOf(event.object), event.object);
        publish();
      }
    }
    return 'resume';
  }

  async function run(attempt: number, mustList: boolean): Promise<void> {
    if (isClosed) return;
    let next: { attempt: number; mustList: boolean; delayMs: number };
    try {
      if (mustList) await list();
      const watchedFrom = Date.now();
      const outcome = await follow();
      // A watch the server ends at once, again and again, must not become a busy loop.
      next = { attempt: 0, mustList: outcome === 'relist', delayMs: Date.now() - watchedFrom < 1_000 ? 1_000 : 0 };
    } catch (error) {
      if (isClosed) return;
      logger.warn({ source: 'kubernetes', err: error, attempt }, 'Kubernetes discovery lost the API; keeping the backends found before and retrying');
      next = { attempt: attempt + 1, mustList: true, delayMs: backoffDelay(retry, attempt) };
    }
    timer = setTimeout(() => void run(next.attempt, next.mustList), next.delayMs);
    timer.unref();
  }

  return {
    name: 'kubernetes',
    async start(onChange) {
      listener = onChange;
      try {
        await list();
        timer = setTimeout(() => void run(0, false), 0);
      } catch (error) {
        timer = setTimeout(() => void run(1, true), backoffDelay(retry, 0));
        throw error;
      } finally {
        timer?.unref();
      }
    },
    async close() {
      isClosed = true;
      clearTimeout(timer);
      abort.abort();
      abort = new AbortController();
      await dispatcher.close().catch(() => undefined);
    },
  };
}

function keyOf(service: KubernetesService): string {
  return service.metadata.uid ?? `${service.metadata.namespace ?? ''}/${service.metadata.name}`;
}

function inClusterUrl(env: NodeJS.ProcessEnv): string | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  if (host === undefined || host === '') return undefined;
  return `https://${host.includes(':') ? `[${host}]` : host}:${env.KUBERNETES_SERVICE_PORT ?? '443'}`;
}

function readIfPresent(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
