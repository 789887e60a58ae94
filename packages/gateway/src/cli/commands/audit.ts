// `gatehouse audit verify|query|export|retain`: the auditor's commands. Each
// reads the store that the gateway writes with the same config: `--config
// FILE`, or the embedded default (`.gatehouse/audit.db` under the checkout)
// when none is given, so `npm start` and these commands meet with no flags.

import { Command, InvalidArgumentError, Option } from 'commander';
import { isConfigError } from '../../config/errors.ts';
import { DEFAULT_CONFIG_PATH } from '../../config/default-config.ts';
import { loadConfig } from '../../config/load.ts';
import { readSigningKey } from '../../audit/checkpoint.ts';
import { AuditError, isAuditError } from '../../audit/errors.ts';
import { FileDestination, NatsDestination, WebhookDestination } from '../../audit/export-destinations.ts';
import { exportFollow, exportOnce, type ExportDestination } from '../../audit/export.ts';
import { loadTrustedKeys, openAuditStore } from '../../audit/open-store.ts';
import { formatCsv, formatTable, inDocumentedOrder, QUERY_FORMATS, type QueryFormat } from '../../audit/query-format.ts';
import { auditQueryFromFilters, DEFAULT_QUERY_LIMIT, MAX_QUERY_LIMIT, PERIODS, type AuditQuery, type Period } from '../../audit/query.ts';
import { AUDIT_CATEGORIES, type AuditCategory } from '../../audit/record.ts';
import { applyRetention } from '../../audit/retention.ts';
import { resolveAuditSettings, type AuditSettings } from '../../audit/settings.ts';
import type { AuditStore } from '../../audit/sink.ts';
import { verifyStore } from '../../audit/verify.ts';
import { processIo, type CommandIo } from './command-io.ts';
import { createProgressReporter, processTerminal, type ProgressTerminal } from './audit-progress.ts';

export interface AuditCommandContext {
  io?: CommandIo;
  terminal?: ProgressTerminal;
  /** The clock for --period and relative times (tests). */
  now?: () => Date;
}

interface StoreOptions {
  config?: string;
  /** Export stores offsets and retention deletes: both open the store for writing. */
  isWriting?: boolean;
}

