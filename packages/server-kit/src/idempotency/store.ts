// The seam for idempotency keys: a retried call with the same key gets the
// first call's result instead of acting twice (docs/server-kit.md). A key is claimed before the tool acts and
// completed with its result; a failed call releases the key so that a retry
// may act. Implementations: memory-store.ts, redis-store.ts, postgres-store.ts.

import type { CallToolResult } from '@modelcontextprotocol/server';

/** What a claim found. `fingerprint` is the hash of the arguments the key was first used with. */
export type IdempotencyClaim =
  | { state: 'claimed' }
  | { state: 'pending'; fingerprint: string }
  | { state: 'completed'; fingerprint: string; result: CallToolResult };

export interface IdempotencyStore {
  /** Claims `key` for a call with `fingerprint`, unless a call already holds or completed it. Atomic. */
  claim(key: string, fingerprint: string, ttlMs: number): Promise<IdempotencyClaim>;
  /** Stores the result of the call that claimed `key`. */
  complete(key: string, fingerprint: string, result: CallToolResult, ttlMs: number): Promise<void>;
  /** Gives `key` up after the claiming call failed, so a retry may act. */
  release(key: string): Promise<void>;
  /**
   * What `key` holds, without claiming it: for a dry run that tells the agent
   * its real call would be a replay. Undefined when the key is free.
   */
  peek?(key: string): Promise<Exclude<IdempotencyClaim, { state: 'claimed' }> | undefined>;
  close?(): Promise<void>;
}

/** How long a key is remembered unless the tool says otherwise: a day, the usual retry horizon of agents. */
export const DEFAULT_IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
