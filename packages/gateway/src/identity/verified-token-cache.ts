// Callers already verified, keyed by a SHA-256 of their token, so the hot path
// hashes and looks up instead of checking a signature (or calling the
// introspection endpoint) on every message. Bounded, least recently used
// first out; an entry never outlives its token. The token itself is not kept
// as a key.

import { hash } from 'node:crypto';
import type { Caller } from './caller.ts';

export interface VerifiedTokenCacheOptions {
  /** Default 10 000 entries. */
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  caller: Caller;
  expiresAt: number;
  /** The cache's clock when the entry was last put at the end of the order. */
  movedAt: number;
}

export class VerifiedTokenCache {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #now: () => number;
  /** Counts puts at the end of the Map's order (inserts and moves). */
  #clock = 0;

  constructor(options: VerifiedTokenCacheOptions = {}) {
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  static keyOf(token: string): string {
    // The one-shot hash skips the Hash object createHash allocates: about a third of a hit's cost.
    return hash('sha256', token, 'base64url');
  }

  get(key: string): Caller | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    // Map order is insertion order: moving a hit to the end makes the first key the least recently used.
    // Only a hit that has fallen into the older half is moved, so that a token
    // in use is not deleted and set again on each of its messages: that churn
    // costs V8 a new table every few calls (collections/slot-set.ts). An entry
    // used since half the cache last turned over is still never evicted first.
    if (this.#clock - entry.movedAt > this.#maxEntries >> 1) {
      this.#entries.delete(key);
      this.#entries.set(key, entry);
      entry.movedAt = ++this.#clock;
    }
    return entry.caller;
  }

  /** Keeps `caller` until `expiresAt` (epoch ms), which callers bound by the token's own expiry. */
  set(key: string, caller: Caller, expiresAt: number): void {
    if (expiresAt <= this.#now()) return;
    this.#entries.delete(key);
    this.#entries.set(key, { caller, expiresAt, movedAt: ++this.#clock });
    if (this.#entries.size > this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
  }

  clear(): void {
    this.#entries.clear();
  }
}
