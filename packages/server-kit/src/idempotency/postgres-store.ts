// Idempotency keys in PostgreSQL, for servers whose data lives there: the
// claim is `INSERT ... ON CONFLICT DO NOTHING`, atomic across replicas, and
// an expired row is taken over in the same statement.

import type { CallToolResult } from '@modelcontextprotocol/server';
import type { Pool } from 'pg';

import type { IdempotencyClaim, IdempotencyStore } from './store.ts';

export interface PostgresIdempotencyStoreOptions {
  /** A pg Pool; the store does not end it. */
  pool: Pick<Pool, 'query'>;
  /** Schema-qualified table name; created by `ensureSchema()`. Defaults to "mcp_idempotency_keys". */
  table?: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

export class PostgresIdempotencyStore implements IdempotencyStore {
  readonly #pool: PostgresIdempotencyStoreOptions['pool'];
  readonly #table: string;

  constructor(options: PostgresIdempotencyStoreOptions) {
    const table = options.table ?? 'mcp_idempotency_keys';
    // The name is interpolated into SQL, so only plain identifiers pass.
    if (!IDENTIFIER.test(table)) throw new RangeError(`idempotency table name "${table}" is not a plain [schema.]identifier`);
    this.#pool = options.pool;
    this.#table = table;
  }

  async ensureSchema(): Promise<void> {
    await this.#pool.query(
      `CREATE TABLE IF NOT EXISTS ${this.#table} (
         key text PRIMARY KEY,
         fingerprint text NOT NULL,
         result jsonb,
         expires_at timestamptz NOT NULL)`,
    );
  }

  async claim(key: string, fingerprint: string, ttlMs: number): Promise<IdempotencyClaim> {
    const claimed = await this.#pool.query(
      `INSERT INTO ${this.#table} (key, fingerprint, result, expires_at)
       VALUES ($1, $2, NULL, now() + make_interval(secs => $3::double precision / 1000))
       ON CONFLICT (key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, result = NULL, expires_at = EXCLUDED.expires_at
         WHERE ${this.#table}.expires_at <= now()
       RETURNING key`,
      [key, fingerprint, ttlMs],
    );
    if (claimed.rowCount === 1) return { state: 'claimed' };
    const found = await this.#pool.query<{ fingerprint: string; result: CallToolResult | null }>(
      `SELECT fingerprint, result FROM ${this.#table} WHERE key = $1`,
      [key],
    );
    const row = found.rows[0];
    if (row === undefined) return this.claim(key, fingerprint, ttlMs);
    return row.result === null
      ? { state: 'pending', fingerprint: row.fingerprint }
      : { state: 'completed', fingerprint: row.fingerprint, result: row.result };
  }

  async peek(key: string): Promise<Exclude<IdempotencyClaim, { state: 'claimed' }> | undefined> {
    const found = await this.#pool.query<{ fingerprint: string; result: CallToolResult | null }>(
      `SELECT fingerprint, result FROM ${this.#table} WHERE key = $1 AND expires_at > now()`,
      [key],
    );
    const row = found.rows[0];
    if (row === undefined) return undefined;
    return row.result === null
      ? { state: 'pending', fingerprint: row.fingerprint }
      : { state: 'completed', fingerprint: row.fingerprint, result: row.result };
  }

  async complete(key: string, fingerprint: string, result: CallToolResult, ttlMs: number): Promise<void> {
    await this.#pool.query(
      `UPDATE ${this.#table} SET fingerprint = $2, result = $3::jsonb, expires_at = now() + make_interval(secs => $4::double precision / 1000) WHERE key = $1`,
      [key, fingerprint, JSON.stringify(result), ttlMs],
    );
  }

  async release(key: string): Promise<void> {
    await this.#pool.query(`DELETE FROM ${this.#table} WHERE key = $1`, [key]);
  }
}
