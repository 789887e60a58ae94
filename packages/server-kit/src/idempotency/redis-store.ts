// Idempotency keys in Redis, shared by every replica: a claim is one
// `SET NX PX` (atomic), so two replicas never both act for one key.

import type { CallToolResult } from '@modelcontextprotocol/server';
import type { RedisClientType } from 'redis';

import type { IdempotencyClaim, IdempotencyStore } from './store.ts';

interface StoredEntry {
  fingerprint: string;
  result?: CallToolResult;
}

export interface RedisIdempotencyStoreOptions {
  /** A connected node-redis client; the store does not close it. */
  client: Pick<RedisClientType, 'set' | 'get' | 'del'>;
  /** Prefix for every key, e.g. "orders-server:idem:". */
  keyPrefix?: string;
}

export class RedisIdempotencyStore implements IdempotencyStore {
  readonly #client: RedisIdempotencyStoreOptions['client'];
  readonly #prefix: string;

  constructor(options: RedisIdempotencyStoreOptions) {
    this.#client = options.client;
    this.#prefix = options.keyPrefix ?? 'gatehouse-kit:idempotency:';
  }

  async claim(key: string, fingerprint: string, ttlMs: number): Promise<IdempotencyClaim> {
    const redisKey = this.#prefix + key;
    const placed = await this.#client.set(redisKey, JSON.stringify({ fingerprint } satisfies StoredEntry), { NX: true, PX: ttlMs });
    if (placed === 'OK') return { state: 'claimed' };
    const raw = await this.#client.get(redisKey);
    // The holder released or the key expired between SET and GET: claim again.
    if (raw === null) return this.claim(key, fingerprint, ttlMs);
    const entry = JSON.parse(String(raw)) as StoredEntry;
    return entry.result === undefined
      ? { state: 'pending', fingerprint: entry.fingerprint }
      : { state: 'completed', fingerprint: entry.fingerprint, result: entry.result };
  }

  async peek(key: string): Promise<Exclude<IdempotencyClaim, { state: 'claimed' }> | undefined> {
    const raw = await this.#client.get(this.#prefix + key);
    if (raw === null) return undefined;
    const entry = JSON.parse(String(raw)) as StoredEntry;
    return entry.result === undefined
      ? { state: 'pending', fingerprint: entry.fingerprint }
      : { state: 'completed', fingerprint: entry.fingerprint, result: entry.result };
  }

  async complete(key: string, fingerprint: string, result: CallToolResult, ttlMs: number): Promise<void> {
    await this.#client.set(this.#prefix + key, JSON.stringify({ fingerprint, result } satisfies StoredEntry), { PX: ttlMs });
  }

  async release(key: string): Promise<void> {
    await this.#client.del(this.#prefix + key);
  }
}
