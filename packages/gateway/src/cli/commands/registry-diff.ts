// `gatehouse registry diff`: drift between the config file (the seed) and the
// registry store (lifecycle state), as a table or JSON, exit code 1 when they
// differ, so a GitOps pipeline can gate on it. Asks the running gateway's
// admin API, or, with --config, reads the file and the store it names itself.

import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { isConfigError } from '../../config/errors.ts';
import { loadConfig } from '../../config/load.ts';
import { registryDrift, type DriftItem, type DriftReport } from '../../registry/drift.ts';
import { isRegistryError } from '../../registry/errors.ts';
import { openRegistryStore } from '../../registry/routing-gate.ts';
import { TenantDirectory } from '../../tenancy/tenant-directory.ts';
import type { CommandIo } from './command-io.ts';
import { call, DEFAULT_ADMIN_URL, guarded, RegistryCommandError, table, type ConnectionOptions } from './registry-lifecycle.ts';

interface DiffOptions extends ConnectionOptions {
  config?: string;
}

/** 0: in step; 1: drifted; 2: the diff could not be made (as diff(1) does). */
const TROUBLE = 2;

export function registerRegistryDiffCommand(registry: Command, io: CommandIo): Command {
  return registry.command('diff')
    .description('show drift between the config file and the registry store: entries missing on either side, spec fields that differ, enabled backends the store keeps unrouted; exit code 1 when drifted')
    .option('--admin <url>', 'the admin listener of the gateway', DEFAULT_ADMIN_URL)
    .option('--token <token>', 'a bearer token with the admin, reviewer or auditor scope (default: GATEHOUSE_ADMIN_TOKEN)')
    .option('-c, --config <file>', 'compare this config file with the store its registry section names, without a running gateway')
    .option('--json', 'print the drift as JSON')
    .action((options: DiffOptions) => guarded(io, async () => {
      const report = options.config === undefined ? await remoteDrift(io, options) : await localDrift(io, options.config);
      if (options.json === true) io.out(JSON.stringify(report, null, 2));
      else printDrift(io, report);
      if (report.isDrifted) io.fail(1);
    }, TROUBLE));
}

async function remoteDrift(io: CommandIo, options: DiffOptions): Promise<DriftReport> {
  const answer = await call(io, options, 'GET', '/admin/registry/diff');
  return answer.body as unknown as DriftReport;
}

async function localDrift(io: CommandIo, path: string): Promise<DriftReport> {
  let loaded;
  try {
    loaded = await loadConfig(path, io.env);
  } catch (error) {
    if (isConfigError(error)) throw new RegistryCommandError(error.message);
    throw error;
  }
  const { config } = loaded;
  if (config.registry === undefined) throw new RegistryCommandError(`${path} has no registry: section, so no store holds lifecycle state; nothing to compare`);
  const tenants = config.tenants === undefined ? undefined : new TenantDirectory(config.tenants);
  try {
    const store = await openRegistryStore(config.registry, dirname(resolve(path)));
    try {
      return registryDrift({ configured: config.backends, entries: await store.list(), ...(tenants === undefined ? {} : { tenantOf: (backend: string) => tenants.ownerOf(backend) }) });
    } finally {
      await store.close();
    }
  } catch (error) {
    if (isRegistryError(error)) throw new RegistryCommandError(`${error.code}: ${error.message}`);
    throw error;
  }
}

function printDrift(io: CommandIo, report: DriftReport): void {
  if (!report.isDrifted) return io.out('no drift: the registry store matches the config file');
  const shown = (value: unknown) => (value === undefined ? '-' : value === null ? '(unset)' : typeof value === 'string' ? value : JSON.stringify(value));
  io.out(table([['BACKEND', 'DRIFT', 'FIELD', 'CONFIG', 'STORE'], ...report.items.map((item: DriftItem) => [item.backend, item.kind, item.field ?? '-', shown(item.configured), shown(item.stored)])]));
  io.err(`${report.items.length} difference${report.items.length === 1 ? '' : 's'}`);
}
