// `npm run bench:usage`: how long `gatehouse usage` takes over a month of N
// tool-call records in SQLite and PostgreSQL. Rows are written straight into
// the entries tables (no chain: only the usage aggregate reads them), 50
// agents, 2,000 users, 20 tools, 1 in 5 calls in a session of its user, each
// record carrying the cost policy's verdict. Figures go in docs/usage.md.

import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { buildAuditRecord } from '../../packages/gateway/src/audit/record.ts';
import { indexColumns } from '../../packages/gateway/src/audit/record-index.ts';
import { dayPartitionStatements } from '../../packages/gateway/src/audit/postgres-schema.ts';
import { PostgresAuditStore } from '../../packages/gateway/src/audit/postgres-store.ts';
import { SqliteAuditStore } from '../../packages/gateway/src/audit/sqlite-store.ts';
import type { AuditStore } from '../../packages/gateway/src/audit/sink.ts';
import { buildUsageReport } from '../../packages/gateway/src/usage/usage-report.ts';

const { values: options } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    stores: { type: 'string', default: 'sqlite,postgres' },
    'postgres-url': { type: 'string', default: process.env.GATEHOUSE_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    /** Keep the PostgreSQL schema afterwards (to try queries on it). */
    keep: { type: 'boolean', default: false },
  },
});
const RECORDS = Number(options.records);
const MONTH_START = Date.UTC(2026, 10, 1);
const MONTH_MS = 30 * 86_400_000;
const config = {
  policies: [{ name: 'cost_ceiling', type: 'cost_per_session', settings: { max_usd: 10, tool_costs: { 'crm/*': 0.001 } } }],
  usage: { teams: Object.fromEntries(Array.from({ length: 10 }, (_, team) => [`team-${team}`, { agents: Array.from({ length: 5 }, (_, i) => `agent-${team * 5 + i}`), users: [] }])) },
};

/** The i-th record's columns and text. */
function entry(index: number) {
  const record = buildAuditRecord({
    type: 'tool_invocation',
    startedAt: MONTH_START + Math.floor((index / RECORDS) * MONTH_MS),
    durationMs: 40,
    gatewayId: 'bench',
    status: index % 50 === 0 ? 'error' : 'success',
    caller: { identity: `user:user${index % 2000}@company.com`, agent: `agent-${index % 50}`, sessionId: index % 5 === 0 ? `sess_${index % 2000}_${Math.floor(index / 20_000)}` : undefined, clientIp: '10.0.5.42', userAgent: 'bench' },
    server: index % 3 === 0 ? 'tickets' : 'crm',
    name: `tool_${index % 20}`,
    arguments: { customer_id: `C-${index % 10_000}`, note: 'a short note about the customer' },
    outputSizeBytes: 1200,
    policyDecisions: [
      { policy: 'rate_limit', decision: 'allow', details: { remaining: 58 } },
      { policy: 'cost_ceiling', decision: 'allow', details: { cost_usd: 0.001 * (index % 7), spent_usd: 0.5, remaining_usd: 9.5, run: 'session' } },
    ],
  });
  return { columns: indexColumns(record), text: JSON.stringify(record) };
}

async function time(store: AuditStore, label: string): Promise<void> {
  const range = { since: new Date(MONTH_START), until: new Date(MONTH_START + MONTH_MS) };
  for (const [by, perSession] of [['team', false], ['user', true]] as const) {
    const started = performance.now();
    const report = await buildUsageReport(store, config, { by, range, perSession });
    const seconds = (performance.now() - started) / 1000;
    console.log(`${label}: --by ${by}${perSession ? ' --per session' : ''}: ${seconds.toFixed(2)} s for ${report.totals.calls.toLocaleString('en-US')} calls (${Math.round(report.totals.calls / seconds).toLocaleString('en-US')}/s), ${report.lines.length} lines`);
  }
}

console.log(`${RECORDS.toLocaleString('en-US')} tool-call records over 30 days; ${cpus().length} CPUs`);
if (options.stores.includes('sqlite')) {
  const directory = await mkdtemp(join(tmpdir(), 'gatehouse-bench-usage-'));
  const path = join(directory, 'audit.db');
  await new SqliteAuditStore(path, { synchronous: 'normal' }).close();
  const database = new DatabaseSync(path);
  const insert = database.prepare(`INSERT INTO audit_entries (log_id, seq, day, category, prev_hash, hash, audit_id, ts, op_type, identity, agent, session_id, server, name, status, decision, record)
    VALUES ('bench/routine', ?, ?, 'routine', x'00', x'00', ?, ?, 'tool_invocation', ?, ?, ?, ?, ?, ?, 'allow', ?)`);
  database.exec('BEGIN');
  for (let index = 0; index < RECORDS; index++) {
    const { columns: c, text } = entry(index);
    insert.run(index, new Date(c.timestampMs).toISOString().slice(0, 10), c.auditId, c.timestampMs, c.identity, c.agent, c.sessionId, c.server, c.name, c.status, text);
  }
  database.exec('COMMIT');
  database.close();
  const store = new SqliteAuditStore(path, { isReadOnly: true });
  await time(store, 'sqlite');
  await store.close();
  await rm(directory, { recursive: true, force: true });
}
if (options.stores.includes('postgres')) {
  const schema = `usage_bench_${process.pid}`;
  const store = await PostgresAuditStore.open({ url: options['postgres-url'], schema });
  const client = new pg.Client({ connectionString: options['postgres-url'] });
  await client.connect();
  try {
    for (let day = 0; day < 30; day++) {
      for (const statement of dayPartitionStatements(schema, new Date(MONTH_START + day * 86_400_000).toISOString().slice(0, 10))) await client.query(statement);
    }
    const BATCH = 5_000;
    for (let start = 0; start < RECORDS; start += BATCH) {
      const rows = Array.from({ length: Math.min(BATCH, RECORDS - start) }, (_, offset) => entry(start + offset));
      await client.query(
        `INSERT INTO "${schema}".audit_records (day, category, log_id, seq, prev_hash, hash, audit_id, ts, op_type, identity, agent, session_id, server, name, status, decision, targets, record)
         SELECT (to_timestamp(ts / 1000.0) AT TIME ZONE 'UTC')::date, 'routine', 'bench/routine', seq, '\\x00', '\\x00', audit_id, to_timestamp(ts / 1000.0), 'tool_invocation', identity, agent, session_id, server, name, status, 'allow', '{}', record
         FROM unnest($1::bigint[], $2::text[], $3::float8[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[]) AS r(seq, audit_id, ts, identity, agent, session_id, server, name, status, record)`,
        [rows.map((_, offset) => start + offset), rows.map((r) => r.columns.auditId), rows.map((r) => r.columns.timestampMs), rows.map((r) => r.columns.identity), rows.map((r) => r.columns.agent),
          rows.map((r) => r.columns.sessionId), rows.map((r) => r.columns.server), rows.map((r) => r.columns.name), rows.map((r) => r.columns.status), rows.map((r) => r.text)],
      );
    }
    await client.query(`ANALYZE "${schema}".audit_records`);
    await time(store, 'postgres');
  } finally {
    if (options.keep) console.log(`kept schema ${schema}`);
    else await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
    await store.close();
  }
}
