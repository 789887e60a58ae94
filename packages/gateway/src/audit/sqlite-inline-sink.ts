// The SQLite sink for `sqlite_synchronous: normal`: the log writer runs on
// the gateway's own thread. With NORMAL a WAL commit writes to the file
// without waiting for the disk (durable across a process crash), so a batch
// costs tens of microseconds of CPU; handing it to a writer thread instead
// cost more than that in copies, wake-ups and a second parse, and added two
// thread hops to every record's wait. Under FULL a commit waits for fsync,
// which must not block the event loop: that is sqlite-sink.ts.

import type { SigningKey } from './checkpoint.ts';
import { AuditError, describeCause, isAuditError } from './errors.ts';
import { DEFAULT_BATCH, type GroupCommitOptions } from './group-commit.ts';
import { GroupCommittedSink } from './group-committed-sink.ts';
import { DEFAULT_CHECKPOINTS, type CheckpointSchedule } from './log-appender.ts';
import type { AuditRecord } from './record.ts';
import type { AuditReceipt, AuditSink } from './sink.ts';
import { SqliteLogWriter } from './sqlite-log-writer.ts';

export interface SqliteInlineSinkOptions {
  path: string;
  gatewayId: string;
  signingKey: SigningKey;
  batch?: Partial<GroupCommitOptions>;
  checkpoints?: Partial<CheckpointSchedule>;
}

interface PendingRecord {
  record: AuditRecord;
  /** canonicalJson(record): the bytes hashed and stored. */
  text: string;
}

export class SqliteInlineAuditSink extends GroupCommittedSink<PendingRecord> implements AuditSink {
  readonly kind = 'sqlite' as const;
  readonly #writer: SqliteLogWriter;
  readonly #path: string;
  #closing: Promise<void> | undefined;

  private constructor(writer: SqliteLogWriter, options: SqliteInlineSinkOptions, checkpoints: CheckpointSchedule) {
    // Records that arrive in one turn of the event loop commit together (maxDelayMs 0); no hold is needed, a commit costs no fsync.
    super({ ...DEFAULT_BATCH, ...options.batch, busyIntervalMs: 0 }, checkpoints.intervalMs);
    this.#writer = writer;
    this.#path = options.path;
  }

  /** Opens the database (creating it and this replica's logs if new) and signs a checkpoint over anything a crash left unsigned. */
  static async open(options: SqliteInlineSinkOptions): Promise<SqliteInlineAuditSink> {
    const checkpoints = { ...DEFAULT_CHECKPOINTS, ...options.checkpoints };
    const writer = new SqliteLogWriter({ path: options.path, gatewayId: options.gatewayId, signingKey: options.signingKey, synchronous: 'normal', checkpoints });
    const sink = new SqliteInlineAuditSink(writer, options, checkpoints);
    await sink.checkpoint();
    return sink;
  }

  append(record: AuditRecord): Promise<AuditReceipt> {
    return this.submitRecord(record, (text) => ({ record, text }));
  }

  probe(): Promise<void> {
    return this.commits.runTask(async () => {
      this.#run(() => this.#writer.probe());
    });
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.stopCheckpointTimer();
      await this.commits.close();
      await this.writeCheckpoint(true).catch(() => {});
      await this.#writer.close();
    })();
    return this.#closing;
  }

  protected override async commitBatch(items: PendingRecord[]): Promise<AuditReceipt[]> {
    return this.#run(() => this.#writer.writeRecords(items.map((item) => item.text), items.map((item) => item.record)));
  }

  protected override async writeCheckpoint(isForced: boolean): Promise<void> {
    this.#run(() => this.#writer.writeCheckpoints(isForced));
  }

  /** A failed write is reported as the writer thread reports one (sqlite-sink.ts), so the trail treats both stores' failures alike. */
  #run<T>(write: () => T): T {
    try {
      return write();
    } catch (error) {
      const code = isAuditError(error) ? error.code : 'audit_unavailable';
      throw new AuditError(code, `the audit store ${this.#path} did not keep the batch: ${describeCause(error)}`, { cause: error, isTransient: true });
    }
  }
}
