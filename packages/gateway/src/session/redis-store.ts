// The SessionStore in Redis, shared by every replica: any replica serves any
// message of any session. One key per session holds its state as compact
// JSON with the idle TTL; a message costs one round trip (GETEX refreshes
// the TTL as it reads) and writes happen only when the state changed
// (initialized, log level). Per-owner sets enforce
// `max_concurrent_sessions_per_user` across replicas, atomically in a script.
// No state here is per replica: upstream sessions belong to each replica's
// own backend connections (docs/scale-out.md).

import { createHash } from 'node:crypto';
import type { RedisCommands } from '../cluster/redis-connection.ts';
import type { LegacySession } from './session.ts';
import { MAX_SESSION_PAGE, type SessionPage, type SessionStore } from './store.ts';
import { sessionLimitReached, sessionStoreUnavailable } from './session-errors.ts';

export interface RedisSessionStoreOptions {
  commands: RedisCommands;
  /** Whether the connection is up now (readiness; fail fast when it is not). */
  isReady: () => boolean;
  /** Host and database for error messages (never the password). */
  where: string;
  ttlSeconds: number;
  maxSessionsPerOwner?: number;
  /** Key prefix, so tests and several gateways share one Redis without colliding. */
  prefix?: string;
  /** Sessions this replica served that expired: release what the replica holds for them. */
  onExpire?: (sessionId: string) => void;
  sweepIntervalMs?: number;
}

/** The stored form: short keys, absent fields left out (memory per idle session is a goal: < 4 KiB). */
interface StoredSession {
  v: string;
  ci?: Record<string, unknown>;
  cc: Record<string, unknown>;
  e?: string;
  i?: 1;
  o?: string;
  s?: string;
  a?: string;
  l?: string;
  c: number;
}

function encodeSession(session: LegacySession): string {
  const stored: StoredSession = { v: session.protocolVersion, cc: session.clientCapabilities, c: session.createdAt };
  if (session.clientInfo !== undefined) stored.ci = session.clientInfo;
  if (session.endpointBackend !== undefined) stored.e = session.endpointBackend;
  if (session.isInitialized) stored.i = 1;
  if (session.owner !== undefined) stored.o = session.owner;
  if (session.subject !== undefined) stored.s = session.subject;
  if (session.agent !== undefined) stored.a = session.agent;
  if (session.logLevel !== undefined) stored.l = session.logLevel;
  return JSON.stringify(stored);
}

function decodeSession(id: string, text: string, lastSeenAt: number): LegacySession {
  const stored = JSON.parse(text) as StoredSession;
  const session: LegacySession = {
    id,
    protocolVersion: stored.v,
    clientInfo: stored.ci,
    clientCapabilities: stored.cc ?? {},
    endpointBackend: stored.e,
    isInitialized: stored.i === 1,
    createdAt: stored.c,
    lastSeenAt,
  };
  if (stored.o !== undefined) session.owner = stored.o;
  if (stored.s !== undefined) session.subject = stored.s;
  if (stored.a !== undefined) session.agent = stored.a;
  if (stored.l !== undefined) session.logLevel = stored.l;
  return session;
}

/** Prunes the owner's set of sessions that expired, refuses past the limit, then stores the session. */
const CREATE = `
if #KEYS == 2 then
  local live = 0
  for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
    if redis.call('EXISTS', ARGV[4] .. id) == 1 then live = live + 1 else redis.call('SREM', KEYS[2], id) end
  end
  if live >= tonumber(ARGV[3]) then return 0 end
  redis.call('SADD', KEYS[2], ARGV[5])
  redis.call('EXPIRE', KEYS[2], ARGV[2])
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1`;
const CREATE_SHA = createHash('sha1').update(CREATE).digest('hex');