export function registerAuditCommand(program: Command, context: AuditCommandContext = {}): Command {
  const io = context.io ?? processIo;
  const terminal = context.terminal ?? processTerminal;
  const now = context.now ?? (() => new Date());
  const audit = program
    .command('audit')
    .description('verify, query and export the audit log (the store the gateway writes with the same --config)');

  withConfig(audit.command('verify'))
    .description('check every record, chain link, Merkle root and checkpoint signature; exit 1 naming the first that fails')
    .option('--log <id...>', 'verify only these logs (e.g. gatehouse-host/security)')
    .option('--public-key <file...>', 'trust checkpoints signed by these Ed25519 public keys (PEM) as well')
    .option('--json', 'print the report as JSON')
    .action((options: StoreOptions & { log?: string[]; publicKey?: string[]; json?: boolean }) =>
      run(io, options, async (settings, store) => {
        const trustedKeys = await loadTrustedKeys(settings, options.publicKey ?? []);
        const progress = createProgressReporter(terminal, 'verifying');
        const started = performance.now();
        const report = await verifyStore(store, { trustedKeys, ...(options.log === undefined ? {} : { logIds: options.log }), onProgress: (p) => progress.update(p.checked, p.total) });
        progress.finish();
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        if (options.json === true) io.out(JSON.stringify(report, null, 2));
        if (!report.areKeysTrusted) io.err(`warning: no trusted key was found (${settings.signingKeyPath} is missing); signatures were checked against keys stored in the audit database itself — pass --public-key for an independent check`);
        if (!report.isValid) {
          if (options.json !== true) io.out(`FAILED: ${report.failure!.message}`);
          io.fail(1);
          return;
        }
        if (options.json === true) return;
        const records = report.logs.reduce((sum, log) => sum + log.recordsChecked, 0);
        io.out(`OK: ${report.logs.length} log${report.logs.length === 1 ? '' : 's'}, ${records.toLocaleString('en-US')} records verified in ${seconds} s (${store.location})`);
        for (const log of report.logs) {
          const latest = log.latestCheckpoint === undefined ? 'no checkpoint yet' : `latest checkpoint: size ${log.latestCheckpoint.treeSize}, ${new Date(log.latestCheckpoint.timestampMs).toISOString()}, root ${log.latestCheckpoint.rootHash.slice(0, 16)}…`;
          const kept = log.firstSeq === 0 ? `${log.size} records` : `${log.size - log.firstSeq} records (seq ${log.firstSeq}..${log.size - 1}; earlier days removed by retention)`;
          io.out(`  ${log.logId}: ${kept}, ${log.checkpointsChecked} checkpoints; ${latest}`);
        }
      }),
    );

  withConfig(audit.command('query'))
    .description('find records: who accessed C-42 last quarter (--target C-42 --period last-quarter), admin actions on an account (--type admin_action --target ACCT-7), denials for an agent today (--agent NAME --decision deny --period today)')
    .option('--since <time>', 'from this time (ISO date or date-time, today, yesterday, or an age: 24h, 90d)')
    .option('--until <time>', 'before this time (same forms as --since)')
    .addOption(new Option('--period <period>', 'a calendar period in UTC').choices(PERIODS))
    .option('--identity <identity>', 'caller identity, e.g. user:joe@company.com')
    .option('--agent <agent>', 'agent name')
    .option('--session <id>', 'session id')
    .option('--server <backend>', 'backend name')
    .option('--tool <pattern>', 'tool/prompt name or resource URI, globs allowed (get_*, crm__delete_*)')
    .option('--target <value>', 'an argument value such as a customer id (C-42)')
    .option('--type <types>', 'operation types, comma-separated (tool_invocation,admin_action)')
    .option('--status <status>', 'success, error, denied, timeout or cancelled')
    .option('--decision <decision>', 'strongest policy decision: allow, rewrite, flag or deny')
    .addOption(new Option('--category <category>', 'retention category').choices(AUDIT_CATEGORIES))
    .option('--tenant <tenant>', 'the tenant the operation ran for (docs/tenants.md)')
    .option('--limit <n>', `records per page (default ${DEFAULT_QUERY_LIMIT})`, parseLimit)
    .option('--cursor <cursor>', 'the next page, as printed after the previous one')
    .option('--all', 'every page, not just the first')
    .addOption(new Option('--format <format>', 'output format').choices(QUERY_FORMATS).default('table'))
    .action((options: QueryOptions) =>
      run(io, options, async (settings, store, config) => {
        const query = queryFromOptions(options, now(), config?.gateway.nameSeparator);
        const limit = options.limit ?? DEFAULT_QUERY_LIMIT;
        await printQuery(io, store, query, limit, options);
      }),
    );

  withConfig(audit.command('export'))
    .description('send records to a SIEM at least once, resuming where the last run stopped: a file, a webhook or NATS JetStream')
    .requiredOption('--to <destination>', 'file:PATH (JSON lines), https://... (POST NDJSON batches) or nats://host:4222 (JetStream)')
    .option('--subject <subject>', 'NATS subject prefix; records go to <subject>.security and <subject>.routine', 'gatehouse.audit')
    .option('--stream <name>', 'NATS: create this JetStream stream over <subject>.> if it is missing')
    .option('--header <header...>', 'webhook: extra request headers, "Name: value"')
    .option('--name <exporter>', 'the offsets key (default: the destination); another name exports everything again')
    .option('--batch-size <n>', 'records per batch', parseLimit)
    .option('--follow', 'keep exporting new records until interrupted')
    .option('--poll-ms <ms>', 'with --follow: how often to look for new records', parseLimit)
    .action((options: ExportCliOptions) =>
      run(io, { ...options, isWriting: true }, async (_settings, store) => {
        const destination = destinationFromOptions(options);
        const abort = new AbortController();
        const stop = () => abort.abort();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        try {
          const exportOptions = { ...(options.name === undefined ? {} : { exporter: options.name }), ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }) };
          const report = options.follow === true
            ? await exportFollow(store, destination, { ...exportOptions, signal: abort.signal, ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }) })
            : await exportOnce(store, destination, { ...exportOptions, signal: abort.signal });
          io.out(`exported ${report.exported} record${report.exported === 1 ? '' : 's'} to ${destination.name}`);
          for (const log of report.logs) io.out(`  ${log.logId}: next seq ${log.nextSeq}`);
          for (const gap of report.gaps) io.err(`warning: ${gap.logId} seq ${gap.fromSeq}..${gap.toSeq - 1} were removed by retention before they were exported`);
        } finally {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          await destination.close();
        }
      }),
    );

  withConfig(audit.command('retain'))
    .description('delete whole days past each category\'s retention_days now (the gateway also does this daily)')
    .action((options: StoreOptions) =>
      run(io, { ...options, isWriting: true }, async (settings, store) => {
        const key = await readSigningKey(settings.signingKeyPath);
        if (key === undefined) throw new AuditError('audit_key_invalid', `retention signs a checkpoint at each cut and needs the signing key ${settings.signingKeyPath}, which is missing: run it where the gateway keeps its key`);
        for (const report of await applyRetention(store, settings.retentionDays, key, now())) {
          io.out(`${report.category}: kept days from ${report.beforeDay}; deleted ${report.deletedRecords} record${report.deletedRecords === 1 ? '' : 's'}`);
        }
      }),
    );

  return audit;
}

