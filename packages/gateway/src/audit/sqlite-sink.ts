// The embedded default audit sink: SQLite in WAL mode, written by a worker
// thread (sqlite-worker.ts) in group-committed batches. append() resolves
// once the batch holding the record is committed (synchronous=FULL: on disk).
// A record crosses to the worker as its canonical JSON, the exact text the
// worker hashes and stores: one JSON.stringify here instead of a structured
// clone here and a serialization there, and one message per batch.

import { Worker } from 'node:worker_threads';
import type { SigningKey } from './checkpoint.ts';
import { AuditError, type AuditErrorCode } from './errors.ts';
import { DEFAULT_BATCH, type GroupCommitOptions } from './group-commit.ts';
import { GroupCommittedSink } from './group-committed-sink.ts';
import { DEFAULT_CHECKPOINTS, type CheckpointSchedule } from './log-appender.ts';
import type { AuditRecord } from './record.ts';
import type { AuditReceipt, AuditSink } from './sink.ts';
import type { SqliteSynchronous } from './sqlite-store.ts';
import type { SqliteWorkerData, SqliteWorkerReply, SqliteWorkerRequest } from './sqlite-worker.ts';

/**
 * The SQLite sink's GroupCommitOptions.busyIntervalMs: under load, at most one
 * commit (one fsync of the WAL) per this many milliseconds, or sooner once
 * busyBatchRecords (16) wait. Measured in docs/benchmarks.md (sessions 3 and
 * 4): the writer's cost is per commit far more than per record, and at
 * ~1,000 calls/s a 5 ms interval still left batches of 3-5 records.
 */
const SQLITE_BUSY_INTERVAL_MS = 10;

export interface SqliteSinkOptions {
  path: string;
  gatewayId: string;
  signingKey: SigningKey;
  synchronous?: SqliteSynchronous;
  batch?: Partial<GroupCommitOptions>;
  checkpoints?: Partial<CheckpointSchedule>;
}

/** Batches the canonical JSON texts of records. */
export class SqliteAuditSink extends GroupCommittedSink<string> implements AuditSink {
  readonly kind = 'sqlite' as const;
  readonly #worker: Worker;
  readonly #waiting = new Map<number, { resolve: (receipts: AuditReceipt[]) => void; reject: (error: unknown) => void }>();
  readonly #path: string;
  #nextId = 1;
  #closing: Promise<void> | undefined;
  #failure: AuditError | undefined;

  private constructor(worker: Worker, options: SqliteSinkOptions, checkpoints: CheckpointSchedule) {
    super({ ...DEFAULT_BATCH, busyIntervalMs: SQLITE_BUSY_INTERVAL_MS, ...options.batch }, checkpoints.intervalMs);
    this.#worker = worker;
    this.#path = options.path;
    worker.on('message', (reply: SqliteWorkerReply) => this.#onReply(reply));
    worker.on('error', (error) => this.#onExit(new AuditError('audit_unavailable', `the audit writer thread failed: ${error.message}`, { cause: error })));
    worker.on('exit', () => this.#onExit(new AuditError('audit_closed', 'the audit writer thread has stopped')));
  }

  /** Opens the database (creating it and this replica's logs if new) in a worker and signs a checkpoint over anything a crash left unsigned. */
  static async open(options: SqliteSinkOptions): Promise<SqliteAuditSink> {
    const checkpoints = { ...DEFAULT_CHECKPOINTS, ...options.checkpoints };
    const data: SqliteWorkerData = {
      path: options.path,
      gatewayId: options.gatewayId,
      signingKeyPem: options.signingKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      synchronous: options.synchronous ?? 'full',
      checkpoints,
    };
    const worker = new Worker(new URL('./sqlite-worker.ts', import.meta.url), { workerData: data });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (reply: SqliteWorkerReply) => {
        worker.off('error', onError);
        if (reply.type === 'ready') resolve();
        else if (reply.type === 'open-failed') reject(new AuditError(reply.error.code as AuditErrorCode, reply.error.message));
      };
      const onError = (error: Error) => reject(new AuditError('audit_unavailable', `the audit writer thread failed to start: ${error.message}`, { cause: error }));
      worker.once('message', onMessage);
      worker.once('error', onError);
    });
    const sink = new SqliteAuditSink(worker, options, checkpoints);
    // Records a crash left after the last checkpoint get signed now, not one interval later.
    await sink.checkpoint();
    return sink;
  }

  append(record: AuditRecord): Promise<AuditReceipt> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return this.submitRecord(record, (text) => text);
  }

  probe(): Promise<void> {
    return this.commits.runTask(async () => {
      await this.#request({ type: 'probe', id: 0 });
    });
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.stopCheckpointTimer();
      await this.commits.close();
      if (this.#failure === undefined) {
        await this.writeCheckpoint(true).catch(() => {});
        await this.#request({ type: 'close', id: 0 }).catch(() => {});
      }
      await this.#worker.terminate();
    })();
    return this.#closing;
  }

  protected override commitBatch(texts: string[]): Promise<AuditReceipt[]> {
    return this.#request({ type: 'batch', id: 0, texts });
  }

  protected override writeCheckpoint(isForced: boolean): Promise<AuditReceipt[]> {
    return this.#request({ type: 'checkpoint', id: 0, isForced });
  }

  #request(request: SqliteWorkerRequest): Promise<AuditReceipt[]> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#worker.postMessage({ ...request, id });
    });
  }

  #onReply(reply: SqliteWorkerReply): void {
    if (reply.type !== 'done' && reply.type !== 'failed') return;
    const waiting = this.#waiting.get(reply.id);
    if (waiting === undefined) return;
    this.#waiting.delete(reply.id);
    if (reply.type === 'done') waiting.resolve(reply.receipts);
    else waiting.reject(new AuditError(reply.error.code as AuditErrorCode, `the audit store ${this.#path} did not keep the batch: ${reply.error.message}`, { isTransient: true }));
  }

  #onExit(error: AuditError): void {
    this.#failure ??= error;
    for (const waiting of this.#waiting.values()) waiting.reject(this.#failure);
    this.#waiting.clear();
  }
}
