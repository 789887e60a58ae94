// Memory per idle 2025-era session, for docs/scale-out.md and the issue's
// goals (< 2 KiB in process with the memory store, < 4 KiB in Redis):
//
//   node --expose-gc bench/sessions/session-memory.ts [--sessions 20000] [--sessions-per-owner 2] [--redis redis://127.0.0.1:6379/0]
//
// Creates N sessions as `initialize` would (a typical client's info and
// capabilities, an owner holding a few of them) in stores with the gateway's
// default per-owner cap, so each keeps its owner index as a gateway with
// authentication on does, and reports the heap growth per session of the
// memory store (index included), the `MEMORY USAGE` per session in Redis of
// the session keys and of the owner index sets, and what the Redis store
// keeps in process per session it served.

import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createMemorySessionStore } from '../../packages/gateway/src/session/memory-store.ts';
import { createRedisSessionStore } from '../../packages/gateway/src/session/redis-store.ts';
import { openRedisConnection } from '../../packages/gateway/src/cluster/redis-connection.ts';
import type { LegacySession } from '../../packages/gateway/src/session/session.ts';
import { silentLogger } from '../../packages/gateway/src/telemetry/logger.ts';
import { parseConfig } from '../../packages/gateway/src/config/load.ts';

const { values } = parseArgs({ options: { sessions: { type: 'string', default: '20000' }, 'sessions-per-owner': { type: 'string', default: '2' }, redis: { type: 'string', default: 'redis://127.0.0.1:6379/0' } } });
const count = Number(values.sessions);
const sessionsPerOwner = Number(values['sessions-per-owner']);
// The gateway's default max_concurrent_sessions_per_user: with a cap, both stores index sessions by owner.
const maxSessionsPerOwner = parseConfig('backends: []\n', 'gatehouse.yaml', {}, { hostname: 'bench' }).config.session.maxConcurrentSessionsPerUser;
if (!(sessionsPerOwner >= 1 && sessionsPerOwner <= maxSessionsPerOwner)) throw new Error(`--sessions-per-owner must be from 1 to the default cap, ${maxSessionsPerOwner}`);
/** The owner of the index-th session: consecutive sessions share an owner, sessionsPerOwner at a time. */
const ownerOf = (index: number) => `owner-${Math.floor(index / sessionsPerOwner).toString(36).padStart(8, '0')}-K7rWq3pXb9mZ0vN2sT5uY8aC1dE4fG6h`;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc so heap figures are stable');

/** A session as a typical client's initialize leaves it (JSON-parsed, as the handler stores it). */
function typicalSession(owner: string): LegacySession {
  const now = Date.now();
  const params = JSON.parse('{"clientInfo":{"name":"claude-code","version":"2.1.0"},"capabilities":{"sampling":{},"elicitation":{"form":{}},"roots":{"listChanged":true}}}') as { clientInfo: Record<string, unknown>; capabilities: Record<string, unknown> };
  return { id: randomUUID(), protocolVersion: '2025-11-25', clientInfo: params.clientInfo, clientCapabilities: params.capabilities, endpointBackend: undefined, isInitialized: true, owner, createdAt: now, lastSeenAt: now };
}

function heapUsed(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

const memory = createMemorySessionStore({ ttlMs: 3_600_000, maxSessionsPerOwner });
const before = heapUsed();
for (let index = 0; index < count; index++) memory.create(typicalSession(ownerOf(index)));
const inProcess = (heapUsed() - before) / count;
memory.close();

const connection = openRedisConnection(values.redis, silentLogger);
for (let attempt = 0; attempt < 100 && !connection.isReady; attempt++) await new Promise((resolve) => setTimeout(resolve, 50));
const prefix = `gatehouse-bench:${randomUUID().slice(0, 8)}:`;
const redis = createRedisSessionStore({ commands: connection.commands, isReady: () => connection.isReady, where: 'bench', ttlSeconds: 600, prefix, maxSessionsPerOwner });
const redisBefore = heapUsed();
const ids: string[] = [];
for (let batch = 0; batch < count; batch += 500) {
  const sessions = Array.from({ length: Math.min(500, count - batch) }, (_, offset) => typicalSession(ownerOf(batch + offset)));
  await Promise.all(sessions.map((session) => redis.create(session)));
  for (const session of sessions) ids.push(session.id);
}
const redisInProcess = (heapUsed() - redisBefore) / count;
const sample = ids.filter((_, index) => index % Math.max(1, Math.floor(count / 200)) === 0);
const usages = await Promise.all(sample.map((id) => connection.commands.sendCommand(['MEMORY', 'USAGE', `${prefix}s:${id}`, 'SAMPLES', '0'])));
const inRedis = usages.reduce<number>((sum, bytes) => sum + Number(bytes), 0) / usages.length;
// Every owner's index set, read whole: its cost spread over the sessions it indexes.
const owners = [...new Set(Array.from({ length: count }, (_, index) => ownerOf(index)))];
let ownerIndexBytes = 0;
let indexed = 0;
for (let batch = 0; batch < owners.length; batch += 500) {
  const keys = owners.slice(batch, batch + 500).map((owner) => `${prefix}o:${owner}`);
  const [bytes, sizes] = await Promise.all([
    Promise.all(keys.map((key) => connection.commands.sendCommand(['MEMORY', 'USAGE', key, 'SAMPLES', '0']))),
    Promise.all(keys.map((key) => connection.commands.sendCommand(['SCARD', key]))),
  ]);
  ownerIndexBytes += bytes.reduce<number>((sum, value) => sum + Number(value ?? 0), 0);
  indexed += sizes.reduce<number>((sum, value) => sum + Number(value), 0);
}
// An index that holds fewer sessions than were created is not the index a gateway keeps: the figure would flatter it.
if (indexed !== count) throw new Error(`the owner index sets hold ${indexed} sessions, not the ${count} created: the Redis store did not index them`);
const ownerIndexInRedis = ownerIndexBytes / count;
for (let batch = 0; batch < ids.length; batch += 1000) await connection.commands.sendCommand(['DEL', ...ids.slice(batch, batch + 1000).map((id) => `${prefix}s:${id}`)]);
for (let batch = 0; batch < owners.length; batch += 1000) await connection.commands.sendCommand(['DEL', ...owners.slice(batch, batch + 1000).map((owner) => `${prefix}o:${owner}`)]);
redis.close();
await connection.close();

const format = (bytes: number) => `${Math.round(bytes)} B (${(bytes / 1024).toFixed(2)} KiB)`;
process.stdout.write(
  `idle sessions: ${count}, ${sessionsPerOwner} per owner, owner cap ${maxSessionsPerOwner} (owner index kept)\n` +
  `memory store, heap per session (index incl.): ${format(inProcess)}   goal < 2 KiB\n` +
  `redis store, session key per session:         ${format(inRedis)}\n` +
  `redis store, owner index per session:         ${format(ownerIndexInRedis)}\n` +
  `redis store, total in Redis per session:      ${format(inRedis + ownerIndexInRedis)}   goal < 4 KiB\n` +
  `redis store, heap per session served here:    ${format(redisInProcess)}\n`,
);
