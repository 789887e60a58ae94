// The production audit sink: PostgreSQL. Records are chained and hashed on
// this thread (LogAppender), group-committed in one transaction per batch
// (postgres-store.ts), and append() resolves once that transaction commits.
// Each replica appends to its own logs; partitions are created per day.

import type { SigningKey } from './checkpoint.ts';
import { AuditError, describeCause, isAuditError } from './errors.ts';
import { DEFAULT_BATCH, RejectedItem, type GroupCommitOptions } from './group-commit.ts';
import { GroupCommittedSink } from './group-committed-sink.ts';
import { DEFAULT_CHECKPOINTS, LogAppender, type CheckpointSchedule, type PreparedBatch } from './log-appender.ts';
import type { PostgresAuditStore } from './postgres-store.ts';
import type { AuditRecord } from './record.ts';
import type { AuditReceipt, AuditSink } from './sink.ts';

export interface PostgresSinkOptions {
  store: PostgresAuditStore;
  gatewayId: string;
  signingKey: SigningKey;
  batch?: Partial<GroupCommitOptions>;
  checkpoints?: Partial<CheckpointSchedule>;
  /** The clock for checkpoint timestamps and schedules (tests). */
  now?: () => number;
}

/** A record and its canonical JSON, serialized once at append so that a record without one is refused alone. */
interface PendingRecord {
  record: AuditRecord;
  text: string;
}

export class PostgresAuditSink extends GroupCommittedSink<PendingRecord> implements AuditSink {
  readonly kind = 'postgres' as const;
  readonly #store: PostgresAuditStore;
  readonly #gatewayId: string;
  readonly #appender: LogAppender;
  /** Set after a failed commit: the heads are read back from the store before the next batch is prepared. */
  #isHeadStale = false;
  #prepareChain: Promise<void> = Promise.resolve();
  /** Settles when the last batch prepared so far has committed or failed. */
  #writeTail: Promise<void> = Promise.resolve();
  #closing: Promise<void> | undefined;

  private constructor(options: PostgresSinkOptions, appender: LogAppender, checkpoints: CheckpointSchedule) {
    super({ ...DEFAULT_BATCH, maxInFlight: 2, ...options.batch }, checkpoints.intervalMs);
    this.#store = options.store;
    this.#gatewayId = options.gatewayId;
    this.#appender = appender;
  }

  /** Creates this replica's logs if new and signs a checkpoint over anything a crash left unsigned. */
  static async open(options: PostgresSinkOptions): Promise<PostgresAuditSink> {
    const checkpoints = { ...DEFAULT_CHECKPOINTS, ...options.checkpoints };
    await options.store.storePublicKey(options.signingKey);
    const appender = new LogAppender(await options.store.openLogs(options.gatewayId), options.signingKey, checkpoints, options.now);
    for (const checkpoint of await options.store.lastCheckpoints(options.gatewayId)) {
      appender.noteStoredCheckpoint(checkpoint.logId, checkpoint.treeSize, checkpoint.timestampMs);
    }
    const sink = new PostgresAuditSink(options, appender, checkpoints);
    // Records a crash left after the last checkpoint get signed now, not one interval later.
    await sink.checkpoint();
    return sink;
  }

  append(record: AuditRecord): Promise<AuditReceipt> {
    return this.submitRecord(record, (text) => ({ record, text }));
  }

  probe(): Promise<void> {
    return this.commits.runTask(() => this.#store.probe());
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.stopCheckpointTimer();
      await this.commits.close();
      await this.writeCheckpoint(true).catch(() => {});
    })();
    return this.#closing;
  }

  protected override writeCheckpoint(isForced: boolean): Promise<AuditReceipt[]> {
    return this.#commitPrepared(() => this.#appender.prepareCheckpoints(isForced));
  }

  protected override async commitBatch(items: PendingRecord[]): Promise<(AuditReceipt | RejectedItem)[]> {
    try {
      return await this.#commitRecords(items);
    } catch (error) {
      if (items.length === 1 || !isRecordRefusal(error)) throw error;
      // The server refused a value in the batch (a data exception): commit each record alone, so one bad record
      // fails alone and the good ones batched with it are kept, still in their order.
      const results: (AuditReceipt | RejectedItem)[] = [];
      for (const item of items) {
        try {
          results.push(...(await this.#commitRecords([item])));
        } catch (alone) {
          if (!isRecordRefusal(alone)) throw alone;
          results.push(new RejectedItem(alone));
        }
      }
      return results;
    }
  }

  #commitRecords(items: PendingRecord[]): Promise<AuditReceipt[]> {
    return this.#commitPrepared(() => this.#appender.prepare(items.map((item) => item.record), items.map((item) => item.text)));
  }

  async #commitPrepared(prepare: () => PreparedBatch): Promise<AuditReceipt[]> {
    try {
      try {
        return await this.#prepareAndWrite(prepare);
      } catch (error) {
        if (!isAuditError(error) || error.code !== 'audit_log_conflict') throw error;
        // Another batch moved the head first (a commit whose answer was lost, a batch prepared after a failed one, or a
        // second writer): chain after what the store holds, once.
        return await this.#prepareAndWrite(prepare);
      }
    } catch (error) {
      if (isAuditError(error)) throw error;
      throw new AuditError('audit_unavailable', `the audit store ${this.#store.location} did not keep the batch: ${describeCause(error)}`, { cause: error, isTransient: !isDataException(error) });
    }
  }

  /**
   * Batches are prepared one after another in submit order, each on the heads
   * the one before it will leave (accepted at once, speculatively), so that a
   * batch is hashed and its rows sent while the previous one commits. Each
   * batch updates its heads only after the previous batch settled, guarded by
   * the expected sizes: a batch prepared on a predecessor that failed is
   * refused there, and the heads are read back (once every batch in flight
   * has settled) before the next prepare.
   */
  async #prepareAndWrite(prepare: () => PreparedBatch): Promise<AuditReceipt[]> {
    const prepared = this.#prepareChain.then(async () => {
      if (this.#isHeadStale) {
        await this.#writeTail;
        this.#appender.replaceHeads(await this.#store.readLogsOf(this.#gatewayId));
        this.#isHeadStale = false;
      }
      const batch = prepare();
      const receipts = this.#appender.accept(batch);
      const write = this.#write(batch, this.#writeTail);
      this.#writeTail = write.then(() => {}, () => {});
      return { write, receipts };
    });
    this.#prepareChain = prepared.then(() => {}, () => {});
    const { write, receipts } = await prepared;
    await write;
    return receipts;
  }

  async #write(batch: PreparedBatch, previous: Promise<void>): Promise<void> {
    try {
      await this.#store.ensureDays(batch.entries.map((entry) => entry.day));
      await this.#store.writeBatch(batch, () => previous);
    } catch (error) {
      this.#isHeadStale = true;
      throw error;
    }
  }
}

/** SQLSTATE class 22 (data exception) or 54 (program limit exceeded): the server refused a value, not the connection. */
function isDataException(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('54'));
}

function isRecordRefusal(error: unknown): boolean {
  return isAuditError(error) && error.code === 'audit_unavailable' && isDataException(error.cause);
}
