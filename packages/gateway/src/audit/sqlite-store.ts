// The audit tables in SQLite (node:sqlite, WAL): the embedded default store.
// Synchronous by nature; the sink runs the write side in a worker thread
// (sqlite-sink.ts) and the CLI reads through the AuditStore methods here.
// WAL lets `gatehouse audit verify/query` read while the gateway writes.
//
// Indexes: time (appended in order, cheap) and targets (a side table, for
// "who touched C-42"). Per-identity/agent/session indexes take inserts at
// random pages, and WAL rewrites each touched page per commit: measured, they
// halved the ingest rate, so here those filters scan the time range instead.
// PostgreSQL (postgres-schema.ts) keeps them.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { Checkpoint, SigningKey } from './checkpoint.ts';
import { AuditError, describeCause } from './errors.ts';
import { GENESIS_HASH } from './hash-chain.ts';
import type { PreparedBatch } from './log-appender.ts';
import { MerkleFrontier } from './merkle.ts';
import { buildQuerySql, pageFromRows, type AuditQuery, type QueryPage } from './query.ts';
import { AUDIT_CATEGORIES, type AuditCategory } from './record.ts';
import { TARGET_SEPARATOR } from './record-index.ts';
import { logIdFor, logStateFromRow, type AuditStore, type EntryLink, type LogState, type RetentionCut, type StoredEntry } from './sink.ts';

export type SqliteSynchronous = 'full' | 'normal';

