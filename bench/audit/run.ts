// `npm run bench:audit`: ingest rate into SQLite and PostgreSQL through the
// real sinks (group commit, hash chain, checkpoints), then the latency of the
// three compliance questions of docs/audit.md over the store just written, the verify
// rate, and the gateway's throughput with audit on versus off
// (gateway-throughput.ts). Reports figures for docs/audit.md; see that page.

import { mkdtemp, rm, stat } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateSigningKey } from '../../packages/gateway/src/audit/checkpoint.ts';
import { PostgresAuditSink } from '../../packages/gateway/src/audit/postgres-sink.ts';
import { PostgresAuditStore } from '../../packages/gateway/src/audit/postgres-store.ts';
import { periodRange, type AuditQuery } from '../../packages/gateway/src/audit/query.ts';
import type { AuditSink, AuditStore } from '../../packages/gateway/src/audit/sink.ts';
import { SqliteAuditSink } from '../../packages/gateway/src/audit/sqlite-sink.ts';
import { SqliteAuditStore } from '../../packages/gateway/src/audit/sqlite-store.ts';
import { verifyStore } from '../../packages/gateway/src/audit/verify.ts';
import { syntheticRecords, WATCHED_AGENT } from './dataset.ts';
import { formatThroughput, measureGatewayThroughput, type ThroughputResult } from './gateway-throughput.ts';
import { eraNames, type EraName } from '../report.ts';

const usage = `Usage: npm run bench:audit -- [--records N] [--days D] [--stores sqlite,postgres] [--in-flight N] [--iterations N] [--skip-verify] [--keep] [--json]

  --records N      records to ingest into each store (default 1000000)
  --days D         days the records' timestamps span, ending now (default 120)
  --stores LIST    sqlite, postgres or both (default both)
  --in-flight N    appends awaiting their commit at once, like concurrent calls (default 2000)
  --iterations N   runs of each compliance query, after 3 unmeasured (default 30)
  --skip-verify    do not time gatehouse audit verify over the store
  --keep           keep the SQLite file and the PostgreSQL schema afterwards
  --postgres-url   default postgres://postgres@127.0.0.1:5432/test (or GATEHOUSE_BENCH_POSTGRES_URL)
  --postgres-schema NAME  write into (or, with --skip-ingest, read) this schema; default audit_bench_<pid>
  --sqlite-path FILE      the same for SQLite; default a temporary file
  --skip-ingest    time the questions (and verify) over a store kept by an earlier --keep run
  --skip-gateway   do not measure the gateway with audit on versus off
  --gateway-only   only that measurement
  --gateway-seconds N      measured seconds per round (default 20)
  --gateway-warmup N       unmeasured seconds first (default 3)
  --gateway-concurrency N  concurrent clients (default 64)
  --gateway-rounds N       off/on rounds; the median is reported (default 3)
  --gateway-era ERA        2026-07-28 (default) or 2025-11-25
  --gateway-read-only      audit on with bench__echo declared read_only (audit.tool_effects), so its calls
                           get no write-ahead record: with and without it, the write-ahead's own cost

Seeding 10 million records for the compliance questions (PostgreSQL, about
8 minutes at 22k records/s), then timing the questions again later:
  npm run bench:audit -- --records 10000000 --stores postgres --skip-gateway --skip-verify --keep --postgres-schema audit_bench_10m
  npm run bench:audit -- --records 10000000 --stores postgres --skip-gateway --skip-verify --skip-ingest --postgres-schema audit_bench_10m
`;

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    days: { type: 'string', default: '120' },
    stores: { type: 'string', default: 'sqlite,postgres' },
    'in-flight': { type: 'string', default: '2000' },
    iterations: { type: 'string', default: '30' },
    'skip-verify': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    'postgres-url': { type: 'string', default: process.env.GATEHOUSE_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    'postgres-schema': { type: 'string' },
    'sqlite-path': { type: 'string' },
    'skip-ingest': { type: 'boolean', default: false },
    'skip-gateway': { type: 'boolean', default: false },
    'gateway-only': { type: 'boolean', default: false },
    'gateway-seconds': { type: 'string', default: '20' },
    'gateway-warmup': { type: 'string', default: '3' },
    'gateway-concurrency': { type: 'string', default: '64' },
    'gateway-rounds': { type: 'string', default: '3' },
    'gateway-era': { type: 'string', default: '2026-07-28' },
    'gateway-read-only': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(usage);
  process.exit(0);
}
const RECORDS = Number(values.records);
const DAYS = Number(values.days);
const IN_FLIGHT = Number(values['in-flight']);
const ITERATIONS = Number(values.iterations);
const STORES = values['gateway-only'] ? [] : values.stores.split(',').map((store) => store.trim());
if (!(eraNames as readonly string[]).includes(values['gateway-era'])) {
  process.stderr.write(`--gateway-era must be one of ${eraNames.join(', ')}\n${usage}`);
  process.exit(2);
}

