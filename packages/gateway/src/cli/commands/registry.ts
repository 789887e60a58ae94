// `gatehouse registry import|export`: the MCP Registry API (v0.1) at the edge
// of the control plane. Import proposes backends from a registry or a saved
// answer (printed, written disabled as backend entries, or with --propose
// proposed as registry entries for review); export publishes the configured
// backends, or with --store the store's reviewed entries, in the same shape,
// reached through the gateway.

import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { stringify } from 'yaml';
import { isConfigError } from '../../config/errors.ts';
import { loadConfig } from '../../config/load.ts';
import { checkBackendEntry } from '../../discovery/backend-entry.ts';
import {
  isRegistryImportError, isRegistryUrl, normalizeUpdatedSince, readRegistry, RegistryImportError, type RegistryRead,
} from '../../registry/mcp-registry-client.ts';
import {
  latestLiveEntries, namespaceFromEndpoint, proposalsFromServerJson, serverListFromBackends, type ExportableServer, type RegistryProposal,
} from '../../registry/mcp-registry-format.ts';
import { processIo, type CommandIo } from './command-io.ts';
import { dirname, resolve } from 'node:path';
import type { BackendConfig } from '../../config/backend-schema.ts';
import type { GatewayConfig } from '../../config/schema.ts';
import { isRegistryError } from '../../registry/errors.ts';
import { exportableFromEntry, PUBLISHED_STATES, specFromProposal } from '../../registry/registry-exchange.ts';
import { openRegistryStore } from '../../registry/routing-gate.ts';
import type { DataClassification, RiskTier } from '../../config/registry-vocabulary.ts';
import { call, DEFAULT_ADMIN_URL, RegistryCommandError } from './registry-lifecycle.ts';

interface ImportOptions {
  from: string;
  updatedSince?: string;
  dryRun?: boolean;
  json?: boolean;
  write?: string;
  writeDir?: string;
  maxPages?: number;
  propose?: boolean;
  owner: string;
  riskTier: string;
  dataClassification: string;
  tenant?: string;
  admin: string;
  token?: string;
}

interface ExportOptions {
  config: string;
  out?: string;
  namespace?: string;
  endpoint?: string;
  store?: boolean;
}

/** Backend names use the default separator's rules; an entry written here must load with any separator of one character class. */
const NAME_SEPARATOR = '__';

export function registerRegistryCommand(program: Command, io: CommandIo = processIo): Command {
  const registry = program
    .command('registry')
    .description('the server registry: its entries and lifecycle (list, show, transition, review-due, through the admin API); import proposals from an MCP Registry (API v0.1), export backends in its shape');

  registry.command('import')
    .description('propose backends from an MCP Registry (e.g. https://registry.modelcontextprotocol.io) or a saved /v0.1/servers answer; nothing is enabled')
    .requiredOption('--from <url|file>', 'a registry base URL (its /v0.1/servers is read, every page) or a saved answer / server.json file')
    .option('--updated-since <time>', 'only servers updated since this ISO date or date-time (the registry\'s updated_since)')
    .option('--json', 'print the proposals as JSON')
    .option('--write <file>', 'also write the proposed backends, disabled, as a backends: list (the gatehouse.yaml entry schema)')
    .option('--write-dir <directory>', 'also write one backend file per proposal, disabled, for the discovery directory (discovery.directory)')
    .option('--dry-run', 'with --write or --write-dir: print what would be written instead of writing')
    .option('--max-pages <n>', 'stop after this many pages of 100 (default 1000)', parsePositive)
    .option('--propose', 'also propose each server as a registry entry (POST /admin/registry on --admin): proposed, you its proposer, routed only once another reviewer approves it')
    .option('--owner <owner>', 'with --propose: the owner of the proposed entries until revised', 'team:unassigned')
    .option('--risk-tier <tier>', 'with --propose: their risk tier', 'medium')
    .option('--data-classification <class>', 'with --propose: their data classification', 'internal')
    .option('--tenant <tenant>', 'with --propose: their tenant (default: default, or a tenant admin\'s own)')
    .option('--admin <url>', 'with --propose: the admin listener of the gateway', DEFAULT_ADMIN_URL)
    .option('--token <token>', 'with --propose: a bearer token with the admin scope (default: GATEHOUSE_ADMIN_TOKEN)')
    .action((options: ImportOptions) => guarded(io, () => runImport(io, options)));

  registry.command('export')
    .description('write the enabled backends of a config as a /v0.1/servers answer whose remotes are the gateway\'s per-backend endpoints')
    .requiredOption('-c, --config <file>', 'the gatehouse.yaml whose backends are published')
    .option('--out <file>', 'write the answer to this file instead of stdout')
    .option('--endpoint <url>', 'the gateway\'s public URL clients use (default: gateway.endpoint of the config)')
    .option('--namespace <reverse-dns>', 'the namespace of the names, e.g. com.company.mcp (default: the endpoint\'s host reversed)')
    .option('--store', 'publish the registry store\'s approved and active entries (deprecated ones marked so) instead of the config\'s enabled backends; the config names the store')
    .action((options: ExportOptions) => guarded(io, () => runExport(io, options)));

  return registry;
}

