// Where sessions live. In memory by default; the scale-out issue adds a Redis
// store behind the same interface so any replica serves any session.

import type { LegacySession } from './session.ts';

export interface SessionStore {
  get(id: string): Promise<LegacySession | undefined> | LegacySession | undefined;
  save(session: LegacySession): Promise<void> | void;
  /** Marks the session as used now, pushing its expiry out by the idle TTL. */
  touch(id: string, now: number): Promise<void> | void;
  delete(id: string): Promise<boolean> | boolean;
  close(): Promise<void> | void;
}
