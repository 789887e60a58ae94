// The in-process SessionStore: a Map with idle expiry. Expired sessions are
// dropped lazily on read and by a periodic sweep, so an abandoned session
// never pins memory and a read after the TTL answers "unknown" (404).

import type { LegacySession } from './session.ts';
import type { SessionStore } from './store.ts';

export interface MemorySessionStoreOptions {
  ttlMs: number;
  sweepIntervalMs?: number;
  now?: () => number;
  /** Called for each session dropped because it sat idle past the TTL. */
  onExpire?: (sessionId: string) => void;
}

export function createMemorySessionStore(options: MemorySessionStoreOptions): SessionStore & { readonly size: number } {
  const sessions = new Map<string, LegacySession>();
  const now = options.now ?? Date.now;
  const isExpired = (session: LegacySession, at: number) => at - session.lastSeenAt > options.ttlMs;

  const sweep = setInterval(() => {
    const at = now();
    for (const [id, session] of sessions) {
      if (!isExpired(session, at)) continue;
      sessions.delete(id);
      options.onExpire?.(id);
    }
  }, options.sweepIntervalMs ?? Math.min(60_000, Math.max(1_000, options.ttlMs)));
  sweep.unref();

  return {
    get size() {
      return sessions.size;
    },
    get(id) {
      const session = sessions.get(id);
      if (session === undefined) return undefined;
      if (isExpired(session, now())) {
        sessions.delete(id);
        options.onExpire?.(id);
        return undefined;
      }
      return session;
    },
    save(session) {
      sessions.set(session.id, session);
    },
    touch(id, at) {
      const session = sessions.get(id);
      if (session !== undefined) session.lastSeenAt = at;
    },
    delete(id) {
      return sessions.delete(id);
    },
    close() {
      clearInterval(sweep);
      sessions.clear();
    },
  };
}
