// Group commit: appends queue up while a batch is being committed, and the
// next batch takes all of them (up to a size), so that one durable write
// (SQLite fsync, PostgreSQL commit) serves many records. Each submit resolves
// only when the batch holding it is committed. Batches start in submit order;
// up to `maxInFlight` may be committing at once. Tasks (checkpoints, flush)
// run alone, after everything before them and before anything after.

import { AuditError } from './errors.ts';

export interface GroupCommitOptions {
  /** Records per batch at most. */
  maxBatch: number;
  /** How long an idle queue waits for company before committing; 0 commits on the next turn of the event loop. */
  maxDelayMs: number;
  /** Records waiting at most; more are refused with audit_backlog_full rather than queued without bound. */
  maxPending: number;
  /**
   * Batches committing at once. 1 for a store that writes serially; 2 lets a
   * batch be prepared and sent while the one before it finishes committing
   * (the commit function must then keep its own order, see postgres-sink.ts).
   */
  maxInFlight?: number;
  /**
   * Under load, the next batch gathers for up to this long after the one
   * before it started, so that one durable write serves more records: a
   * commit's fixed cost (the fsync) is most of its CPU. Under load means at
   * least BUSY_MIN_WAITING records arrived during the commit that just ended
   * (as PostgreSQL's commit_delay waits only with commit_siblings active),
   * so a record that finds the queue idle, or a few callers in a loop, are
   * never held. 0 (the default): the next batch goes at once.
   */
  busyIntervalMs?: number;
  /**
   * A held batch goes as soon as this many records wait, before its
   * busyIntervalMs is up: under heavy traffic the hold then lasts only as
   * long as a batch of this size takes to gather, which bounds the latency
   * it adds, while under lighter load it still waits the whole interval.
   */
  busyBatchRecords?: number;
}

/**
 * A commit's answer for one item that was refused alone (a record the store
 * cannot take), so that the good items of its batch still resolve.
 */
export class RejectedItem {
  readonly error: unknown;
  constructor(error: unknown) {
    this.error = error;
  }
}

/** Records that must be waiting when a commit ends for the next batch to be held (busyIntervalMs). */
const BUSY_MIN_WAITING = 2;

/** Batches of up to 1000 records, committed on the next turn of the event loop, at most 100k waiting. */
export const DEFAULT_BATCH: GroupCommitOptions = { maxBatch: 1_000, maxDelayMs: 0, maxPending: 100_000, maxInFlight: 1, busyIntervalMs: 0, busyBatchRecords: 16 };

type Waiting<T, R> =
  | { kind: 'item'; item: T; resolve: (result: R) => void; reject: (error: unknown) => void }
  | { kind: 'task'; run: () => Promise<void>; resolve: () => void; reject: (error: unknown) => void };

export class GroupCommit<T, R> {
  readonly #commit: (items: T[]) => Promise<(R | RejectedItem)[]>;
  readonly #options: Required<GroupCommitOptions>;
  readonly #queue: Waiting<T, R>[] = [];
  #pendingItems = 0;
  #inFlight = 0;
  #itemsCommitting = 0;
  #isTaskRunning = false;
  #isScheduled = false;
  /** The next batch is held for company (busyIntervalMs) until #timer fires or busyBatchRecords wait. */
  #isHeld = false;
  #timer: NodeJS.Timeout | undefined;
  #isClosed = false;
  /** Told of every batch commit (its duration, and whether it committed), e.g. for the audit write metrics. */
  onBatch: ((seconds: number, isOk: boolean) => void) | undefined;

  constructor(commit: (items: T[]) => Promise<(R | RejectedItem)[]>, options: GroupCommitOptions) {
    this.#commit = commit;
    this.#options = { maxInFlight: 1, busyIntervalMs: 0, busyBatchRecords: 16, ...options };
  }

  /** Records queued or being committed. */
  get pending(): number {
    return this.#pendingItems;
  }

