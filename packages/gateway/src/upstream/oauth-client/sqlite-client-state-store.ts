// The backends' OAuth client state in a SQLite file (node:sqlite): the
// default store, so a consent given once with `gatehouse backend authorize`
// survives restarts. The file holds refresh tokens: it is created 0600.

import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { OAuthClientState, OAuthClientStateStore } from './client-state-store.ts';

export class SqliteOAuthClientStateStore implements OAuthClientStateStore {
  readonly #database: DatabaseSync;
  readonly #select: StatementSync;
  readonly #upsert: StatementSync;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.#database = new DatabaseSync(path);
    if (path !== ':memory:') chmodSync(path, 0o600);
    this.#database.exec(`
      PRAGMA journal_mode = WAL;
      CREATE TABLE IF NOT EXISTS backend_oauth_client (backend TEXT PRIMARY KEY, state TEXT NOT NULL, updated_at INTEGER NOT NULL);
    `);
    this.#select = this.#database.prepare('SELECT state FROM backend_oauth_client WHERE backend = ?');
    this.#upsert = this.#database.prepare('INSERT INTO backend_oauth_client (backend, state, updated_at) VALUES (?, ?, ?) ON CONFLICT (backend) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at');
  }

  async load(backend: string): Promise<OAuthClientState | undefined> {
    const row = this.#select.get(backend) as { state: string } | undefined;
    return row === undefined ? undefined : JSON.parse(row.state) as OAuthClientState;
  }

  async save(backend: string, state: OAuthClientState): Promise<void> {
    this.#upsert.run(backend, JSON.stringify(state), Date.now());
  }

  async close(): Promise<void> {
    if (this.#database.isOpen) this.#database.close();
  }
}