interface StoreResult {
  store: string;
  records: number;
  ingestSeconds: number;
  recordsPerSecond: number;
  bytesOnDisk: number | undefined;
  queries: { question: string; command: string; matches: number; p50Ms: number; p95Ms: number; maxMs: number }[];
  verifyRecordsPerSecond: number | undefined;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

async function ingest(sink: AuditSink, label: string): Promise<number> {
  const now = Date.now();
  const next = syntheticRecords(RECORDS, now - DAYS * 86_400_000, now);
  let index = 0;
  let done = 0;
  let lastReport = performance.now();
  const started = performance.now();
  async function worker(): Promise<void> {
    while (index < RECORDS) {
      const record = next(index);
      index += 1;
      await sink.append(record);
      done += 1;
      if (performance.now() - lastReport > 5_000) {
        lastReport = performance.now();
        const rate = done / ((lastReport - started) / 1000);
        const remaining = Math.round((RECORDS - done) / rate);
        log(`  ${label}: ${done.toLocaleString('en-US')}/${RECORDS.toLocaleString('en-US')} records (${Math.floor((done / RECORDS) * 100)}%), ${Math.round(rate).toLocaleString('en-US')}/s, about ${Math.floor(remaining / 60)} min ${remaining % 60} s left`);
      }
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  await sink.flush();
  return (performance.now() - started) / 1000;
}

/** The three compliance questions, as `gatehouse audit query` asks them. */
function questions(now: Date): { question: string; command: string; query: AuditQuery }[] {
  return [
    { question: 'who accessed customer C-42 last quarter', command: '--target C-42 --period last-quarter', query: { target: 'C-42', ...periodRange('last-quarter', now) } },
    { question: 'administrative actions on account ACCT-7', command: '--type admin_action --target ACCT-7', query: { types: ['admin_action'], target: 'ACCT-7' } },
    { question: `every denial for ${WATCHED_AGENT} today`, command: `--agent ${WATCHED_AGENT} --decision deny --period today`, query: { agent: WATCHED_AGENT, decision: 'deny', ...periodRange('today', now) } },
  ];
}

async function timeQueries(store: AuditStore): Promise<StoreResult['queries']> {
  const results: StoreResult['queries'] = [];
  for (const { question, command, query } of questions(new Date())) {
    const times: number[] = [];
    let matches = 0;
    for (let run = 0; run < ITERATIONS + 3; run += 1) {
      const started = performance.now();
      const page = await store.query(query, { limit: 100 });
      const elapsed = performance.now() - started;
      matches = page.items.length;
      if (run >= 3) times.push(elapsed);
    }
    times.sort((a, b) => a - b);
    const percentile = (p: number) => times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)]!;
    results.push({ question, command, matches, p50Ms: round(percentile(50)), p95Ms: round(percentile(95)), maxMs: round(times.at(-1)!) });
  }
  return results;
}

async function timeVerify(store: AuditStore, trustedKey: ReturnType<typeof generateSigningKey> | undefined): Promise<number> {
  const started = performance.now();
  const report = await verifyStore(store, { ...(trustedKey === undefined ? {} : { trustedKeys: new Map([[trustedKey.keyId, trustedKey.publicKey]]) }), pageSize: 5_000 });
  if (!report.isValid) throw new Error(`verify failed on the benchmark store: ${report.failure?.message}`);
  const checked = report.logs.reduce((sum, entry) => sum + entry.recordsChecked, 0);
  return Math.round(checked / ((performance.now() - started) / 1000));
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

async function benchSqlite(): Promise<StoreResult> {
  const directory = values['sqlite-path'] === undefined ? await mkdtemp(join(tmpdir(), 'gatehouse-bench-audit-')) : undefined;
  const path = values['sqlite-path'] ?? join(directory!, 'audit.db');
  const key = generateSigningKey();
  try {
    let seconds = Number.NaN;
    if (values['skip-ingest']) log(`sqlite: reading the records already in ${path}`);
    else {
      log(`sqlite: ingesting ${RECORDS.toLocaleString('en-US')} records into ${path}`);
      const sink = await SqliteAuditSink.open({ path, gatewayId: 'bench-gateway', signingKey: key });
      seconds = await ingest(sink, 'sqlite');
      await sink.close();
    }
    const bytes = (await stat(path)).size;
    const store = new SqliteAuditStore(path);
    log('sqlite: ANALYZE');
    store.execute('ANALYZE');
    log('sqlite: timing the compliance questions');
    const queries = await timeQueries(store);
    log(values['skip-verify'] ? 'sqlite: verify skipped' : 'sqlite: timing verify');
    // A store seeded by an earlier run was signed with that run's key: verify it against the store's own keys.
    const verifyRate = values['skip-verify'] ? undefined : await timeVerify(store, values['skip-ingest'] ? undefined : key);
    await store.close();
    return { store: 'sqlite', records: RECORDS, ingestSeconds: round(seconds), recordsPerSecond: Math.round(RECORDS / seconds), bytesOnDisk: bytes, queries, verifyRecordsPerSecond: verifyRate };
  } finally {
    if (values.keep || directory === undefined) log(`sqlite: kept ${path}`);
    else await rm(directory, { recursive: true, force: true });
  }
}

async function benchPostgres(): Promise<StoreResult> {
  const schema = values['postgres-schema'] ?? `audit_bench_${process.pid}`;
  const isKept = values.keep || values['skip-ingest'] || values['postgres-schema'] !== undefined;
  const key = generateSigningKey();
  const store = await PostgresAuditStore.open({ url: values['postgres-url'], schema });
  try {
    let seconds = Number.NaN;
    if (values['skip-ingest']) log(`postgres: reading the records already in schema ${schema}`);
    else {
      log(`postgres: ingesting ${RECORDS.toLocaleString('en-US')} records into schema ${schema}`);
      const sink = await PostgresAuditSink.open({ store, gatewayId: 'bench-gateway', signingKey: key });
      seconds = await ingest(sink, 'postgres');
      await sink.close();
    }
    log('postgres: ANALYZE (a minute or more at 10 million records)');
    await store.execute('ANALYZE {schema}.audit_records');
    const [size] = await store.execute(`SELECT sum(pg_total_relation_size(c.oid))::bigint AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'i')`, [schema]);
    log('postgres: timing the compliance questions');
    const queries = await timeQueries(store);
    log(values['skip-verify'] ? 'postgres: verify skipped' : 'postgres: timing verify');
    const verifyRate = values['skip-verify'] ? undefined : await timeVerify(store, values['skip-ingest'] ? undefined : key);
    return { store: 'postgres', records: RECORDS, ingestSeconds: round(seconds), recordsPerSecond: Math.round(RECORDS / seconds), bytesOnDisk: Number(size?.bytes ?? 0), queries, verifyRecordsPerSecond: verifyRate };
  } finally {
    if (isKept) log(`postgres: kept schema ${schema}`);
    else await store.execute(`DROP SCHEMA {schema} CASCADE`);
    await store.close();
  }
}

const machine = `${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 1024 ** 3).toFixed(0)} GiB, Node ${process.version}; load average before: ${loadavg().map((value) => value.toFixed(2)).join(' ')}`;
log(`machine: ${machine}`);
const results: StoreResult[] = [];
if (STORES.includes('sqlite')) results.push(await benchSqlite());
if (STORES.includes('postgres')) results.push(await benchPostgres());
let throughput: ThroughputResult | undefined;
if (!values['skip-gateway']) {
  log(`gateway: throughput with audit off and on, ${values['gateway-rounds']} rounds of ${values['gateway-seconds']} s`);
  throughput = await measureGatewayThroughput({
    seconds: Number(values['gateway-seconds']),
    warmupSeconds: Number(values['gateway-warmup']),
    concurrency: Number(values['gateway-concurrency']),
    rounds: Number(values['gateway-rounds']),
    era: values['gateway-era'] as EraName,
    isEchoReadOnly: values['gateway-read-only'],
    log,
  });
}

if (values.json) {
  process.stdout.write(`${JSON.stringify({ machine, records: RECORDS, days: DAYS, inFlight: IN_FLIGHT, results, gatewayThroughput: throughput })}\n`);
} else {
  const lines = [STORES.length === 0 ? 'audit benchmark: gateway throughput only' : `audit benchmark: ${RECORDS.toLocaleString('en-US')} records over ${DAYS} days, ${IN_FLIGHT} appends in flight`, `machine: ${machine}`, ''];
  for (const result of results) {
    const ingested = Number.isNaN(result.ingestSeconds) ? 'ingest skipped (an existing store)' : `ingest ${result.recordsPerSecond.toLocaleString('en-US')} records/s (${result.ingestSeconds} s)`;
    lines.push(`${result.store}: ${ingested}, ${((result.bytesOnDisk ?? 0) / 1024 ** 2).toFixed(0)} MiB on disk${result.verifyRecordsPerSecond === undefined ? '' : `, verify ${result.verifyRecordsPerSecond.toLocaleString('en-US')} records/s`}`);
    for (const query of result.queries) lines.push(`  ${query.question.padEnd(44)} p50 ${String(query.p50Ms).padStart(7)} ms  p95 ${String(query.p95Ms).padStart(7)} ms  max ${String(query.maxMs).padStart(7)} ms  (${query.matches} on the first page; gatehouse audit query ${query.command})`);
  }
  if (throughput !== undefined) lines.push('', formatThroughput(throughput));
  process.stdout.write(`${lines.join('\n')}\n`);
}
