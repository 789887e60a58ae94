import pg from 'pg';
import { PostgresAuditStore } from '../packages/gateway/src/audit/postgres-store.ts';
import { LogAppender } from '../packages/gateway/src/audit/log-appender.ts';
import { generateSigningKey } from '../packages/gateway/src/audit/checkpoint.ts';
import { syntheticRecords } from '../bench/audit/dataset.ts';
const schema = 'audit_p7_' + process.pid;
const store = await PostgresAuditStore.open({ url: 'postgres://postgres@127.0.0.1:5432/test', schema });
const key = generateSigningKey();
const appender = new LogAppender(await store.openLogs('gw1'), key, { intervalMs: 1e9, everyRecords: 1e9 });
const now = Date.now();
const next = syntheticRecords(100000, now - 86400000 * 0.5, now);
await store.ensureDays([new Date(now - 86400000).toISOString().slice(0, 10), new Date(now).toISOString().slice(0, 10)]);
const orig = pg.Client.prototype.query;
const times = {};
pg.Client.prototype.query = function (text, ...rest) {
  const key = typeof text === 'string' ? text.trim().slice(0, 12) : 'obj';
  const t0 = performance.now();
  const r = orig.call(this, text, ...rest);
  if (r && typeof r.then === 'function') return r.then((v) => { times[key] = (times[key] ?? 0) + performance.now() - t0; return v; });
  return r;
};
const N = 30000, B = 1000;
for (let b = 0; b < N / B; b++) {
  const recs = []; for (let i = 0; i < B; i++) recs.push(next(b * B + i));
  const batch = appender.prepare(recs);
  await store.writeBatch(batch);
  appender.accept(batch);
}
for (const [k, v] of Object.entries(times)) console.log(k.padEnd(14), (v / N * 1000).toFixed(1), 'us/rec');
await store.execute(`drop schema {schema} cascade`); await store.close();
