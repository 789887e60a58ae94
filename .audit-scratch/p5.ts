// Compare insert strategies for a batch of 1000 real entries: unnest (current), and with index subsets.
import { PostgresAuditStore } from '../packages/gateway/src/audit/postgres-store.ts';
import { LogAppender } from '../packages/gateway/src/audit/log-appender.ts';
import { generateSigningKey } from '../packages/gateway/src/audit/checkpoint.ts';
import { syntheticRecords } from '../bench/audit/dataset.ts';
const variant = process.argv[2] ?? 'all';
const schema = 'audit_p5_' + process.pid;
const store = await PostgresAuditStore.open({ url: 'postgres://postgres@127.0.0.1:5432/test', schema });
const drops = { all: [], nogin: ['audit_records_targets'], noidx: ['audit_records_targets', 'audit_records_ts', 'audit_records_identity', 'audit_records_agent', 'audit_records_session'], onlygin: ['audit_records_ts', 'audit_records_identity', 'audit_records_agent', 'audit_records_session'] }[variant];
for (const index of drops) await store.execute(`drop index {schema}.${index}`);
const key = generateSigningKey();
const appender = new LogAppender(await store.openLogs('gw1'), key, { intervalMs: 1e9, everyRecords: 1e9 });
const now = Date.now();
const next = syntheticRecords(100000, now - 86400000 * 0.5, now);
await store.ensureDays([new Date(now - 86400000).toISOString().slice(0, 10), new Date(now).toISOString().slice(0, 10)]);
let write = 0, prep = 0; const N = 60000, B = 1000;
for (let b = 0; b < N / B; b++) {
  const recs = []; for (let i = 0; i < B; i++) recs.push(next(b * B + i));
  const t0 = performance.now();
  const batch = appender.prepare(recs);
  const t1 = performance.now();
  await store.ensureDays(batch.entries.map(e => e.day));
  await store.writeBatch(batch);
  write += performance.now() - t1; prep += t1 - t0;
  appender.accept(batch);
}
console.log(variant, 'prepare us/rec', (prep / N * 1000).toFixed(1), 'write us/rec', (write / N * 1000).toFixed(1), '=> max rate', Math.round(N / (write / 1000)));
await store.execute(`drop schema {schema} cascade`); await store.close();
