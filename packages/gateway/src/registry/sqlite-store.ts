// Registry entries in SQLite (node:sqlite, WAL): the embedded default. Each
// entry is one row, its JSON document beside the columns filtered on and the
// resourceVersion compared by a conditional UPDATE, which SQLite runs
// atomically even with several processes on the same file.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describeCause } from '../audit/errors.ts';
import type { RegistryEntry } from './entry.ts';
import { isRegistryError, RegistryError } from './errors.ts';
import { alreadyExistsError, conflictError, entryDocument, entryFromDocument, isResourceVersion, nextResourceVersion, notFoundError, snapshotDocument, snapshotFromDocument, type EntryFilter, type RegistryStore } from './store.ts';
import type { NewSnapshotRecord, SnapshotRecord } from './definition-snapshot.ts';

/** Applied in order, each once, recorded in registry_schema_versions. Append; never edit a released one. */
const MIGRATIONS: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE registry_entries (
        name TEXT PRIMARY KEY, tenant TEXT NOT NULL, state TEXT NOT NULL,
        resource_version INTEGER NOT NULL, document TEXT NOT NULL, updated_at TEXT NOT NULL
      );
      CREATE INDEX registry_entries_tenant ON registry_entries (tenant, name);`,
  },
  {
    // The schema snapshot of each approved version and of each change seen after it (definition-snapshot.ts).
    version: 2,
    sql: `
      CREATE TABLE registry_snapshots (
        backend TEXT NOT NULL, sequence INTEGER NOT NULL, kind TEXT NOT NULL, digest TEXT NOT NULL,
        taken_at TEXT NOT NULL, document TEXT NOT NULL, PRIMARY KEY (backend, sequence)
      );`,
  },
];

type Row = Record<string, unknown>;

export class SqliteRegistryStore implements RegistryStore {
  readonly kind = 'sqlite' as const;
  readonly location: string;
  readonly #db: DatabaseSync;

  constructor(path: string) {
    this.location = path;
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      this.#db = new DatabaseSync(path, { timeout: 10_000 });
      this.#db.exec('PRAGMA journal_mode = WAL');
      this.#migrate();
    } catch (error) {
      if (isRegistryError(error)) throw error;
      throw new RegistryError('registry_unavailable', `cannot open the registry database ${path}: ${describeCause(error)}`, { cause: error, isTransient: true });
    }
  }

  #migrate(): void {
    this.#db.exec('CREATE TABLE IF NOT EXISTS registry_schema_versions (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    // IMMEDIATE takes the write lock first, so two processes opening a new file do not both migrate it.
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const applied = new Set(this.#db.prepare('SELECT version FROM registry_schema_versions').all().map((row) => Number(row.version)));
      const newest = Math.max(0, ...applied);
      const known = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
      if (newest > known) {
        throw new RegistryError('registry_store_invalid', `${this.location} has registry schema version ${newest}; this gatehouse knows up to ${known}: upgrade gatehouse`);
      }
      for (const migration of MIGRATIONS) {
        if (applied.has(migration.version)) continue;
        this.#db.exec(migration.sql);
        this.#db.prepare('INSERT INTO registry_schema_versions (version, applied_at) VALUES (?, ?)').run(migration.version, new Date().toISOString());
      }
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  async create(entry: RegistryEntry): Promise<RegistryEntry> {
    const stored = { ...entry, metadata: { ...entry.metadata, resourceVersion: '1' } };
    try {
      this.#db.prepare('INSERT INTO registry_entries (name, tenant, state, resource_version, document, updated_at) VALUES (?, ?, ?, 1, ?, ?)')
        .run(entry.spec.name, entry.spec.tenant, entry.status.state, entryDocument(stored), entry.metadata.updatedAt);
    } catch (error) {
      if (/UNIQUE constraint failed/.test(describeCause(error))) throw alreadyExistsError(entry.spec.name);
      throw this.#unavailable(error);
    }
    return stored;
  }

  async get(name: string): Promise<RegistryEntry | undefined> {
    const row = this.#run(() => this.#db.prepare('SELECT document, resource_version FROM registry_entries WHERE name = ?').get(name)) as Row | undefined;
    return row === undefined ? undefined : entryFromDocument(String(row.document), row.resource_version);
  }

  async list(filter: EntryFilter = {}): Promise<RegistryEntry[]> {
    const where: string[] = [];
    const values: string[] = [];
    if (filter.tenant !== undefined) {
      where.push('tenant = ?');
      values.push(filter.tenant);
    }
    if (filter.states !== undefined) {
      where.push(`state IN (${filter.states.map(() => '?').join(', ') || 'NULL'})`);
      values.push(...filter.states);
    }
    const sql = `SELECT document, resource_version FROM registry_entries${where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`} ORDER BY name`;
    const rows = this.#run(() => this.#db.prepare(sql).all(...values)) as Row[];
    return rows.map((row) => entryFromDocument(String(row.document), row.resource_version));
  }

  async replace(entry: RegistryEntry, expectedVersion: string): Promise<RegistryEntry> {
    const name = entry.spec.name;
    if (!isResourceVersion(expectedVersion)) throw conflictError(name, expectedVersion, (await this.get(name))?.metadata.resourceVersion);
    const version = nextResourceVersion(expectedVersion);
    const stored = { ...entry, metadata: { ...entry.metadata, resourceVersion: version } };
    const result = this.#run(() =>
      this.#db.prepare('UPDATE registry_entries SET tenant = ?, state = ?, resource_version = ?, document = ?, updated_at = ? WHERE name = ? AND resource_version = ?')
        .run(entry.spec.tenant, entry.status.state, Number(version), entryDocument(stored), entry.metadata.updatedAt, name, Number(expectedVersion)));
    if (Number(result.changes) === 1) return stored;
    const current = await this.get(name);
    if (current === undefined) throw notFoundError(name);
    throw conflictError(name, expectedVersion, current.metadata.resourceVersion);
  }

  async addSnapshot(record: NewSnapshotRecord): Promise<SnapshotRecord> {
    // One statement picks the next number and inserts it: atomic, as SQLite runs one writer at a time.
    const row = this.#run(() =>
      this.#db.prepare(`INSERT INTO registry_snapshots (backend, sequence, kind, digest, taken_at, document)
        SELECT ?, COALESCE(MAX(sequence), 0) + 1, ?, ?, ?, ? FROM registry_snapshots WHERE backend = ? RETURNING sequence`)
        .get(record.backend, record.kind, record.digest, record.takenAt, snapshotDocument(record), record.backend)) as Row;
    return { ...record, sequence: Number(row.sequence) };
  }

  async listSnapshots(backend: string): Promise<SnapshotRecord[]> {
    const rows = this.#run(() => this.#db.prepare('SELECT backend, sequence, document FROM registry_snapshots WHERE backend = ? ORDER BY sequence').all(backend)) as Row[];
    return rows.map((row) => snapshotFromDocument(String(row.document), row.backend, row.sequence));
  }

  async close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
  }

  #run<T>(operation: () => T): T {
    try {
      return operation();
    } catch (error) {
      throw this.#unavailable(error);
    }
  }

  #unavailable(error: unknown): RegistryError {
    return new RegistryError('registry_unavailable', `the registry database ${this.location} refused the operation: ${describeCause(error)}`, { cause: error, isTransient: true });
  }
}
