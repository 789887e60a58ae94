// The Redis SessionStore against a real Redis: what one replica creates
// another reads, each read refreshes the TTL, the per-owner cap holds across
// replicas, an idle session costs well under 4 KiB in Redis, and a store
// whose Redis is down fails closed and recovers by itself.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { openRedisConnection, type RedisConnection } from '../../src/cluster/redis-connection.ts';
import { createRedisSessionStore } from '../../src/session/redis-store.ts';
import type { SessionStore } from '../../src/session/store.ts';
import type { LegacySession } from '../../src/session/session.ts';
import { isSessionStoreUnavailable } from '../../src/session/session-errors.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { PrivateRedis, SHARED_REDIS_URL, redisSkipReason, uniquePrefix } from '../fixtures/redis.ts';

const skip = await redisSkipReason();

function newSession(owner?: string): LegacySession {
  const now = Date.now();
  return {
    id: randomUUID(),
    protocolVersion: '2025-11-25',
    clientInfo: { name: 'claude-code', version: '2.1.0' },
    clientCapabilities: { sampling: {}, elicitation: { form: {} }, roots: { listChanged: true } },
    endpointBackend: undefined,
    isInitialized: false,
    ...(owner === undefined ? {} : { owner }),
    createdAt: now,
    lastSeenAt: now,
  };
}

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('the Redis session store', { skip }, () => {
  const connections: RedisConnection[] = [];
  const prefix = uniquePrefix('sessions');
  const replica = (options: { ttlSeconds?: number; maxSessionsPerOwner?: number } = {}): SessionStore => {
    const connection = openRedisConnection(SHARED_REDIS_URL, silentLogger);
    connections.push(connection);
    return createRedisSessionStore({ commands: connection.commands, isReady: () => connection.isReady, where: 'test redis', ttlSeconds: options.ttlSeconds ?? 60, prefix, ...options });
  };
  let a: SessionStore;
  let b: SessionStore;
  let raw: RedisConnection;

  before(async () => {
    a = replica({ maxSessionsPerOwner: 2 });
    b = replica({ maxSessionsPerOwner: 2 });
    raw = openRedisConnection(SHARED_REDIS_URL, silentLogger);
    connections.push(raw);
    await waitFor(() => a.isAvailable && b.isAvailable && raw.isReady);
  });
  after(async () => {
    const keys = (await raw.commands.sendCommand(['KEYS', `${prefix}*`])) as string[];
    if (keys.length > 0) await raw.commands.sendCommand(['DEL', ...keys]);
    await Promise.all(connections.map((connection) => connection.close()));
  });

  it('serves a session created on one replica from another, with every negotiated field', async () => {
    const session = { ...newSession('owner-1'), endpointBackend: 'crm', logLevel: 'warning', subject: 'user:alice', agent: 'support' };
    await a.create(session);
    const loaded = await b.load(session.id, Date.now());
    assert.deepEqual({ ...loaded, lastSeenAt: 0 }, { ...session, lastSeenAt: 0 });
  });

  it('refreshes the idle TTL on each read and writes a change back', async () => {
    const session = newSession();
    await a.create(session);
    await raw.commands.sendCommand(['EXPIRE', `${prefix}s:${session.id}`, '5']);
    const loaded = (await b.load(session.id, Date.now()))!;
    assert.ok(Number(await raw.commands.sendCommand(['TTL', `${prefix}s:${session.id}`])) > 50, 'the read pushed the expiry back to the full TTL');
    loaded.isInitialized = true;
    await b.save(loaded);
    assert.equal((await a.load(session.id, Date.now()))?.isInitialized, true);
  });

  it('forgets a session that sat idle past its TTL', async () => {
    const short = replica({ ttlSeconds: 1 });
    await waitFor(() => short.isAvailable);
    const session = newSession();
    await short.create(session);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    assert.equal(await short.load(session.id, Date.now()), undefined);
  });

  it('ends a session explicitly for every replica', async () => {
    const session = newSession();
    await a.create(session);
    assert.equal(await b.delete(session.id), true);
    assert.equal(await a.load(session.id, Date.now()), undefined);
  });

  it('caps the sessions of one owner across replicas, and frees a slot when one ends', async () => {
    const owner = `owner-${randomUUID()}`;
    const first = newSession(owner);
    await a.create(first);
    await b.create(newSession(owner));
    await assert.rejects(Promise.resolve(a.create(newSession(owner))), (error: Error & { httpStatus?: number }) => error.httpStatus === 429 && /max_concurrent_sessions_per_user/.test(error.message));
    await a.create(newSession(`other-${owner}`));
    await b.delete(first.id);
    await a.create(newSession(owner));
  });

  it('lists every live session a page at a time with SCAN, across replicas, with when each was last used', async () => {
    const created = [newSession(), newSession(), newSession()];
    await a.create(created[0]!);
    await b.create(created[1]!);
    await a.create(created[2]!);
    await raw.commands.sendCommand(['PEXPIRE', `${prefix}s:${created[2]!.id}`, '50000']);
    const seen = new Map<string, LegacySession>();
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await b.list({ limit: 2, cursor }, Date.now());
      for (const session of page.sessions) seen.set(session.id, session);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== undefined && pages < 100);
    for (const session of created) assert.equal(seen.get(session.id)?.protocolVersion, '2025-11-25', `${session.id} listed`);
    const idle = Date.now() - seen.get(created[2]!.id)!.lastSeenAt;
    assert.ok(idle >= 9_000 && idle < 20_000, `last used about 10 s ago by its TTL, not ${idle} ms`);
    await a.delete(created[0]!.id);
    assert.ok(!(await allListed(b)).includes(created[0]!.id), 'an ended session is not listed');
  });

  async function allListed(store: SessionStore): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.list({ limit: 500, cursor }, Date.now());
      ids.push(...page.sessions.map((session) => session.id));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    return ids;
  }

  it('keeps an idle session under 4 KiB in Redis', async () => {
    const session = newSession('owner-memory');
    await a.create(session);
    const bytes = Number(await raw.commands.sendCommand(['MEMORY', 'USAGE', `${prefix}s:${session.id}`, 'SAMPLES', '0']));
    assert.ok(bytes > 0 && bytes < 4096, `MEMORY USAGE is ${bytes} bytes`);
  });
});