async function guarded(io: CommandIo, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (!isRegistryImportError(error) && !isConfigError(error) && !(error instanceof RegistryCommandError)) throw error;
    for (const line of error.message.split('\n')) io.err(line);
    io.fail(1);
  }
}

async function runImport(io: CommandIo, options: ImportOptions): Promise<void> {
  const updatedSince = options.updatedSince === undefined ? undefined : normalizeUpdatedSince(options.updatedSince);
  const isUrl = isRegistryUrl(options.from);
  const read: RegistryRead = await readRegistry(options.from, {
    updatedSince,
    ...(options.maxPages === undefined ? {} : { maxPages: options.maxPages }),
    onPage: (progress) => {
      if (isUrl) io.err(`registry import: page ${progress.page}, ${progress.entries} server${progress.entries === 1 ? '' : 's'} so far${progress.problems === 0 ? '' : `, ${progress.problems} problem${progress.problems === 1 ? '' : 's'}`}`);
    },
  });
  for (const problem of read.problems) io.err(printable(`warning: ${problem.where}: ${problem.message}; entry skipped`));
  const { entries, deleted } = latestLiveEntries(read.entries);
  for (const name of deleted) io.err(`note: ${name} is deleted in the registry; not proposed`);
  const proposals = proposalsFromServerJson(entries);

  if (options.json === true) io.out(JSON.stringify({ from: options.from, proposals, problems: read.problems, deleted }, null, 2));
  else printTable(io, proposals);

  const source = printable(`gatehouse registry import --from ${options.from}`);
  const writable = proposals.filter((proposal) => isWritable(io, proposal, options.from));
  if (options.write !== undefined) {
    const text = backendListYaml(writable, source);
    if (options.dryRun === true) io.out(text);
    else await writeNew(options.write, text);
    io.err(`${options.dryRun === true ? 'would write' : 'wrote'} ${writable.length} proposed backend${writable.length === 1 ? '' : 's'} (disabled) to ${options.write}`);
  }
  if (options.writeDir !== undefined) {
    if (options.dryRun !== true) await mkdir(options.writeDir, { recursive: true });
    let written = 0;
    for (const proposal of writable) {
      const path = join(options.writeDir, `${proposal.backendName}.yaml`);
      const text = backendFileYaml(proposal, source);
      if (options.dryRun === true) {
        io.out(`--- ${path}\n${text}`);
        written++;
        continue;
      }
      try {
        await writeNew(path, text);
        written++;
      } catch (error) {
        if (!isRegistryImportError(error)) throw error;
        io.err(`warning: ${error.message}`);
      }
    }
    io.err(`${options.dryRun === true ? 'would write' : 'wrote'} ${written} backend file${written === 1 ? '' : 's'} (disabled) to ${options.writeDir}`);
  }
  if (options.propose === true) await proposeIntoStore(io, options, proposals);
}

