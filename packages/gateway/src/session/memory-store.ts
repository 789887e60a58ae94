// The in-process SessionStore: a Map with idle expiry. Expired sessions are
// dropped lazily on read and by a periodic sweep, so an abandoned session
// never pins memory and a read after the TTL answers "unknown" (404). Every
// method answers synchronously: the default path awaits nothing.

import type { LegacySession } from './session.ts';
import { MAX_SESSION_PAGE, type SessionPage, type SessionStore } from './store.ts';
import { sessionLimitReached } from './session-errors.ts';

export interface MemorySessionStoreOptions {
  ttlMs: number;
  /** Sessions one owner may hold at once (`max_concurrent_sessions_per_user`); unlimited when absent. */
  maxSessionsPerOwner?: number;
  sweepIntervalMs?: number;
  now?: () => number;
  /** Called for each session dropped because it sat idle past the TTL. */
  onExpire?: (sessionId: string) => void;
}

export function createMemorySessionStore(options: MemorySessionStoreOptions): SessionStore & { readonly size: number } {
  const sessions = new Map<string, LegacySession>();
  /** Session ids per owner, only for owned sessions (authentication on). */
  const byOwner = new Map<string, Set<string>>();
  const now = options.now ?? Date.now;
  const isExpired = (session: LegacySession, at: number) => at - session.lastSeenAt > options.ttlMs;
  const forget = (session: LegacySession) => {
    sessions.delete(session.id);
    if (session.owner === undefined) return;
    const owned = byOwner.get(session.owner);
    owned?.delete(session.id);
    if (owned?.size === 0) byOwner.delete(session.owner);
  };

  const sweep = setInterval(() => {
    const at = now();
    for (const session of sessions.values()) {
      if (!isExpired(session, at)) continue;
      forget(session);
      options.onExpire?.(session.id);
    }
  }, options.sweepIntervalMs ?? Math.min(60_000, Math.max(1_000, options.ttlMs)));
  sweep.unref();

  return {
    kind: 'memory',
    isAvailable: true,
    get size() {
      return sessions.size;
    },
    load(id, at) {
      const session = sessions.get(id);
      if (session === undefined) return undefined;
      if (isExpired(session, at)) {
        forget(session);
        options.onExpire?.(id);
        return undefined;
      }
      session.lastSeenAt = at;
      return session;
    },
    create(session) {
      if (session.owner !== undefined) {
        let owned = byOwner.get(session.owner);
        if (owned === undefined) byOwner.set(session.owner, (owned = new Set()));
        const limit = options.maxSessionsPerOwner;
        if (limit !== undefined && owned.size >= limit) {
          // Expired sessions the sweep has not reached yet do not count.
          const at = now();
          for (const id of owned) {
            const other = sessions.get(id);
            if (other === undefined || isExpired(other, at)) {
              owned.delete(id);
              if (other !== undefined) {
                sessions.delete(id);
                options.onExpire?.(id);
              }
            }
          }
          if (owned.size >= limit) throw sessionLimitReached(limit);
        }
        owned.add(session.id);
      }
      sessions.set(session.id, session);
    },
    save(session) {
      // The object is the stored one: nothing to write back.
      sessions.set(session.id, session);
    },
    list({ limit, cursor }, at): SessionPage {
      // Ordered by id, so a cursor (the last id of the page) stays valid while sessions come and go.
      const page = Math.max(1, Math.min(limit, MAX_SESSION_PAGE));
      const ids = [...sessions.keys()].filter((id) => cursor === undefined || id > cursor).sort();
      const found: LegacySession[] = [];
      for (const id of ids) {
        const session = sessions.get(id)!;
        if (isExpired(session, at)) continue;
        if (found.length === page) return { sessions: found, nextCursor: found.at(-1)!.id };
        found.push(session);
      }
      return { sessions: found };
    },
    delete(id) {
      const session = sessions.get(id);
      if (session === undefined) return false;
      forget(session);
      return true;
    },
    close() {
      clearInterval(sweep);
      sessions.clear();
      byOwner.clear();
    },
  };
}
