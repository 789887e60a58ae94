// The audit tables in PostgreSQL (`pg`): the production store. Reads for
// verify, query, export and retention, and the write transaction the sink
// commits each batch in (rows sent as one COPY FROM STDIN). Several replicas
// share the tables, each its own logs.

import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Checkpoint, SigningKey } from './checkpoint.ts';
import { AuditError, describeCause, withoutPassword } from './errors.ts';
import { GENESIS_HASH } from './hash-chain.ts';
import type { PreparedBatch } from './log-appender.ts';
import { MerkleFrontier } from './merkle.ts';
import { categoryPartitionName, dayOfPartition, dayPartitionName, dayPartitionStatements, quoteSchema, schemaStatements, SCHEMA_VERSION } from './postgres-schema.ts';
import { buildQuerySql, pageFromRows, type AuditQuery, type QueryPage } from './query.ts';
import { AUDIT_CATEGORIES, type AuditCategory } from './record.ts';
import { logIdFor, logStateFromRow, type AuditStore, type EntryLink, type LogState, type RetentionCut, type StoredEntry } from './sink.ts';

type Row = Record<string, unknown>;

/** SQLSTATE 23505. */
const UNIQUE_VIOLATION = '23505';

export interface PostgresStoreOptions {
  url: string;
  /** Tables live in this schema (created if missing); `public` by default. */
  schema?: string;
  /** Connections in the pool: the writer uses one at a time, readers the rest. */
  maxConnections?: number;
}

const CONNECT_TIMEOUT_MS = 5_000;
const QUERY_TIMEOUT_MS = 30_000;

/** A stable number for pg_advisory_xact_lock, so that replicas create a day's partitions one at a time. */
const PARTITION_LOCK = 0x6761_7465;

export class PostgresAuditStore implements AuditStore {
  readonly kind = 'postgres' as const;
  readonly location: string;
  readonly schema: string;
  readonly #pool: pg.Pool;
  readonly #s: string;
  readonly #knownDays = new Set<string>();

