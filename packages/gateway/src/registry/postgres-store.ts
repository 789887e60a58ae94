// Registry entries in PostgreSQL (`pg`): the store replicas and concurrent
// admins share. Migrations are numbered and recorded in a table of versions,
// applied under an advisory lock; every write is a conditional UPDATE on the
// resourceVersion, so of two admins writing the same version one gets `conflict`.

import pg from 'pg';
import { describeCause, withoutPassword } from '../audit/errors.ts';
import type { RegistryEntry } from './entry.ts';
import { isRegistryError, RegistryError } from './errors.ts';
import { alreadyExistsError, conflictError, entryDocument, entryFromDocument, isResourceVersion, nextResourceVersion, notFoundError, snapshotDocument, snapshotFromDocument, type EntryFilter, type RegistryStore } from './store.ts';
import type { NewSnapshotRecord, SnapshotRecord } from './definition-snapshot.ts';

/** Applied in order, each once, in one transaction. Append; never edit a released one. `$s` is the quoted schema. */
const MIGRATIONS: readonly { version: number; statements: readonly string[] }[] = [
  {
    version: 1,
    statements: [
      `CREATE TABLE $s.registry_entries (
        name text PRIMARY KEY, tenant text NOT NULL, state text NOT NULL,
        resource_version bigint NOT NULL, document jsonb NOT NULL, updated_at timestamptz NOT NULL)`,
      'CREATE INDEX registry_entries_tenant ON $s.registry_entries (tenant, name)',
    ],
  },
  {
    // The schema snapshot of each approved version and of each change seen after it (definition-snapshot.ts).
    version: 2,
    statements: [
      `CREATE TABLE $s.registry_snapshots (
        backend text NOT NULL, sequence integer NOT NULL, kind text NOT NULL, digest text NOT NULL,
        taken_at timestamptz NOT NULL, document jsonb NOT NULL, PRIMARY KEY (backend, sequence))`,
    ],
  },
];

/** pg_advisory_xact_lock key ("regi"): gateways starting together migrate one at a time. */
const MIGRATION_LOCK = 0x7265_6769;
/** SQLSTATE 23505. */
const UNIQUE_VIOLATION = '23505';
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

type Row = Record<string, unknown>;

export interface PostgresRegistryOptions {
  url: string;
  /** Tables live in this schema (created if missing); `public` by default. */
  schema?: string;
  maxConnections?: number;
}

export class PostgresRegistryStore implements RegistryStore {
  readonly kind = 'postgres' as const;
  readonly location: string;
  readonly schema: string;
  readonly #pool: pg.Pool;
  readonly #table: string;
  readonly #snapshots: string;

  private constructor(options: PostgresRegistryOptions) {
    this.schema = options.schema ?? 'public';
    if (!SCHEMA_NAME.test(this.schema)) {
      throw new RegistryError('registry_store_invalid', `"${this.schema}" is not a usable PostgreSQL schema name for the registry: use lower-case letters, digits and _`);
    }
    this.#table = `"${this.schema}".registry_entries`;
    this.#snapshots = `"${this.schema}".registry_snapshots`;
    this.location = withoutPassword(options.url);
    this.#pool = new pg.Pool({ connectionString: options.url, max: options.maxConnections ?? 4 });
    // An idle client's error (the server restarted) must not crash the gateway; the next query reports it.
    this.#pool.on('error', () => {});
  }

  /** Connects and brings the schema up to date. */
  static async open(options: PostgresRegistryOptions): Promise<PostgresRegistryStore> {
    const store = new PostgresRegistryStore(options);
    try {
      await store.#migrate();
    } catch (error) {
      await store.#pool.end().catch(() => {});
      throw store.#wrap(error);
    }
    return store;
  }