const SCHEMA_VERSION = '1';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS audit_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit_logs (
  log_id TEXT PRIMARY KEY, gateway_id TEXT NOT NULL, category TEXT NOT NULL,
  size INTEGER NOT NULL, last_hash BLOB NOT NULL, frontier BLOB NOT NULL, last_day TEXT,
  anchor_size INTEGER NOT NULL, anchor_hash BLOB NOT NULL, anchor_frontier BLOB NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_entries (
  log_id TEXT NOT NULL, seq INTEGER NOT NULL, day TEXT NOT NULL, category TEXT NOT NULL,
  prev_hash BLOB NOT NULL, hash BLOB NOT NULL, audit_id TEXT NOT NULL, ts INTEGER NOT NULL,
  op_type TEXT NOT NULL, identity TEXT, agent TEXT, session_id TEXT, server TEXT, name TEXT,
  status TEXT NOT NULL, decision TEXT, record TEXT NOT NULL,
  PRIMARY KEY (log_id, seq)
);
CREATE INDEX IF NOT EXISTS audit_entries_ts ON audit_entries (ts);
CREATE TABLE IF NOT EXISTS audit_targets (
  value TEXT NOT NULL, ts INTEGER NOT NULL, log_id TEXT NOT NULL, seq INTEGER NOT NULL,
  PRIMARY KEY (value, ts, log_id, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS audit_targets_entry ON audit_targets (log_id, seq);
CREATE TABLE IF NOT EXISTS audit_checkpoints (
  log_id TEXT NOT NULL, tree_size INTEGER NOT NULL, root_hash BLOB NOT NULL, timestamp_ms INTEGER NOT NULL,
  key_id TEXT NOT NULL, signature BLOB NOT NULL,
  PRIMARY KEY (log_id, tree_size)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS audit_keys (key_id TEXT PRIMARY KEY, public_key TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS audit_export_offsets (
  exporter TEXT NOT NULL, log_id TEXT NOT NULL, next_seq INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  PRIMARY KEY (exporter, log_id)
) WITHOUT ROWID;
`;

/** Rows deleted per transaction by retention, so the writer waits milliseconds, not the whole deletion. */
const RETENTION_CHUNK = 5_000;

type Row = Record<string, unknown>;

export interface SqliteStoreOptions {
  /** FULL survives power loss (the default); NORMAL survives a process crash and syncs less. */
  synchronous?: SqliteSynchronous;
  /** Opens an existing file without creating tables (verify, query). */
  isReadOnly?: boolean;
  /** How long a statement waits for another connection's lock before it fails (SQLITE_BUSY); 10 s by default. */
  busyTimeoutMs?: number;
}

export class SqliteAuditStore implements AuditStore {
  readonly kind = 'sqlite' as const;
  readonly location: string;
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();

  constructor(path: string, options: SqliteStoreOptions = {}) {
    this.location = path;
    try {
      if (options.isReadOnly !== true) mkdirSync(dirname(path), { recursive: true });
      this.#db = new DatabaseSync(path, { readOnly: options.isReadOnly === true, timeout: options.busyTimeoutMs ?? 10_000 });
    } catch (error) {
      throw new AuditError('audit_unavailable', `cannot open the audit database ${path}: ${describeCause(error)}`, { cause: error, isTransient: true });
    }
    if (options.isReadOnly === true) {
      this.#checkSchema();
      return;
    }
    this.#db.exec('PRAGMA journal_mode = WAL');
    // The target index takes inserts at random places: 16 MiB of page cache (the default is 2) keeps its hot pages in memory.
    // 64 MiB measured no faster at 200,000 records (bench/audit/commit-cost.ts --records 200000) and is resident memory a
    // long-running gateway holds for good (docs/benchmarks.md, "Session 10").
    this.#db.exec('PRAGMA cache_size = -16384');
    this.#db.exec(`PRAGMA synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    this.#db.exec(SCHEMA);
    this.#db.prepare('INSERT OR IGNORE INTO audit_meta (key, value) VALUES (?, ?)').run('schema_version', SCHEMA_VERSION);
    this.#checkSchema();
  }

  #checkSchema(): void {
    let version: unknown;
    try {
      version = (this.#db.prepare("SELECT value FROM audit_meta WHERE key = 'schema_version'").get() as Row | undefined)?.value;
    } catch (error) {
      throw new AuditError('audit_store_invalid', `${this.location} holds no audit tables (${describeCause(error)}); is it the audit database the gateway writes?`, { cause: error });
    }
    if (version !== SCHEMA_VERSION) {
      throw new AuditError('audit_store_invalid', `${this.location} has audit schema version ${String(version)}; this gatehouse reads version ${SCHEMA_VERSION}`);
    }
  }

  #statement(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  // --- write side (the sink's worker)

  /** This replica's two logs, created empty when new. */
  openLogs(gatewayId: string): LogState[] {
    const now = Date.now();
    const frontier = new MerkleFrontier();
    for (const category of AUDIT_CATEGORIES) {
      this.#statement(
        `INSERT OR IGNORE INTO audit_logs (log_id, gateway_id, category, size, last_hash, frontier, last_day, anchor_size, anchor_hash, anchor_frontier, created_at)
         VALUES (?, ?, ?, 0, ?, ?, NULL, 0, ?, ?, ?)`,
      ).run(logIdFor(gatewayId, category), gatewayId, category, GENESIS_HASH, frontier.toBytes(), GENESIS_HASH, frontier.toBytes(), now);
    }
    return this.readLogsOf(gatewayId);
  }

  readLogsOf(gatewayId: string): LogState[] {
    return (this.#statement('SELECT * FROM audit_logs WHERE gateway_id = ? ORDER BY log_id').all(gatewayId) as Row[]).map((row) => logStateFromRow(row, row.last_day));
  }

  storePublicKey(key: SigningKey): void {
    this.#statement('INSERT OR IGNORE INTO audit_keys (key_id, public_key, created_at) VALUES (?, ?, ?)').run(key.keyId, key.publicKeyPem, Date.now());
  }

  /** The newest checkpoint of each log: where the writer's checkpoint schedule resumes. */
  lastCheckpoints(): { logId: string; treeSize: number; timestampMs: number }[] {
    const rows = this.#statement(
      'SELECT c.log_id, c.tree_size, c.timestamp_ms FROM audit_checkpoints c JOIN (SELECT log_id, max(tree_size) AS tree_size FROM audit_checkpoints GROUP BY log_id) m ON m.log_id = c.log_id AND m.tree_size = c.tree_size',
    ).all() as Row[];
    return rows.map((row) => ({ logId: String(row.log_id), treeSize: Number(row.tree_size), timestampMs: Number(row.timestamp_ms) }));
  }

  /**
   * One transaction: entries, their targets, the new heads, the checkpoints.
   * A head whose stored size is not the expected one means another process
   * appended to the log: the batch is rolled back with audit_log_conflict.
   */
  writeBatch(batch: PreparedBatch): void {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const updateHead = this.#statement('UPDATE audit_logs SET size = ?, last_hash = ?, frontier = ?, last_day = ? WHERE log_id = ? AND size = ?');
      for (const head of batch.heads) {
        const expected = batch.expectedSizes.get(head.logId);
        const result = updateHead.run(head.size, head.lastHash, head.frontier.toBytes(), head.lastDay, head.logId, expected ?? -1);
        if (result.changes !== 1) {
          throw new AuditError('audit_log_conflict', `the audit log ${head.logId} in ${this.location} grew under this writer; two gateways share the id "${head.gatewayId}" — give each replica its own gateway.id`);
        }
      }
      const insertEntry = this.#statement(
        `INSERT INTO audit_entries (log_id, seq, day, category, prev_hash, hash, audit_id, ts, op_type, identity, agent, session_id, server, name, status, decision, record)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const insertTarget = this.#statement('INSERT OR IGNORE INTO audit_targets (value, ts, log_id, seq) VALUES (?, ?, ?, ?)');
      for (const entry of batch.entries) {
        const columns = entry.columns;
        insertEntry.run(
          entry.logId, entry.seq, entry.day, entry.category, entry.prevHash, entry.hash, columns.auditId, columns.timestampMs, columns.operationType,
          columns.identity, columns.agent, columns.sessionId, columns.server, columns.name, columns.status, columns.decision, entry.recordText,
        );
        for (const target of columns.targets) insertTarget.run(target, columns.timestampMs, entry.logId, entry.seq);
      }
      for (const checkpoint of batch.checkpoints) this.#insertCheckpoint(checkpoint);
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  /** Takes and releases the write lock: throws while another connection holds it past the busy timeout, or the file cannot be written. */
  probeWrite(): void {
    this.#db.exec('BEGIN IMMEDIATE');
    this.#db.exec('ROLLBACK');
  }

  #insertCheckpoint(checkpoint: Checkpoint): void {
    this.#statement(
      'INSERT OR IGNORE INTO audit_checkpoints (log_id, tree_size, root_hash, timestamp_ms, key_id, signature) VALUES (?, ?, ?, ?, ?, ?)',
    ).run(checkpoint.logId, checkpoint.treeSize, checkpoint.rootHash, checkpoint.timestampMs, checkpoint.keyId, checkpoint.signature);
  }

  // --- read side

  async listLogs(): Promise<LogState[]> {
    return (this.#statement('SELECT * FROM audit_logs ORDER BY log_id').all() as Row[]).map((row) => logStateFromRow(row, row.last_day));
  }

  async readEntries(logId: string, fromSeq: number, limit: number): Promise<StoredEntry[]> {
    const rows = this.#statement(
      `SELECT e.*, (SELECT group_concat(t.value, char(31)) FROM audit_targets t WHERE t.log_id = e.log_id AND t.seq = e.seq) AS targets
       FROM audit_entries e WHERE e.log_id = ? AND e.seq >= ? ORDER BY e.seq LIMIT ?`,
    ).all(logId, fromSeq, limit) as Row[];
    return rows.map(storedEntryFromRow);
  }

  async readLinks(logId: string, fromSeq: number, limit: number): Promise<EntryLink[]> {
    const rows = this.#statement('SELECT seq, prev_hash, hash FROM audit_entries WHERE log_id = ? AND seq >= ? ORDER BY seq LIMIT ?').all(logId, fromSeq, limit) as Row[];
    return rows.map((row) => ({ seq: Number(row.seq), prevHash: Buffer.from(row.prev_hash as Uint8Array), hash: Buffer.from(row.hash as Uint8Array) }));
  }

  async readCheckpoints(logId: string): Promise<Checkpoint[]> {
    const rows = this.#statement('SELECT * FROM audit_checkpoints WHERE log_id = ? ORDER BY tree_size').all(logId) as Row[];
    return rows.map((row) => ({
      logId: String(row.log_id),
      treeSize: Number(row.tree_size),
      rootHash: Buffer.from(row.root_hash as Uint8Array),
      timestampMs: Number(row.timestamp_ms),
      keyId: String(row.key_id),
      signature: Buffer.from(row.signature as Uint8Array),
    }));
  }

  async readPublicKeys(): Promise<Map<string, string>> {
    const rows = this.#statement('SELECT key_id, public_key FROM audit_keys').all() as Row[];
    return new Map(rows.map((row) => [String(row.key_id), String(row.public_key)]));
  }

  async firstSeqOnOrAfterDay(logId: string, day: string): Promise<number | undefined> {
    // Days rise with seq, so walking the primary key stops at the first match.
    const row = this.#statement('SELECT seq FROM audit_entries WHERE log_id = ? AND day >= ? ORDER BY seq LIMIT 1').get(logId, day) as Row | undefined;
    return row === undefined ? undefined : Number(row.seq);
  }

  async query(query: AuditQuery, options: { limit: number; cursor?: string | undefined }): Promise<QueryPage> {
    const sql = buildQuerySql('sqlite', query, { entries: 'audit_entries', targets: 'audit_targets' }, options.limit, options.cursor);
    const rows = this.#db.prepare(sql.text).all(...(sql.values as (string | number)[])) as { log_id: string; seq: number; ts_ms: number; record: string }[];
    return pageFromRows(rows, options.limit);
  }

  async applyRetention(category: AuditCategory, beforeDay: string, cuts: readonly RetentionCut[]): Promise<{ deletedRecords: number }> {
    // The anchors go first: from then on verify starts each log at its anchor, whatever deletion has reached.
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const updateAnchor = this.#statement('UPDATE audit_logs SET anchor_size = ?, anchor_hash = ?, anchor_frontier = ? WHERE log_id = ? AND anchor_size <= ?');
      for (const cut of cuts) {
        updateAnchor.run(cut.anchor.size, cut.anchor.lastHash, cut.anchor.frontier.toBytes(), cut.logId, cut.anchor.size);
        if (cut.checkpoint !== undefined) this.#insertCheckpoint(cut.checkpoint);
      }
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
    let deletedRecords = 0;
    const deleteEntries = this.#statement('DELETE FROM audit_entries WHERE log_id = ? AND seq >= ? AND seq < ? AND category = ? AND day < ?');
    const deleteTargets = this.#statement('DELETE FROM audit_targets WHERE log_id = ? AND seq >= ? AND seq < ?');
    for (const cut of cuts) {
      const first = this.#statement('SELECT min(seq) AS seq FROM audit_entries WHERE log_id = ?').get(cut.logId) as Row | undefined;
      let from = first?.seq === null || first?.seq === undefined ? cut.anchor.size : Number(first.seq);
      while (from < cut.anchor.size) {
        const to = Math.min(from + RETENTION_CHUNK, cut.anchor.size);
        this.#db.exec('BEGIN IMMEDIATE');
        try {
          deletedRecords += Number(deleteEntries.run(cut.logId, from, to, category, beforeDay).changes);
          deleteTargets.run(cut.logId, from, to);
          this.#db.exec('COMMIT');
        } catch (error) {
          this.#db.exec('ROLLBACK');
          throw error;
        }
        from = to;
      }
    }
    return { deletedRecords };
  }

  async readExportOffset(exporter: string, logId: string): Promise<number> {
    const row = this.#statement('SELECT next_seq FROM audit_export_offsets WHERE exporter = ? AND log_id = ?').get(exporter, logId) as Row | undefined;
    return row === undefined ? 0 : Number(row.next_seq);
  }

  async writeExportOffset(exporter: string, logId: string, nextSeq: number): Promise<void> {
    this.#statement(
      'INSERT INTO audit_export_offsets (exporter, log_id, next_seq, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (exporter, log_id) DO UPDATE SET next_seq = excluded.next_seq, updated_at = excluded.updated_at',
    ).run(exporter, logId, nextSeq, Date.now());
  }

  /** Runs SQL on the store's connection: for tests that tamper with a store, and for benchmarks. */
  execute(sql: string, ...values: (string | number | null | Uint8Array)[]): Row[] {
    return this.#db.prepare(sql).all(...values) as Row[];
  }

  async close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
  }
}


function storedEntryFromRow(row: Row): StoredEntry {
  const targets = row.targets === null || row.targets === undefined ? [] : String(row.targets).split(TARGET_SEPARATOR).sort();
  return {
    logId: String(row.log_id),
    seq: Number(row.seq),
    prevHash: Buffer.from(row.prev_hash as Uint8Array),
    hash: Buffer.from(row.hash as Uint8Array),
    recordText: String(row.record),
    day: String(row.day),
    columns: {
      auditId: String(row.audit_id),
      timestampMs: Number(row.ts),
      category: row.category as AuditCategory,
      operationType: String(row.op_type),
      identity: nullableText(row.identity),
      agent: nullableText(row.agent),
      sessionId: nullableText(row.session_id),
      server: nullableText(row.server),
      name: nullableText(row.name),
      status: String(row.status),
      decision: nullableText(row.decision),
      targets,
    },
  };
}

function nullableText(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}