  private constructor(options: PostgresStoreOptions) {
    this.schema = options.schema ?? 'public';
    this.#s = quoteSchema(this.schema);
    this.location = withoutPassword(options.url);
    this.#pool = new pg.Pool({
      connectionString: options.url,
      max: options.maxConnections ?? 4,
      // A server that stops answering (a partition, not a refusal) must fail the batch in seconds, not hang the calls that wait for it.
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      query_timeout: QUERY_TIMEOUT_MS,
      keepAlive: true,
    });
    // A query over hundreds of day partitions passes jit_above_cost and is then compiled on every run
    // (2.4 s of JIT for a 1 s query over 10M records); its few, small results never repay that.
    // Before PostgreSQL 11 there is no jit setting and nothing to turn off, hence the ignored failure.
    this.#pool.on('connect', (client) => void client.query('SET jit = off').catch(() => {}));
    // An idle client's error (the server restarted) must not crash the gateway; the next query reports it.
    this.#pool.on('error', () => {});
  }

  /** Connects and creates the tables when `isReadOnly` is not set; otherwise checks that they exist. */
  static async open(options: PostgresStoreOptions & { isReadOnly?: boolean }): Promise<PostgresAuditStore> {
    const store = new PostgresAuditStore(options);
    try {
      if (options.isReadOnly !== true) {
        await store.#inTransaction(async (client) => {
          await client.query('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK]);
          for (const statement of schemaStatements(store.schema)) await client.query(statement);
        });
      }
      const version = await store.#pool.query(`SELECT value FROM ${store.#s}.audit_meta WHERE key = 'schema_version'`).catch((error: unknown) => {
        throw new AuditError('audit_store_invalid', `${store.location} has no audit tables in schema ${store.schema} (${describeCause(error)}); has a gateway written audit records there?`, { cause: error });
      });
      if (version.rows[0]?.value !== SCHEMA_VERSION) {
        throw new AuditError('audit_store_invalid', `${store.location} schema ${store.schema} has audit schema version ${String(version.rows[0]?.value)}; this gatehouse reads version ${SCHEMA_VERSION}`);
      }
    } catch (error) {
      await store.#pool.end().catch(() => {});
      if (error instanceof AuditError) throw error;
      throw new AuditError('audit_unavailable', `cannot reach the audit database ${store.location}: ${describeCause(error)}`, { cause: error, isTransient: true });
    }
    return store;
  }

  // --- write side (postgres-sink.ts)

  async openLogs(gatewayId: string): Promise<LogState[]> {
    const empty = new MerkleFrontier().toBytes();
    for (const category of AUDIT_CATEGORIES) {
      await this.#pool.query(
        `INSERT INTO ${this.#s}.audit_logs (log_id, gateway_id, category, size, last_hash, frontier, last_day, anchor_size, anchor_hash, anchor_frontier)
         VALUES ($1, $2, $3, 0, $4, $5, NULL, 0, $4, $5) ON CONFLICT (log_id) DO NOTHING`,
        [logIdFor(gatewayId, category), gatewayId, category, GENESIS_HASH, empty],
      );
    }
    return this.readLogsOf(gatewayId);
  }

  async readLogsOf(gatewayId: string): Promise<LogState[]> {
    const result = await this.#pool.query(`SELECT *, last_day::text AS last_day_text FROM ${this.#s}.audit_logs WHERE gateway_id = $1 ORDER BY log_id`, [gatewayId]);
    return result.rows.map((row) => logStateFromRow(row, row.last_day_text));
  }

  async storePublicKey(key: SigningKey): Promise<void> {
    await this.#pool.query(`INSERT INTO ${this.#s}.audit_keys (key_id, public_key) VALUES ($1, $2) ON CONFLICT (key_id) DO NOTHING`, [key.keyId, key.publicKeyPem]);
  }

  async lastCheckpoints(gatewayId: string): Promise<{ logId: string; treeSize: number; timestampMs: number }[]> {
    const result = await this.#pool.query(
      `SELECT DISTINCT ON (c.log_id) c.log_id, c.tree_size, c.timestamp_ms FROM ${this.#s}.audit_checkpoints c
       JOIN ${this.#s}.audit_logs l ON l.log_id = c.log_id WHERE l.gateway_id = $1 ORDER BY c.log_id, c.tree_size DESC`,
      [gatewayId],
    );
    return result.rows.map((row: Row) => ({ logId: String(row.log_id), treeSize: Number(row.tree_size), timestampMs: Number(row.timestamp_ms) }));
  }

  /** Creates the partitions of the batch's days that this process has not seen yet. */
  async ensureDays(days: Iterable<string>): Promise<void> {
    const missing = [...new Set(days)].filter((day) => !this.#knownDays.has(day));
    if (missing.length === 0) return;
    await this.#inTransaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK]);
      for (const day of missing) for (const statement of dayPartitionStatements(this.schema, day)) await client.query(statement);
    });
    for (const day of missing) this.#knownDays.add(day);
  }

  /**
   * One transaction: the entries, the checkpoints, then the heads, guarded by
   * their expected sizes. `beforeHeads` lets the sink hold the head update
   * until the batch before this one has settled, so that two batches' rows
   * travel at once but their heads move strictly in order; a unique violation
   * on a log position is the same conflict as a moved head.
   */
  async writeBatch(batch: PreparedBatch, beforeHeads?: () => Promise<void>): Promise<void> {
    try {
      await this.#inTransaction(async (client) => {
        if (batch.entries.length > 0) await pipeline(Readable.from([copyRows(batch)]), client.query(copyFrom(this.#copySql())));
        for (const checkpoint of batch.checkpoints) await this.#insertCheckpoint(client, checkpoint);
        await beforeHeads?.();
        for (const head of batch.heads) {
          const result = await client.query(
            `UPDATE ${this.#s}.audit_logs SET size = $2, last_hash = $3, frontier = $4, last_day = $5 WHERE log_id = $1 AND size = $6`,
            [head.logId, head.size, head.lastHash, head.frontier.toBytes(), head.lastDay, batch.expectedSizes.get(head.logId) ?? -1],
          );
          if (result.rowCount !== 1) {
            throw new AuditError('audit_log_conflict', `the audit log ${head.logId} grew under this writer; two gateways share the id "${head.gatewayId}" — give each replica its own gateway.id`);
          }
        }
      });
    } catch (error) {
      if ((error as { code?: unknown }).code === UNIQUE_VIOLATION) {
        throw new AuditError('audit_log_conflict', `a position in this replica's audit log was already taken; two gateways may share the id "${batch.heads[0]?.gatewayId}" — give each replica its own gateway.id`, { cause: error });
      }
      throw error;
    }
  }

  /**
   * The batch goes in as one COPY FROM STDIN inside the transaction: the
   * server parses COPY text far faster than the same rows as array or
   * multi-row VALUES parameters (measured in docs/audit.md), and COPY into the
   * partitioned parent routes each row to its day and category.
   */
  #copySql(): string {
    return `COPY ${this.#s}.audit_records (day, category, log_id, seq, prev_hash, hash, audit_id, ts, op_type, identity, agent, session_id, server, name, status, decision, targets, record) FROM STDIN`;
  }

  #insertCheckpoint(client: pg.PoolClient | pg.Pool, checkpoint: Checkpoint): Promise<unknown> {
    return client.query(
      `INSERT INTO ${this.#s}.audit_checkpoints (log_id, tree_size, root_hash, timestamp_ms, key_id, signature) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
      [checkpoint.logId, checkpoint.treeSize, checkpoint.rootHash, checkpoint.timestampMs, checkpoint.keyId, checkpoint.signature],
    );
  }

  /** Runs `work` in one transaction on one pooled connection: COMMIT if it resolves, ROLLBACK (and its error) if it throws. */
  async #inTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    // pg-pool listens for a client's 'error' only while it is idle; a connection that dies while checked out
    // ("Connection terminated unexpectedly", ECONNRESET, EPIPE during COPY) would emit it unheard and kill the
    // process. The failed query rejects with the same error, which fails the batch.
    let connectionError: Error | undefined;
    const onError = (error: Error) => {
      connectionError ??= error;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      // A connection that cannot even roll back is broken: it must not go back to the pool.
      if (connectionError === undefined) await client.query('ROLLBACK').catch((rollbackError: Error) => (connectionError ??= rollbackError));
      throw error;
    } finally {
      client.off('error', onError);
      // A broken connection is destroyed, not returned to the pool; the next batch connects afresh.
      client.release(connectionError);
    }
  }

  /**
   * Whether the store takes writes now: a transaction that is given a
   * transaction id, which a stopped server, a dropped connection or a
   * read-only standby (after a failover) all refuse.
   */
  async probe(): Promise<void> {
    await this.#inTransaction(async (client) => {
      await client.query('SELECT txid_current()');
    });
  }

  // --- read side

  async listLogs(): Promise<LogState[]> {
    const result = await this.#pool.query(`SELECT *, last_day::text AS last_day_text FROM ${this.#s}.audit_logs ORDER BY log_id`);
    return result.rows.map((row) => logStateFromRow(row, row.last_day_text));
  }

  async readEntries(logId: string, fromSeq: number, limit: number): Promise<StoredEntry[]> {
    const result = await this.#pool.query(
      `SELECT *, day::text AS day_text, (extract(epoch from ts) * 1000)::float8 AS ts_ms FROM ${this.#s}.audit_records WHERE log_id = $1 AND seq >= $2 ORDER BY seq LIMIT $3`,
      [logId, fromSeq, limit],
    );
    return result.rows.map(storedEntryFromRow);
  }

  async readLinks(logId: string, fromSeq: number, limit: number): Promise<EntryLink[]> {
    const result = await this.#pool.query(`SELECT seq, prev_hash, hash FROM ${this.#s}.audit_records WHERE log_id = $1 AND seq >= $2 ORDER BY seq LIMIT $3`, [logId, fromSeq, limit]);
    return result.rows.map((row: Row) => ({ seq: Number(row.seq), prevHash: row.prev_hash as Buffer, hash: row.hash as Buffer }));
  }

  async readCheckpoints(logId: string): Promise<Checkpoint[]> {
    const result = await this.#pool.query(`SELECT * FROM ${this.#s}.audit_checkpoints WHERE log_id = $1 ORDER BY tree_size`, [logId]);
    return result.rows.map((row: Row) => ({
      logId: String(row.log_id),
      treeSize: Number(row.tree_size),
      rootHash: row.root_hash as Buffer,
      timestampMs: Number(row.timestamp_ms),
      keyId: String(row.key_id),
      signature: row.signature as Buffer,
    }));
  }

  async readPublicKeys(): Promise<Map<string, string>> {
    const result = await this.#pool.query(`SELECT key_id, public_key FROM ${this.#s}.audit_keys`);
    return new Map(result.rows.map((row: Row) => [String(row.key_id), String(row.public_key)]));
  }

  async firstSeqOnOrAfterDay(logId: string, day: string): Promise<number | undefined> {
    const result = await this.#pool.query(`SELECT min(seq) AS seq FROM ${this.#s}.audit_records WHERE log_id = $1 AND day >= $2::date`, [logId, day]);
    const seq = result.rows[0]?.seq;
    return seq === null || seq === undefined ? undefined : Number(seq);
  }

  async query(query: AuditQuery, options: { limit: number; cursor?: string | undefined }): Promise<QueryPage> {
    const sql = buildQuerySql('postgres', query, { entries: `${this.#s}.audit_records` }, options.limit, options.cursor);
    const result = await this.#pool.query(sql.text, sql.values);
    return pageFromRows(result.rows as { log_id: string; seq: string; ts_ms: number; record: string }[], options.limit);
  }

  /**
   * One transaction: the new anchors and their checkpoints, then DROP of the
   * category's partitions of every day before `beforeDay` (and of a day's
   * partition once both categories are gone). DDL is transactional here, so a
   * failure leaves anchors and partitions as they were.
   */
  async applyRetention(category: AuditCategory, beforeDay: string, cuts: readonly RetentionCut[]): Promise<{ deletedRecords: number }> {
    await this.#inTransaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK]);
      for (const cut of cuts) {
        await client.query(
          `UPDATE ${this.#s}.audit_logs SET anchor_size = $2, anchor_hash = $3, anchor_frontier = $4 WHERE log_id = $1 AND anchor_size <= $2`,
          [cut.logId, cut.anchor.size, cut.anchor.lastHash, cut.anchor.frontier.toBytes()],
        );
        if (cut.checkpoint !== undefined) await this.#insertCheckpoint(client, cut.checkpoint);
      }
      const partitions = await client.query(
        `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
         JOIN pg_namespace n ON n.oid = p.relnamespace WHERE n.nspname = $1 AND p.relname = 'audit_records'`,
        [this.schema],
      );
      for (const row of partitions.rows as Row[]) {
        const day = dayOfPartition(String(row.relname));
        if (day === undefined || day >= beforeDay) continue;
        await client.query(`DROP TABLE IF EXISTS ${this.#s}.${categoryPartitionName(day, category)}`);
        const left = await client.query(`SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = '${this.#s}.${dayPartitionName(day)}'::regclass`);
        if (left.rows[0]?.n === 0) await client.query(`DROP TABLE ${this.#s}.${dayPartitionName(day)}`);
        this.#knownDays.delete(day);
      }
    });
    return { deletedRecords: cuts.reduce((sum, cut) => sum + cut.anchor.size - cut.previousSize, 0) };
  }

  async readExportOffset(exporter: string, logId: string): Promise<number> {
    const result = await this.#pool.query(`SELECT next_seq FROM ${this.#s}.audit_export_offsets WHERE exporter = $1 AND log_id = $2`, [exporter, logId]);
    return result.rows.length === 0 ? 0 : Number(result.rows[0].next_seq);
  }

  async writeExportOffset(exporter: string, logId: string, nextSeq: number): Promise<void> {
    await this.#pool.query(
      `INSERT INTO ${this.#s}.audit_export_offsets (exporter, log_id, next_seq, updated_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (exporter, log_id) DO UPDATE SET next_seq = excluded.next_seq, updated_at = excluded.updated_at`,
      [exporter, logId, nextSeq],
    );
  }

  /** Runs SQL against the store's schema: for tests that tamper with a store, and for benchmarks. */
  async execute(sql: string, values: unknown[] = []): Promise<Row[]> {
    const result = await this.#pool.query(sql.replaceAll('{schema}', this.#s), values);
    return result.rows as Row[];
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}

