// What both audit sinks (sqlite-sink.ts, postgres-sink.ts) do the same way
// around their GroupCommit: the queue depth and batch listener the metrics
// read, flush, and checkpoints that run alone between batches, on demand and
// on a timer. Each sink says how it commits a batch and writes a checkpoint.

import { canonicalJson } from './canonical-json.ts';
import { AuditError, describeCause } from './errors.ts';
import { GroupCommit, type GroupCommitOptions, type RejectedItem } from './group-commit.ts';
import type { AuditRecord } from './record.ts';
import type { AuditReceipt } from './sink.ts';

export abstract class GroupCommittedSink<T> {
  /** The items the sink batches (records, or their canonical JSON texts). */
  protected readonly commits: GroupCommit<T, AuditReceipt>;
  readonly #checkpointTimer: NodeJS.Timeout;

  protected constructor(batch: GroupCommitOptions, checkpointIntervalMs: number) {
    this.commits = new GroupCommit((items) => this.commitBatch(items), batch);
    // Idle logs still get their last records signed within one interval.
    this.#checkpointTimer = setInterval(() => void this.#runCheckpoint(false).catch(() => {}), checkpointIntervalMs).unref();
  }

  /** Commits one batch durably; resolves with each item's receipt, in order (or a RejectedItem for one the store refused alone). */
  protected abstract commitBatch(items: T[]): Promise<(AuditReceipt | RejectedItem)[]>;

  /** Signs and stores a checkpoint for every log that is due one (every log that grew, when forced). */
  protected abstract writeCheckpoint(isForced: boolean): Promise<unknown>;

  /**
   * Queues `record` as the item `toItem` makes of its canonical JSON (the
   * bytes hashed and stored). A record with no canonical form is refused
   * alone here; serialized inside its batch, it used to fail every record
   * batched with it.
   */
  protected submitRecord(record: AuditRecord, toItem: (text: string) => T): Promise<AuditReceipt> {
    let text: string;
    try {
      text = canonicalJson(record);
    } catch (error) {
      return Promise.reject(new AuditError('audit_unavailable', `the audit record ${record.audit_id} has no canonical JSON form (${describeCause(error)}), so it cannot be chained`, { cause: error }));
    }
    return this.commits.submit(toItem(text));
  }

  get pending(): number {
    return this.commits.pending;
  }

  get onBatch(): ((seconds: number, isOk: boolean) => void) | undefined {
    return this.commits.onBatch;
  }

  set onBatch(listener: ((seconds: number, isOk: boolean) => void) | undefined) {
    this.commits.onBatch = listener;
  }

  flush(): Promise<void> {
    return this.commits.flush();
  }

  checkpoint(): Promise<void> {
    return this.#runCheckpoint(true);
  }

  /** For close(): no timed checkpoint starts after this. */
  protected stopCheckpointTimer(): void {
    clearInterval(this.#checkpointTimer);
  }

  #runCheckpoint(isForced: boolean): Promise<void> {
    return this.commits.runTask(async () => {
      await this.writeCheckpoint(isForced);
    });
  }
}
