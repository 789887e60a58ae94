import pg from 'pg';
import { PostgresAuditStore } from '../packages/gateway/src/audit/postgres-store.ts';
import { LogAppender } from '../packages/gateway/src/audit/log-appender.ts';
import { generateSigningKey } from '../packages/gateway/src/audit/checkpoint.ts';
import { syntheticRecords } from '../bench/audit/dataset.ts';
const variant = process.argv[2] ?? 'unnest';
const schema = 'audit_p6_' + process.pid;
const store = await PostgresAuditStore.open({ url: 'postgres://postgres@127.0.0.1:5432/test', schema });
const client = new pg.Client('postgres://postgres@127.0.0.1:5432/test'); await client.connect();
const key = generateSigningKey();
const appender = new LogAppender(await store.openLogs('gw1'), key, { intervalMs: 1e9, everyRecords: 1e9 });
const now = Date.now();
const next = syntheticRecords(100000, now - 86400000 * 0.5, now);
await store.ensureDays([new Date(now - 86400000).toISOString().slice(0, 10), new Date(now).toISOString().slice(0, 10)]);
const cols = 'day, category, log_id, seq, prev_hash, hash, audit_id, ts, op_type, identity, agent, session_id, server, name, status, decision, targets, record';
const row = (e) => { const c = e.columns; return [e.day, e.category, e.logId, e.seq, e.prevHash, e.hash, c.auditId, new Date(c.timestampMs).toISOString(), c.operationType, c.identity, c.agent, c.sessionId, c.server, c.name, c.status, c.decision, c.targets, e.recordText]; };
async function write(batch) {
  const rows = batch.entries.map(row);
  if (variant === 'values') {
    const params = []; const parts = [];
    for (const r of rows) { const b = params.length; parts.push(`($${b+1}::date,$${b+2},$${b+3},$${b+4},$${b+5},$${b+6},$${b+7},$${b+8}::timestamptz,$${b+9},$${b+10},$${b+11},$${b+12},$${b+13},$${b+14},$${b+15},$${b+16},$${b+17}::text[],$${b+18})`); params.push(...r); }
    await client.query(`INSERT INTO ${schema}.audit_records (${cols}) VALUES ${parts.join(',')}`, params);
  } else if (variant === 'json') {
    const objs = rows.map(r => ({ day: r[0], category: r[1], log_id: r[2], seq: r[3], prev_hash: '\\x' + r[4].toString('hex'), hash: '\\x' + r[5].toString('hex'), audit_id: r[6], ts: r[7], op_type: r[8], identity: r[9], agent: r[10], session_id: r[11], server: r[12], name: r[13], status: r[14], decision: r[15], targets: r[16], record: r[17] }));
    await client.query(`INSERT INTO ${schema}.audit_records (${cols}) SELECT ${cols} FROM json_populate_recordset(NULL::${schema}.audit_records, $1::json)`, [JSON.stringify(objs)]);
  } else {
    await store.writeBatch(batch);
  }
}
let w = 0; const N = 60000, B = 1000;
for (let b = 0; b < N / B; b++) {
  const recs = []; for (let i = 0; i < B; i++) recs.push(next(b * B + i));
  const batch = appender.prepare(recs);
  await store.ensureDays(batch.entries.map(e => e.day));
  const t1 = performance.now(); await write(batch); w += performance.now() - t1;
  appender.accept(batch);
}
console.log(variant, 'write us/rec', (w / N * 1000).toFixed(1), '=> max rate', Math.round(N / (w / 1000)));
await client.end(); await store.execute(`drop schema {schema} cascade`); await store.close();