const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A value in COPY text format: \N for null, and backslash, tab, newline and return escaped (PostgreSQL COPY, "Text Format"). */
function copyField(value: string | null): string {
  if (value === null) return '\\N';
  return COPY_SPECIAL.test(value) ? value.replace(/[\\\t\n\r]/g, (character) => COPY_ESCAPES[character]!) : value;
}

/** A text[] literal: each element double-quoted with its quotes and backslashes escaped. */
function arrayLiteral(values: readonly string[]): string {
  return `{${values.map((value) => `"${value.replace(/["\\]/g, (character) => `\\${character}`)}"`).join(',')}}`;
}

/** The batch's rows in COPY text format; bytea as \x hex, whose backslash COPY needs doubled. */
function copyRows(batch: PreparedBatch): string {
  let text = '';
  for (const entry of batch.entries) {
    const c = entry.columns;
    text += `${entry.day}\t${entry.category}\t${copyField(entry.logId)}\t${entry.seq}\t\\\\x${entry.prevHash.toString('hex')}\t\\\\x${entry.hash.toString('hex')}\t`;
    text += `${copyField(c.auditId)}\t${new Date(c.timestampMs).toISOString()}\t${copyField(c.operationType)}\t${copyField(c.identity)}\t${copyField(c.agent)}\t`;
    text += `${copyField(c.sessionId)}\t${copyField(c.server)}\t${copyField(c.name)}\t${copyField(c.status)}\t${copyField(c.decision)}\t`;
    text += `${copyField(arrayLiteral(c.targets))}\t${copyField(entry.recordText)}\n`;
  }
  return text;
}


function storedEntryFromRow(row: Row): StoredEntry {
  return {
    logId: String(row.log_id),
    seq: Number(row.seq),
    prevHash: row.prev_hash as Buffer,
    hash: row.hash as Buffer,
    recordText: String(row.record),
    day: String(row.day_text),
    columns: {
      auditId: String(row.audit_id),
      timestampMs: Number(row.ts_ms),
      category: row.category as AuditCategory,
      operationType: String(row.op_type),
      identity: (row.identity as string | null) ?? null,
      agent: (row.agent as string | null) ?? null,
      sessionId: (row.session_id as string | null) ?? null,
      server: (row.server as string | null) ?? null,
      name: (row.name as string | null) ?? null,
      status: String(row.status),
      decision: (row.decision as string | null) ?? null,
      targets: [...(row.targets as string[])].sort(),
    },
  };
}