/**
 * Each proposal as a `proposed` registry entry, through the admin API so the
 * proposer is the token's principal and every proposal is audited. A name
 * the store has already is left as it is (its lifecycle is the store's).
 */
async function proposeIntoStore(io: CommandIo, options: ImportOptions, proposals: readonly RegistryProposal[]): Promise<void> {
  const defaults = {
    owner: options.owner,
    riskTier: options.riskTier as RiskTier,
    dataClassification: options.dataClassification as DataClassification,
    ...(options.tenant === undefined ? {} : { tenant: options.tenant }),
  };
  let proposed = 0;
  for (const proposal of proposals) {
    const reason = printable(`imported from ${options.from}: ${proposal.registryName} ${proposal.version}`).slice(0, 1000);
    try {
      await call(io, { admin: options.admin, ...(options.token === undefined ? {} : { token: options.token }) }, 'POST', '/admin/registry', { spec: specFromProposal(proposal, defaults), reason });
      proposed++;
    } catch (error) {
      if (!(error instanceof RegistryCommandError)) throw error;
      // Unreachable or unauthorized stops the import; a refusal of one entry does not.
      if (!/^\d{3} [a-z_]+: /.test(error.message) || /^(401|403 (insufficient_scope|admin_))/.test(error.message)) throw error;
      io.err(printable(`warning: ${proposal.backendName} not proposed: ${error.message}`));
    }
  }
  io.err(`proposed ${proposed} registry entr${proposed === 1 ? 'y' : 'ies'} through ${options.admin}; list them with gatehouse registry list --state proposed`);
}

/** A proposal is written only if its backend passes the very schema a backend file is loaded with. */
function isWritable(io: CommandIo, proposal: RegistryProposal, from: string): boolean {
  if (proposal.backend === undefined) {
    io.err(`note: ${proposal.registryName} has no remote or package Gatehouse can run; not written (see its notes)`);
    return false;
  }
  try {
    checkBackendEntry(proposedEntry(proposal), `${from} ${proposal.registryName}`, NAME_SEPARATOR);
    return true;
  } catch (error) {
    if (!isConfigError(error)) throw error;
    io.err(`warning: ${error.message.replaceAll('\n', '; ')}; not written`);
    return false;
  }
}

/** Disabled until reviewed: the registry store's lifecycle takes over from `enabled: false` once it is wired in. */
function proposedEntry(proposal: RegistryProposal): Record<string, unknown> {
  return { ...proposal.backend, enabled: false };
}

function printTable(io: CommandIo, proposals: readonly RegistryProposal[]): void {
  if (proposals.length === 0) {
    io.out('no servers to propose');
    return;
  }
  const rows = proposals.map((proposal) => [
    proposal.backendName,
    proposal.version,
    proposal.backend === undefined ? '-' : 'url' in proposal.backend ? 'http' : 'stdio',
    proposal.backend === undefined ? '(not mapped)' : 'url' in proposal.backend ? proposal.backend.url : [proposal.backend.command, ...proposal.backend.args].join(' '),
    proposal.registryName,
  ]);
  const header = ['BACKEND', 'VERSION', 'KIND', 'TARGET', 'REGISTRY NAME'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: readonly string[]) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ');
  io.out(line(header));
  for (const [index, row] of rows.entries()) {
    io.out(printable(line(row)));
    for (const note of proposals[index]!.notes) io.out(printable(`    note: ${note}`));
  }
  io.err(`${proposals.length} proposal${proposals.length === 1 ? '' : 's'}`);
}

/** Registry text lands in YAML comments, one line each (see printable). */
function commentLines(proposal: RegistryProposal, indent: string): string {
  const lines = [
    `${proposal.registryName} ${proposal.version} (${proposal.backendSource}); lifecycle: proposed`,
    proposal.description,
    ...(proposal.repositoryUrl === undefined ? [] : [`repository: ${proposal.repositoryUrl}`]),
    ...proposal.notes.map((note) => `note: ${note}`),
  ];
  return lines.map((line) => `${indent}# ${printable(line)}\n`).join('');
}

