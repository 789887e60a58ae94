// Where 2025-era sessions live: in this process (memory-store.ts, the
// default) or in Redis (redis-store.ts) so any replica serves any message of
// any session. The memory store answers synchronously, so the default path
// pays for no promise; callers await only what is a promise.

import type { LegacySession } from './session.ts';

/** One page of the live sessions, for the admin API; `nextCursor` is opaque, absent on the last page. */
export interface SessionPage {
  sessions: LegacySession[];
  nextCursor?: string;
}

/** At most this many sessions a page (the admin API's `limit` is capped to it). */
export const MAX_SESSION_PAGE = 500;

export interface SessionStore {
  readonly kind: 'memory' | 'redis';
  /**
   * Reads the session and marks it used now, pushing its expiry out by the
   * idle TTL: one round trip per message for a shared store. `owner` is the
   * caller's `sessionOwnerOf` when authentication is on (keeps the owner's
   * count of sessions alive with them).
   */
  load(id: string, now: number, owner?: string): Promise<LegacySession | undefined> | LegacySession | undefined;
  /** Stores a new session; refuses one past `max_concurrent_sessions_per_user` (SessionLimitError). */
  create(session: LegacySession): Promise<void> | void;
  /** Writes a session whose state changed (initialized, log level). */
  save(session: LegacySession): Promise<void> | void;
  delete(id: string): Promise<boolean> | boolean;
  /**
   * A page of the live sessions, at most `limit` (capped at MAX_SESSION_PAGE),
   * in the store's own stable order, without marking them used. With Redis a
   * page may hold a few more or fewer than `limit` (SCAN's COUNT is a hint);
   * a session created or ended while paging may or may not appear.
   */
  list(options: { limit: number; cursor?: string | undefined }, now: number): Promise<SessionPage> | SessionPage;
  /** Whether the store can serve now; /readyz reports it. */
  readonly isAvailable: boolean;
  close(): Promise<void> | void;
}