  async #migrate(): Promise<void> {
    const s = `"${this.schema}"`;
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${s}.registry_schema_versions (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
      const applied = new Set((await client.query(`SELECT version FROM ${s}.registry_schema_versions`)).rows.map((row: Row) => Number(row.version)));
      const newest = Math.max(0, ...applied);
      const known = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
      if (newest > known) {
        throw new RegistryError('registry_store_invalid', `${this.location} schema ${this.schema} has registry schema version ${newest}; this gatehouse knows up to ${known}: upgrade gatehouse`);
      }
      for (const migration of MIGRATIONS) {
        if (applied.has(migration.version)) continue;
        for (const statement of migration.statements) await client.query(statement.replaceAll('$s', s));
        await client.query(`INSERT INTO ${s}.registry_schema_versions (version) VALUES ($1)`, [migration.version]);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async create(entry: RegistryEntry): Promise<RegistryEntry> {
    const stored = { ...entry, metadata: { ...entry.metadata, resourceVersion: '1' } };
    try {
      await this.#pool.query(
        `INSERT INTO ${this.#table} (name, tenant, state, resource_version, document, updated_at) VALUES ($1, $2, $3, 1, $4, $5)`,
        [entry.spec.name, entry.spec.tenant, entry.status.state, entryDocument(stored), entry.metadata.updatedAt],
      );
    } catch (error) {
      if ((error as { code?: unknown }).code === UNIQUE_VIOLATION) throw alreadyExistsError(entry.spec.name);
      throw this.#wrap(error);
    }
    return stored;
  }

  async get(name: string): Promise<RegistryEntry | undefined> {
    const result = await this.#query(`SELECT document::text AS document, resource_version FROM ${this.#table} WHERE name = $1`, [name]);
    const row = result.rows[0];
    return row === undefined ? undefined : entryFromDocument(String(row.document), row.resource_version);
  }

  async list(filter: EntryFilter = {}): Promise<RegistryEntry[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    if (filter.tenant !== undefined) {
      values.push(filter.tenant);
      where.push(`tenant = $${values.length}`);
    }
    if (filter.states !== undefined) {
      values.push([...filter.states]);
      where.push(`state = ANY($${values.length}::text[])`);
    }
    const result = await this.#query(`SELECT document::text AS document, resource_version FROM ${this.#table}${where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`} ORDER BY name`, values);
    return result.rows.map((row) => entryFromDocument(String(row.document), row.resource_version));
  }

  /**
   * One statement: under READ COMMITTED a second UPDATE of the same row waits
   * for the first to commit and then re-checks its WHERE against the new row,
   * so of two writers holding the same version exactly one matches.
   */
  async replace(entry: RegistryEntry, expectedVersion: string): Promise<RegistryEntry> {
    const name = entry.spec.name;
    if (!isResourceVersion(expectedVersion)) throw conflictError(name, expectedVersion, (await this.get(name))?.metadata.resourceVersion);
    const version = nextResourceVersion(expectedVersion);
    const stored = { ...entry, metadata: { ...entry.metadata, resourceVersion: version } };
    const result = await this.#query(
      `UPDATE ${this.#table} SET tenant = $1, state = $2, resource_version = $3, document = $4, updated_at = $5 WHERE name = $6 AND resource_version = $7`,
      [entry.spec.tenant, entry.status.state, version, entryDocument(stored), entry.metadata.updatedAt, name, expectedVersion],
    );
    if (result.rowCount === 1) return stored;
    const current = await this.get(name);
    if (current === undefined) throw notFoundError(name);
    throw conflictError(name, expectedVersion, current.metadata.resourceVersion);
  }

  /**
   * The next number is picked inside the INSERT; two replicas recording the
   * same backend at once collide on the primary key (SQLSTATE 23505), and the
   * loser retries with the number after the winner's.
   */
  async addSnapshot(record: NewSnapshotRecord): Promise<SnapshotRecord> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        const result = await this.#pool.query<Row>(
          `INSERT INTO ${this.#snapshots} (backend, sequence, kind, digest, taken_at, document)
           SELECT $1, COALESCE(MAX(sequence), 0) + 1, $2, $3, $4, $5 FROM ${this.#snapshots} WHERE backend = $1 RETURNING sequence`,
          [record.backend, record.kind, record.digest, record.takenAt, snapshotDocument(record)],
        );
        return { ...record, sequence: Number(result.rows[0]!.sequence) };
      } catch (error) {
        if ((error as { code?: unknown }).code === UNIQUE_VIOLATION && attempt < 5) continue;
        throw this.#wrap(error);
      }
    }
  }

  async listSnapshots(backend: string): Promise<SnapshotRecord[]> {
    const result = await this.#query(`SELECT backend, sequence, document::text AS document FROM ${this.#snapshots} WHERE backend = $1 ORDER BY sequence`, [backend]);
    return result.rows.map((row) => snapshotFromDocument(String(row.document), row.backend, row.sequence));
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  async #query(sql: string, values: unknown[]): Promise<pg.QueryResult<Row>> {
    try {
      return await this.#pool.query<Row>(sql, values);
    } catch (error) {
      throw this.#wrap(error);
    }
  }

  #wrap(error: unknown): RegistryError {
    if (isRegistryError(error)) return error;
    return new RegistryError('registry_unavailable', `the registry database ${this.location} (schema ${this.schema}) failed: ${describeCause(error)}`, { cause: error, isTransient: true });
  }
}

