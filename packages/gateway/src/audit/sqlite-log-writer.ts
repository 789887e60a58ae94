// The write side of this replica's SQLite logs: the write connection, the log
// heads, and batches chained, hashed and committed in one transaction each.
// Synchronous (node:sqlite), run by the sink (sqlite-sink.ts) on the
// gateway's thread; `bench/audit/commit-cost.ts` measures it alone.

import type { SigningKey } from './checkpoint.ts';
import { isAuditError } from './errors.ts';
import { LogAppender, type CheckpointSchedule, type PreparedBatch } from './log-appender.ts';
import type { AuditRecord } from './record.ts';
import type { AuditReceipt } from './sink.ts';
import { SqliteAuditStore, type SqliteSynchronous } from './sqlite-store.ts';

/**
 * The writer runs on the gateway's event loop, so it must not sit out a long
 * lock held by another process (a second gateway on the same file, a manual
 * write): past this it fails the batch, and the trail treats the store as out
 * (refuses or spools, and probes until it is back).
 */
const WRITER_BUSY_TIMEOUT_MS = 250;

export interface SqliteLogWriterOptions {
  path: string;
  gatewayId: string;
  signingKey: SigningKey;
  synchronous: SqliteSynchronous;
  checkpoints: CheckpointSchedule;
}

export class SqliteLogWriter {
  readonly #store: SqliteAuditStore;
  readonly #appender: LogAppender;
  readonly #gatewayId: string;

  /** Opens the database (creating it and this replica's logs if new); throws an AuditError when it cannot. */
  constructor(options: SqliteLogWriterOptions) {
    this.#gatewayId = options.gatewayId;
    this.#store = new SqliteAuditStore(options.path, { synchronous: options.synchronous, busyTimeoutMs: WRITER_BUSY_TIMEOUT_MS });
    try {
      this.#store.storePublicKey(options.signingKey);
      this.#appender = new LogAppender(this.#store.openLogs(options.gatewayId), options.signingKey, options.checkpoints);
      for (const checkpoint of this.#store.lastCheckpoints()) this.#appender.noteStoredCheckpoint(checkpoint.logId, checkpoint.treeSize, checkpoint.timestampMs);
    } catch (error) {
      void this.#store.close();
      throw error;
    }
  }

  /**
   * Chains and commits records given as their canonical JSON (the bytes
   * hashed and stored); `records[i]`, when the caller still has it, is
   * JSON.parse(texts[i]) and saves parsing it again for the index columns.
   */
  writeRecords(texts: readonly string[], records: readonly AuditRecord[] = texts.map((text) => JSON.parse(text) as AuditRecord)): AuditReceipt[] {
    return this.#appender.accept(this.#write(() => this.#appender.prepare(records, texts)));
  }

  /** Signs and stores a checkpoint for every log due one (every log that grew, when forced). */
  writeCheckpoints(isForced: boolean): void {
    this.#appender.accept(this.#write(() => this.#appender.prepareCheckpoints(isForced)));
  }

  /** Throws while the database does not take a write lock (after an outage). */
  probe(): void {
    this.#store.probeWrite();
  }

  close(): Promise<void> {
    return this.#store.close();
  }

  /** A conflicting writer moved the heads: adopt the stored ones and chain after them once. */
  #write(prepare: () => PreparedBatch): PreparedBatch {
    const batch = prepare();
    try {
      this.#store.writeBatch(batch);
      return batch;
    } catch (error) {
      if (!isAuditError(error) || error.code !== 'audit_log_conflict') throw error;
      this.#appender.replaceHeads(this.#store.readLogsOf(this.#gatewayId));
      const retried = prepare();
      this.#store.writeBatch(retried);
      return retried;
    }
  }
}
