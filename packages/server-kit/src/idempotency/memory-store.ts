// Idempotency keys in process memory: for tests and single-replica servers.
// Entries expire lazily on access, and a sweep on each claim bounds growth.

import type { CallToolResult } from '@modelcontextprotocol/server';

import type { IdempotencyClaim, IdempotencyStore } from './store.ts';

interface Entry {
  fingerprint: string;
  result?: CallToolResult;
  expiresAt: number;
}

export class MemoryIdempotencyStore implements IdempotencyStore {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  async claim(key: string, fingerprint: string, ttlMs: number): Promise<IdempotencyClaim> {
    const now = this.#now();
    this.#sweep(now);
    const entry = this.#entries.get(key);
    if (entry !== undefined) {
      return entry.result === undefined
        ? { state: 'pending', fingerprint: entry.fingerprint }
        : { state: 'completed', fingerprint: entry.fingerprint, result: structuredClone(entry.result) };
    }
    this.#entries.set(key, { fingerprint, expiresAt: now + ttlMs });
    return { state: 'claimed' };
  }

  async peek(key: string): Promise<Exclude<IdempotencyClaim, { state: 'claimed' }> | undefined> {
    const entry = this.#entries.get(key);
    if (entry === undefined || entry.expiresAt <= this.#now()) return undefined;
    return entry.result === undefined
      ? { state: 'pending', fingerprint: entry.fingerprint }
      : { state: 'completed', fingerprint: entry.fingerprint, result: structuredClone(entry.result) };
  }

  async complete(key: string, fingerprint: string, result: CallToolResult, ttlMs: number): Promise<void> {
    this.#entries.set(key, { fingerprint, result: structuredClone(result), expiresAt: this.#now() + ttlMs });
  }

  async release(key: string): Promise<void> {
    this.#entries.delete(key);
  }

  #sweep(now: number): void {
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
  }
}
