import { PostgresAuditStore } from '../packages/gateway/src/audit/postgres-store.ts';
import { LogAppender } from '../packages/gateway/src/audit/log-appender.ts';
import { generateSigningKey } from '../packages/gateway/src/audit/checkpoint.ts';
import { buildAuditRecord } from '../packages/gateway/src/audit/record.ts';
import pg from 'pg';
const schema = 'audit_prof_' + process.pid;
const store = await PostgresAuditStore.open({ url: 'postgres://postgres@127.0.0.1:5432/test', schema });
const key = generateSigningKey();
const appender = new LogAppender(await store.openLogs('gw1'), key, { intervalMs: 10000, everyRecords: 100000 });
await store.ensureDays([new Date().toISOString().slice(0, 10)]);
const client = new pg.Client('postgres://postgres@127.0.0.1:5432/test');
await client.connect();
const N = 1000;
function mk() {
  const records = [];
  for (let i = 0; i < N; i++) records.push(buildAuditRecord({ type: 'tool_invocation', startedAt: Date.now(), durationMs: 3, gatewayId: 'gw1', status: 'success', caller: { identity: 'user:joe@x.com', agent: 'agent-' + (i % 7), sessionId: 's' + (i % 100) }, server: 'crm', name: 'get_customer', arguments: { customer_id: 'C-' + (i % 1000) } }));
  const batch = appender.prepare(records); appender.accept(batch); return batch;
}
const rowsOf = (batch) => batch.entries.map(e => { const c = e.columns; return [e.day, e.category, e.logId, e.seq, e.prevHash, e.hash, c.auditId, new Date(c.timestampMs).toISOString(), c.operationType, c.identity, c.agent, c.sessionId, c.server, c.name, c.status, c.decision, c.targets.join('\u001f'), e.recordText]; });
const cols18 = 'day, category, log_id, seq, prev_hash, hash, audit_id, ts, op_type, identity, agent, session_id, server, name, status, decision, targets, record';
async function unnest(batch) {
  const rows = rowsOf(batch); const cols = Array.from({ length: 18 }, (_, i) => rows.map(r => r[i]));
  await client.query(`INSERT INTO ${schema}.audit_records (${cols18}) SELECT d, c, l, q, p, h, a, t, o, i, g, se, sv, n, st, de, string_to_array(tg, chr(31)), r FROM unnest($1::date[], $2::text[], $3::text[], $4::int8[], $5::bytea[], $6::bytea[], $7::text[], $8::timestamptz[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[]) AS u(d, c, l, q, p, h, a, t, o, i, g, se, sv, n, st, de, tg, r)`, cols);
}
async function values(batch) {
  const rows = rowsOf(batch); const params = []; const parts = [];
  for (const r of rows) { const b = params.length; parts.push('(' + r.map((_, i) => `$${b + i + 1}` + (i === 0 ? '::date' : i === 16 ? '' : '')).map((p, i) => i === 16 ? `string_to_array(${p}, chr(31))` : p).join(',') + ')'); params.push(...r); }
  await client.query(`INSERT INTO ${schema}.audit_records (${cols18}) VALUES ${parts.join(',')}`, params);
}
async function json(batch) {
  const rows = rowsOf(batch).map(r => ({ day: r[0], category: r[1], log_id: r[2], seq: r[3], prev_hash: '\\x' + r[4].toString('hex'), hash: '\\x' + r[5].toString('hex'), audit_id: r[6], ts: r[7], op_type: r[8], identity: r[9], agent: r[10], session_id: r[11], server: r[12], name: r[13], status: r[14], decision: r[15], targets: r[16] === '' ? [] : r[16].split('\u001f'), record: r[17] }));
  await client.query(`INSERT INTO ${schema}.audit_records (${cols18}) SELECT * FROM json_populate_recordset(NULL::${schema}.audit_records, $1::json)`, [JSON.stringify(rows)]);
}
for (const [name, f] of [['unnest', unnest], ['values', values], ['json', json], ['unnest', unnest], ['values', values], ['json', json]]) {
  let t = 0;
  for (let k = 0; k < 10; k++) { const b = mk(); const t0 = performance.now(); await f(b); t += performance.now() - t0; }
  console.log(name, 'us/row', (t / (10 * N) * 1000).toFixed(1));
}
await client.end();
await store.execute(`drop schema ${schema} cascade`);
await store.close();
