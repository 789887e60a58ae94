import { PostgresAuditStore } from '/work/main/packages/gateway/src/audit/postgres-store.ts';
import { LogAppender } from '/work/main/packages/gateway/src/audit/log-appender.ts';
import { generateSigningKey } from '/work/main/packages/gateway/src/audit/checkpoint.ts';
import { buildAuditRecord } from '/work/main/packages/gateway/src/audit/record.ts';
import pg from 'pg';
const schema = 'audit_prof_' + process.pid;
const store = await PostgresAuditStore.open({ url: 'postgres://postgres@127.0.0.1:5432/test', schema });
const key = generateSigningKey();
const appender = new LogAppender(await store.openLogs('gw1'), key, { intervalMs: 10000, everyRecords: 100000 });
const records = [];
for (let i = 0; i < 1000; i++) records.push(buildAuditRecord({ type: 'tool_invocation', startedAt: Date.now(), durationMs: 3, gatewayId: 'gw1', status: 'success', caller: { identity: 'user:joe@x.com', agent: 'agent-' + (i % 7), sessionId: 's' + (i % 100) }, server: 'crm', name: 'get_customer', arguments: { customer_id: 'C-' + (i % 1000) } }));
await store.ensureDays([new Date().toISOString().slice(0, 10)]);
const batch = appender.prepare(records);
const client = new pg.Client('postgres://postgres@127.0.0.1:5432/test');
await client.connect();
const cols = Array.from({ length: 18 }, () => []);
for (const e of batch.entries) { const c = e.columns; [e.day, e.category, e.logId, e.seq, e.prevHash, e.hash, c.auditId, new Date(c.timestampMs).toISOString(), c.operationType, c.identity, c.agent, c.sessionId, c.server, c.name, c.status, c.decision, c.targets.join('\u001f'), e.recordText].forEach((v, i) => cols[i].push(v)); }
const sql = `EXPLAIN (ANALYZE, BUFFERS) INSERT INTO ${schema}.audit_records (day, category, log_id, seq, prev_hash, hash, audit_id, ts, op_type, identity, agent, session_id, server, name, status, decision, targets, record)
      SELECT d, c, l, q, p, h, a, t, o, i, g, se, sv, n, st, de, string_to_array(tg, chr(31)), r
      FROM unnest($1::date[], $2::text[], $3::text[], $4::int8[], $5::bytea[], $6::bytea[], $7::text[], $8::timestamptz[], $9::text[],
                  $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[])
        AS u(d, c, l, q, p, h, a, t, o, i, g, se, sv, n, st, de, tg, r)`;
const t0 = performance.now();
const r = await client.query(sql, cols);
console.log('total ms', (performance.now() - t0).toFixed(1));
console.log(r.rows.map(x => x['QUERY PLAN']).join('\n'));
await client.end();
await store.execute(`drop schema ${schema} cascade`);
await store.close();