function withConfig(command: Command): Command {
  return command.option('-c, --config <file>', 'the gatehouse.yaml the gateway runs with (default: the embedded default)');
}

/** Loads the config, opens the store read-side, runs the action, and turns coded errors into a message and exit code 1. */
async function run(
  io: CommandIo,
  options: StoreOptions,
  action: (settings: AuditSettings, store: AuditStore, config: Awaited<ReturnType<typeof loadConfig>>['config'] | undefined) => Promise<void>,
): Promise<void> {
  let store: AuditStore | undefined;
  try {
    const path = options.config ?? DEFAULT_CONFIG_PATH;
    const { config } = await loadConfig(path, io.env);
    const settings = resolveAuditSettings(config, path);
    if (!settings.isEnabled) throw new AuditError('audit_store_invalid', `${path} turns audit off (audit.enabled: false); there is no store to read`);
    store = await openAuditStore(settings, { isReadOnly: options.isWriting !== true });
    await action(settings, store, config);
  } catch (error) {
    if (!isAuditError(error) && !isConfigError(error)) throw error;
    for (const line of error.message.split('\n')) io.err(line);
    io.fail(1);
  } finally {
    await store?.close();
  }
}

interface QueryOptions extends StoreOptions {
  since?: string;
  until?: string;
  period?: Period;
  identity?: string;
  agent?: string;
  session?: string;
  server?: string;
  tool?: string;
  target?: string;
  type?: string;
  status?: string;
  decision?: string;
  category?: AuditCategory;
  tenant?: string;
  limit?: number;
  cursor?: string;
  all?: boolean;
  format: QueryFormat;
}

function queryFromOptions(options: QueryOptions, now: Date, nameSeparator: string | undefined): AuditQuery {
  return auditQueryFromFilters(options, now, nameSeparator);
}

/** One page, or every page with --all; JSON is always one array, streamed element by element. */
async function printQuery(io: CommandIo, store: AuditStore, query: AuditQuery, limit: number, options: QueryOptions): Promise<void> {
  let cursor = options.cursor;
  let count = 0;
  let isFirstPage = true;
  if (options.format === 'json') io.out('[');
  for (;;) {
    const page = await store.query(query, { limit, cursor });
    const records = page.items.map((item) => item.record);
    if (options.format === 'json') {
      records.forEach((record, index) => {
        const isLast = page.nextCursor === undefined || options.all !== true ? index === records.length - 1 : false;
        io.out(`${JSON.stringify(inDocumentedOrder(record), null, 2).replaceAll(/^/gm, '  ')}${isLast ? '' : ','}`);
      });
    } else if (records.length > 0 || isFirstPage) {
      const text = options.format === 'csv' ? formatCsv(records, isFirstPage) : formatTable(records, isFirstPage);
      if (text !== '') io.out(text);
    }
    count += records.length;
    isFirstPage = false;
    cursor = page.nextCursor;
    if (cursor === undefined || options.all !== true) break;
  }
  if (options.format === 'json') io.out(']');
  if (options.format === 'table') io.err(`${count} record${count === 1 ? '' : 's'}`);
  if (cursor !== undefined) io.err(`next page: --cursor ${cursor}`);
}

interface ExportCliOptions extends StoreOptions {
  to: string;
  subject: string;
  stream?: string;
  header?: string[];
  name?: string;
  batchSize?: number;
  follow?: boolean;
  pollMs?: number;
}

function destinationFromOptions(options: ExportCliOptions): ExportDestination {
  const target = options.to;
  if (target.startsWith('nats://') || target.startsWith('tls://')) return new NatsDestination({ servers: target, subject: options.subject, ...(options.stream === undefined ? {} : { stream: options.stream }) });
  if (target.startsWith('http://') || target.startsWith('https://')) {
    const headers: Record<string, string> = {};
    for (const header of options.header ?? []) {
      const colon = header.indexOf(':');
      if (colon <= 0) throw new AuditError('audit_export_failed', `--header "${header}" is not "Name: value"`);
      headers[header.slice(0, colon).trim()] = header.slice(colon + 1).trim();
    }
    return new WebhookDestination(target, { headers });
  }
  return new FileDestination(target.startsWith('file:') ? target.slice('file:'.length) : target);
}

function parseLimit(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < 1 || number > MAX_QUERY_LIMIT) throw new InvalidArgumentError(`expected a whole number from 1 to ${MAX_QUERY_LIMIT}, got "${value}"`);
  return number;
}