/**
 * Registry text shown on a terminal or in a YAML comment, control characters
 * (line breaks, ANSI escapes) replaced: an answer must not end a comment and
 * add keys, nor repaint the operator's terminal.
 */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
}

function backendListYaml(proposals: readonly RegistryProposal[], source: string): string {
  let text = `# Proposed by \`${source}\` on ${new Date().toISOString()}.\n# Every backend is disabled: review it, do what its notes ask, then set enabled: true.\nbackends:${proposals.length === 0 ? ' []' : ''}\n`;
  for (const proposal of proposals) {
    text += commentLines(proposal, '  ');
    text += stringify([proposedEntry(proposal)]).replace(/^(?=.)/gm, '  ');
  }
  return text;
}

function backendFileYaml(proposal: RegistryProposal, source: string): string {
  return `# Proposed by \`${source}\`; disabled until reviewed.\n${commentLines(proposal, '')}${stringify(proposedEntry(proposal))}`;
}

/** Never overwrites: a file of the same name may be a live backend that a disabled proposal would replace. */
async function writeNew(path: string, text: string): Promise<void> {
  try {
    await writeFile(path, text, { flag: 'wx' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new RegistryImportError('registry_bad_argument', `${path} exists and is not overwritten (it may hold a live backend); choose another path or remove it`);
    throw new RegistryImportError('registry_bad_argument', `cannot write ${path} (${code ?? (error as Error).message})`, { cause: error });
  }
}

async function runExport(io: CommandIo, options: ExportOptions): Promise<void> {
  const { config } = await loadConfig(options.config, io.env);
  const endpoint = options.endpoint ?? config.gateway.endpoint;
  if (endpoint === undefined || !URL.canParse(endpoint)) {
    throw new RegistryImportError('registry_bad_argument', `${options.config} has no gateway.endpoint (the URL clients reach the gateway at); set it or pass --endpoint https://mcp.company.com`);
  }
  const namespace = options.namespace ?? namespaceFromEndpoint(endpoint);
  if (!/^[a-zA-Z0-9.-]+$/.test(namespace)) throw new RegistryImportError('registry_bad_argument', `--namespace "${namespace}" must be reverse-DNS letters, digits, "." and "-", such as com.company.mcp`);
  const servers = options.store === true ? await storeServers(io, options.config, config) : configServers(io, config.backends);
  const list = serverListFromBackends(servers, { namespace, gatewayEndpoint: endpoint });
  const text = JSON.stringify(list, null, 2);
  if (options.out === undefined) io.out(text);
  else {
    await writeFile(options.out, `${text}\n`);
    io.err(`wrote ${list.servers.length} server${list.servers.length === 1 ? '' : 's'} to ${options.out}`);
  }
}

function configServers(io: CommandIo, backends: readonly BackendConfig[]): ExportableServer[] {
  for (const backend of backends) if (!backend.enabled) io.err(`note: ${backend.name} is disabled; not exported`);
  return backends.filter((backend) => backend.enabled).map((backend) => ({ backendName: backend.name }));
}

/** The store's reviewed entries, as the registry section of the config names the store. */
async function storeServers(io: CommandIo, path: string, config: GatewayConfig): Promise<ExportableServer[]> {
  if (config.registry === undefined) throw new RegistryImportError('registry_bad_argument', `${path} has no registry: section, so there is no store to publish; drop --store to publish its enabled backends`);
  let store;
  try {
    store = await openRegistryStore(config.registry, dirname(resolve(path)));
  } catch (error) {
    if (isRegistryError(error)) throw new RegistryImportError('registry_bad_argument', `cannot open the registry store: ${error.message}`, { cause: error });
    throw error;
  }
  try {
    const entries = await store.list({ states: PUBLISHED_STATES });
    io.err(`${entries.length} reviewed entr${entries.length === 1 ? 'y' : 'ies'} in ${store.location} (${PUBLISHED_STATES.join(', ')})`);
    return entries.map(exportableFromEntry);
  } finally {
    await store.close();
  }
}

function parsePositive(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < 1) throw new InvalidArgumentError(`expected a whole number of at least 1, got "${value}"`);
  return number;
}