  submit(item: T): Promise<R> {
    if (this.#isClosed) return Promise.reject(new AuditError('audit_closed', 'the audit sink is closed; no record can be appended after shutdown began'));
    if (this.#pendingItems >= this.#options.maxPending) {
      return Promise.reject(
        new AuditError('audit_backlog_full', `${this.#pendingItems} audit records are waiting for the store (max_pending_records); the store is slower than the traffic, retry shortly`, { isTransient: true }),
      );
    }
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ kind: 'item', item, resolve, reject });
      this.#pendingItems += 1;
      this.#schedule();
    });
  }

  /** Runs `run` alone, after everything submitted before it, and before anything submitted after. */
  runTask(run: () => Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ kind: 'task', run, resolve, reject });
      this.#schedule(true);
    });
  }

  /** Resolves when everything submitted so far is committed (or has failed). */
  flush(): Promise<void> {
    return this.runTask(async () => {});
  }

  /** Refuses new records; what is queued still commits. */
  close(): Promise<void> {
    this.#isClosed = true;
    return this.flush();
  }

  #schedule(isUrgent = false): void {
    if (this.#isTaskRunning || this.#inFlight >= this.#options.maxInFlight) return;
    const waiting = this.#pendingItems - this.#itemsCommitting;
    if (isUrgent || waiting >= this.#options.maxBatch || (this.#isHeld && waiting >= this.#options.busyBatchRecords)) {
      this.#pump();
      return;
    }
    if (this.#isScheduled) return;
    this.#isScheduled = true;
    if (this.#options.maxDelayMs > 0) this.#timer = setTimeout(() => this.#pump(), this.#options.maxDelayMs);
    else setImmediate(() => this.#pump());
  }

  /** Starts what may start now: batches up to maxInFlight, or a task once nothing is in flight. */
  #pump(): void {
    this.#isScheduled = false;
    this.#isHeld = false;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    while (!this.#isTaskRunning && this.#queue.length > 0) {
      const head = this.#queue[0]!;
      if (head.kind === 'task') {
        if (this.#inFlight > 0) return;
        this.#queue.shift();
        this.#isTaskRunning = true;
        void head.run().then(head.resolve, head.reject).finally(() => {
          this.#isTaskRunning = false;
          this.#pump();
        });
        return;
      }
      if (this.#inFlight >= this.#options.maxInFlight) return;
      let count = 0;
      while (count < this.#queue.length && count < this.#options.maxBatch && this.#queue[count]!.kind === 'item') count += 1;
      const batch = this.#queue.splice(0, count) as Extract<Waiting<T, R>, { kind: 'item' }>[];
      const startedAt = performance.now();
      this.#inFlight += 1;
      this.#itemsCommitting += batch.length;
      void this.#run(batch).finally(() => {
        this.#inFlight -= 1;
        this.#itemsCommitting -= batch.length;
        // What queued during the commit has waited a whole commit already: go at once, unless busy (busyIntervalMs).
        const waitMs = this.#busyWaitMs(startedAt);
        if (waitMs > 0) this.#pumpAfter(waitMs);
        else this.#pump();
      });
    }
  }

  /** How long the next batch waits, after a batch that started at `startedAt` ended. */
  #busyWaitMs(startedAt: number): number {
    const interval = this.#options.busyIntervalMs;
    if (interval <= 0 || this.#isTaskRunning || this.#queue[0]?.kind !== 'item') return 0;
    const waiting = this.#pendingItems - this.#itemsCommitting;
    if (waiting < BUSY_MIN_WAITING || waiting >= Math.min(this.#options.maxBatch, this.#options.busyBatchRecords)) return 0;
    return startedAt + interval - performance.now();
  }

  #pumpAfter(waitMs: number): void {
    if (this.#isScheduled) return;
    this.#isScheduled = true;
    this.#isHeld = true;
    this.#timer = setTimeout(() => this.#pump(), waitMs);
  }

  async #run(batch: Extract<Waiting<T, R>, { kind: 'item' }>[]): Promise<void> {
    const started = performance.now();
    try {
      const results = await this.#commit(batch.map((waiting) => waiting.item));
      this.onBatch?.((performance.now() - started) / 1000, true);
      for (let index = 0; index < batch.length; index += 1) {
        const result = results[index]!;
        if (result instanceof RejectedItem) batch[index]!.reject(result.error);
        else batch[index]!.resolve(result);
      }
    } catch (error) {
      this.onBatch?.((performance.now() - started) / 1000, false);
      for (const waiting of batch) waiting.reject(error);
    } finally {
      this.#pendingItems -= batch.length;
    }
  }
}