export function createRedisSessionStore(options: RedisSessionStoreOptions): SessionStore {
  const prefix = options.prefix ?? 'gatehouse:';
  const sessionKey = (id: string) => `${prefix}s:${id}`;
  const ownerKey = (owner: string) => `${prefix}o:${owner}`;
  const ttl = String(options.ttlSeconds);
  const commands = options.commands;
  const unavailable = (cause?: unknown) => sessionStoreUnavailable(options.where, cause);

  // Sessions this replica served, by when it last saw them: when one has been idle past the TTL
  // here, the sweep asks Redis whether it still exists (another replica may have kept it alive).
  const seenHere = new Map<string, number>();
  const sweep = setInterval(() => void expireIdle().catch(() => undefined), options.sweepIntervalMs ?? Math.min(60_000, Math.max(1_000, options.ttlSeconds * 1000))).unref();
  async function expireIdle(): Promise<void> {
    if (!options.isReady()) return;
    const cutoff = Date.now() - options.ttlSeconds * 1000;
    const idle = [...seenHere].filter(([, at]) => at < cutoff).map(([id]) => id);
    const exists = await Promise.all(idle.map((id) => commands.sendCommand(['EXISTS', sessionKey(id)])));
    idle.forEach((id, index) => {
      if (Number(exists[index]) === 1) return void seenHere.set(id, Date.now());
      seenHere.delete(id);
      options.onExpire?.(id);
    });
  }

  async function run<T>(work: () => Promise<T>): Promise<T> {
    if (!options.isReady()) throw unavailable();
    try {
      return await work();
    } catch (error) {
      throw unavailable(error);
    }
  }

  return {
    kind: 'redis',
    get isAvailable() {
      return options.isReady();
    },
    async load(id, now, owner) {
      const text = await run(() => {
        const read = commands.sendCommand(['GETEX', sessionKey(id), 'EX', ttl]);
        // Issued in the same tick, so node-redis pipelines it with the read: still one round trip.
        if (owner !== undefined) commands.sendCommand(['EXPIRE', ownerKey(owner), ttl]).catch(() => undefined);
        return read;
      });
      if (typeof text !== 'string') {
        if (seenHere.delete(id)) options.onExpire?.(id);
        return undefined;
      }
      seenHere.set(id, now);
      return decodeSession(id, text, now);
    },
    async create(session) {
      const keys = session.owner === undefined || options.maxSessionsPerOwner === undefined ? [sessionKey(session.id)] : [sessionKey(session.id), ownerKey(session.owner)];
      const args = [encodeSession(session), ttl, String(options.maxSessionsPerOwner ?? 0), `${prefix}s:`, session.id];
      const stored = await run(async () => {
        try {
          return await commands.sendCommand(['EVALSHA', CREATE_SHA, String(keys.length), ...keys, ...args]);
        } catch (error) {
          if (!String((error as Error)?.message).includes('NOSCRIPT')) throw error;
          return commands.sendCommand(['EVAL', CREATE, String(keys.length), ...keys, ...args]);
        }
      });
      if (Number(stored) !== 1) throw sessionLimitReached(options.maxSessionsPerOwner ?? 0);
      seenHere.set(session.id, session.lastSeenAt);
    },
    async save(session) {
      await run(() => commands.sendCommand(['SET', sessionKey(session.id), encodeSession(session), 'EX', ttl]));
    },
    async list({ limit, cursor }, now): Promise<SessionPage> {
      const page = Math.max(1, Math.min(limit, MAX_SESSION_PAGE));
      // SCAN, never KEYS: it walks the keyspace a slice at a time without blocking Redis. A few rounds at most per page.
      let next = cursor ?? '0';
      const keys: string[] = [];
      for (let round = 0; round < 10 && keys.length < page; round++) {
        const [scanned, batch] = (await run(() => commands.sendCommand(['SCAN', next, 'MATCH', `${prefix}s:*`, 'COUNT', String(page)]))) as [string, string[]];
        keys.push(...batch);
        next = String(scanned);
        if (next === '0') break;
      }
      const sessions: LegacySession[] = [];
      if (keys.length > 0) {
        // One pipelined round trip: each session's state and the time left of its idle TTL (which gives when it was last used).
        // A key of another type under the prefix (nothing writes one) reads as no session rather than failing the page.
        const replies = await run(() => Promise.all(keys.flatMap((key) => [commands.sendCommand(['GET', key]).catch(() => null), commands.sendCommand(['PTTL', key])])));
        keys.forEach((key, index) => {
          const text = replies[index * 2];
          const left = Number(replies[index * 2 + 1]);
          if (typeof text !== 'string' || left < 0) return;
          const lastSeenAt = now - Math.max(0, options.ttlSeconds * 1000 - left);
          sessions.push(decodeSession(key.slice(`${prefix}s:`.length), text, lastSeenAt));
        });
      }
      return next === '0' ? { sessions } : { sessions, nextCursor: next };
    },
    async delete(id) {
      seenHere.delete(id);
      return Number(await run(() => commands.sendCommand(['DEL', sessionKey(id)]))) === 1;
    },
    close() {
      clearInterval(sweep);
      seenHere.clear();
    },
  };
}