describe('the Redis session store while Redis is down', { skip }, () => {
  let redis: PrivateRedis;
  let connection: RedisConnection;
  let store: SessionStore;

  before(async () => {
    redis = await PrivateRedis.start();
    connection = openRedisConnection(redis.url, silentLogger);
    store = createRedisSessionStore({ commands: connection.commands, isReady: () => connection.isReady, where: `Redis at 127.0.0.1:${redis.port}`, ttlSeconds: 60, prefix: 'outage:' });
    await waitFor(() => store.isAvailable);
  });
  after(async () => {
    await connection?.close();
    await redis?.kill();
  });

  it('fails closed with an error naming the store, then recovers by itself when Redis returns', async () => {
    const kept = newSession();
    await store.create(kept);
    await redis.kill();
    await waitFor(() => !store.isAvailable);
    await assert.rejects(Promise.resolve(store.create(newSession())), (error: Error & { httpStatus?: number }) => {
      assert.ok(isSessionStoreUnavailable(error));
      assert.equal(error.httpStatus, 503);
      assert.match(error.message, new RegExp(`Session store unavailable.*127\\.0\\.0\\.1:${redis.port}`));
      return true;
    });
    await assert.rejects(Promise.resolve(store.load(kept.id, Date.now())), (error: Error) => isSessionStoreUnavailable(error));
    await redis.restart();
    await waitFor(() => store.isAvailable);
    await store.create(newSession());
  });
});
