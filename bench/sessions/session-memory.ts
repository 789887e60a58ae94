// Memory per idle 2025-era session, for docs/scale-out.md and the issue's
// goals (< 2 KiB in process with the memory store, < 4 KiB in Redis):
//
//   node --expose-gc bench/sessions/session-memory.ts [--sessions 20000] [--redis redis://127.0.0.1:6379/0]
//
// Creates N sessions as `initialize` would (a typical client's info and
// capabilities, an owner) and reports the heap growth per session of the
// memory store, the average `MEMORY USAGE` of a session key in Redis, and
// what the Redis store keeps in process per session it served.

import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createMemorySessionStore } from '../../packages/gateway/src/session/memory-store.ts';
import { createRedisSessionStore } from '../../packages/gateway/src/session/redis-store.ts';
import { openRedisConnection } from '../../packages/gateway/src/cluster/redis-connection.ts';
import type { LegacySession } from '../../packages/gateway/src/session/session.ts';
import { silentLogger } from '../../packages/gateway/src/telemetry/logger.ts';

const { values } = parseArgs({ options: { sessions: { type: 'string', default: '20000' }, redis: { type: 'string', default: 'redis://127.0.0.1:6379/0' } } });
const count = Number(values.sessions);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc so heap figures are stable');

/** A session as a typical client's initialize leaves it (JSON-parsed, as the handler stores it). */
function typicalSession(): LegacySession {
  const now = Date.now();
  const params = JSON.parse('{"clientInfo":{"name":"claude-code","version":"2.1.0"},"capabilities":{"sampling":{},"elicitation":{"form":{}},"roots":{"listChanged":true}}}') as { clientInfo: Record<string, unknown>; capabilities: Record<string, unknown> };
  return { id: randomUUID(), protocolVersion: '2025-11-25', clientInfo: params.clientInfo, clientCapabilities: params.capabilities, endpointBackend: undefined, isInitialized: true, owner: 'K7rWq3pXb9mZ0vN2sT5uY8aC1dE4fG6hJ0kL2nP4qR6', createdAt: now, lastSeenAt: now };
}

function heapUsed(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

const memory = createMemorySessionStore({ ttlMs: 3_600_000 });
const before = heapUsed();
for (let index = 0; index < count; index++) memory.create(typicalSession());
const inProcess = (heapUsed() - before) / count;
memory.close();

const connection = openRedisConnection(values.redis, silentLogger);
for (let attempt = 0; attempt < 100 && !connection.isReady; attempt++) await new Promise((resolve) => setTimeout(resolve, 50));
const prefix = `gatehouse-bench:${randomUUID().slice(0, 8)}:`;
const redis = createRedisSessionStore({ commands: connection.commands, isReady: () => connection.isReady, where: 'bench', ttlSeconds: 600, prefix });
const redisBefore = heapUsed();
const ids: string[] = [];
for (let batch = 0; batch < count; batch += 500) {
  const sessions = Array.from({ length: Math.min(500, count - batch) }, typicalSession);
  await Promise.all(sessions.map((session) => redis.create(session)));
  for (const session of sessions) ids.push(session.id);
}
const redisInProcess = (heapUsed() - redisBefore) / count;
const sample = ids.filter((_, index) => index % Math.max(1, Math.floor(count / 200)) === 0);
const usages = await Promise.all(sample.map((id) => connection.commands.sendCommand(['MEMORY', 'USAGE', `${prefix}s:${id}`, 'SAMPLES', '0'])));
const inRedis = usages.reduce<number>((sum, bytes) => sum + Number(bytes), 0) / usages.length;
for (let batch = 0; batch < ids.length; batch += 1000) await connection.commands.sendCommand(['DEL', ...ids.slice(batch, batch + 1000).map((id) => `${prefix}s:${id}`)]);
redis.close();
await connection.close();

const format = (bytes: number) => `${Math.round(bytes)} B (${(bytes / 1024).toFixed(2)} KiB)`;
process.stdout.write(
  `idle sessions: ${count}\n` +
  `memory store, heap per session:              ${format(inProcess)}   goal < 2 KiB\n` +
  `redis store, MEMORY USAGE per session key:   ${format(inRedis)}   goal < 4 KiB\n` +
  `redis store, heap per session served here:   ${format(redisInProcess)}\n`,
);
