// The embedded default audit sink: SQLite in WAL mode, written on the
// gateway's own thread in group-committed batches (records that arrive in
// one turn of the event loop commit together). append() resolves once the
// batch holding the record is durable: under synchronous=FULL (the default)
// once its WAL frames are synced to disk (wal-sync.ts: on the event loop when
// no record waits behind the batch, else on libuv's pool while the next batch
// commits); under NORMAL once the commit returns (durable across a process
// crash).
//
// A commit itself is CPU work of tens of microseconds per record. It used to
// run in a worker thread, which cost more than it saved: a second V8 isolate
// (about 25 MB and a second load of the audit modules at start), a copy and
// a second parse of every record, and two thread wake-ups in every record's
// wait (docs/benchmarks.md, "Session 9").

import type { SigningKey } from './checkpoint.ts';
import { AuditError, describeCause, isAuditError } from './errors.ts';
import { DEFAULT_BATCH, type GroupCommitOptions } from './group-commit.ts';
import { GroupCommittedSink } from './group-committed-sink.ts';
import { DEFAULT_CHECKPOINTS, type CheckpointSchedule } from './log-appender.ts';
import type { AuditRecord } from './record.ts';
import type { AuditReceipt, AuditSink } from './sink.ts';
import { SqliteLogWriter } from './sqlite-log-writer.ts';
import type { SqliteSynchronous } from './sqlite-store.ts';
import { WalSync } from './wal-sync.ts';

export interface SqliteSinkOptions {
  path: string;
  gatewayId: string;
  signingKey: SigningKey;
  synchronous?: SqliteSynchronous;
  batch?: Partial<GroupCommitOptions>;
  checkpoints?: Partial<CheckpointSchedule>;
}

interface PendingRecord {
  record: AuditRecord;
  /** canonicalJson(record): the bytes hashed and stored. */
  text: string;
}

export class SqliteAuditSink extends GroupCommittedSink<PendingRecord> implements AuditSink {
  readonly kind = 'sqlite' as const;
  readonly #writer: SqliteLogWriter;
  readonly #walSync: WalSync | undefined;
  readonly #path: string;
  #closing: Promise<void> | undefined;

  private constructor(writer: SqliteLogWriter, walSync: WalSync | undefined, options: SqliteSinkOptions, checkpoints: CheckpointSchedule) {
    // With the WAL synced beside the loop, a second batch commits while the first one's sync runs, and the next sync covers it.
    super({ ...DEFAULT_BATCH, maxInFlight: walSync === undefined ? 1 : 2, ...options.batch }, checkpoints.intervalMs);
    this.#writer = writer;
    this.#walSync = walSync;
    this.#path = options.path;
  }

  /** Opens the database (creating it and this replica's logs if new) and signs a checkpoint over anything a crash left unsigned. */
  static async open(options: SqliteSinkOptions): Promise<SqliteAuditSink> {
    const checkpoints = { ...DEFAULT_CHECKPOINTS, ...options.checkpoints };
    const walSync = (options.synchronous ?? 'full') === 'full' ? new WalSync(options.path) : undefined;
    // SQLite itself never waits for the disk here: under FULL the WalSync does, off the event loop.
    const writer = new SqliteLogWriter({ path: options.path, gatewayId: options.gatewayId, signingKey: options.signingKey, synchronous: 'normal', checkpoints });
    const sink = new SqliteAuditSink(writer, walSync, options, checkpoints);
    // Records a crash left after the last checkpoint get signed now, not one interval later.
    await sink.checkpoint();
    return sink;
  }

  append(record: AuditRecord): Promise<AuditReceipt> {
    return this.submitRecord(record, (text) => ({ record, text }));
  }

  probe(): Promise<void> {
    return this.commits.runTask(async () => {
      this.#failed(() => this.#writer.probe());
    });
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.stopCheckpointTimer();
      await this.commits.close();
      await this.writeCheckpoint(true).catch(() => {});
      await this.#walSync?.close();
      await this.#writer.close();
    })();
    return this.#closing;
  }

  protected override async commitBatch(items: PendingRecord[]): Promise<AuditReceipt[]> {
    const receipts = this.#failed(() => this.#writer.writeRecords(items.map((item) => item.text), items.map((item) => item.record)));
    // Alone: no record queued or committing besides this batch, so nothing could commit beside a sync on the pool.
    await this.#durable(this.commits.pending === items.length);
    return receipts;
  }

  protected override async writeCheckpoint(isForced: boolean): Promise<void> {
    this.#failed(() => this.#writer.writeCheckpoints(isForced));
    await this.#durable();
  }

  /** Resolves once what was committed so far is on disk (at once under NORMAL). */
  async #durable(isAlone = false): Promise<void> {
    if (this.#walSync === undefined) return;
    try {
      await this.#walSync.durable(isAlone);
    } catch (error) {
      throw new AuditError('audit_unavailable', `the audit store ${this.#path} could not sync its write-ahead log: ${describeCause(error)}`, { cause: error, isTransient: true });
    }
  }

  /** A failed write is a transient outage of the store, with the store's own code when it has one. */
  #failed<T>(write: () => T): T {
    try {
      return write();
    } catch (error) {
      const code = isAuditError(error) ? error.code : 'audit_unavailable';
      throw new AuditError(code, `the audit store ${this.#path} did not keep the batch: ${describeCause(error)}`, { cause: error, isTransient: true });
    }
  }
}
