// Power-loss durability for SQLite commits without blocking the event loop
// in fsync. SQLite's synchronous=FULL syncs the WAL inside every commit, on
// the committing thread. Instead the sink commits with NORMAL (the frames
// reach the WAL file, unsynced) and this syncs the WAL file on libuv's
// thread pool: a batch is acknowledged only once a fdatasync that began after
// its commit has finished, so an acknowledged record is as durable as under
// FULL, and the next batch commits while the disk works. One sync covers
// every commit made before it began.
//
// SQLite's own checkpoints sync the WAL before copying it into the database
// and sync the database after (NORMAL does that too), so frames a checkpoint
// moves are durable in the database before the WAL file is reused.
//
// A commit with no record waiting behind it syncs on the event loop instead:
// no next batch could commit beside the sync, and the pool's round trip (a
// pool thread woken, then the loop woken by its completion) costs more than
// the loop time it frees. That is the usual case even under load, since the
// records that arrive during a commit are read only after it: measured, less
// CPU per call and more calls per second at c=1 and at c=64
// (docs/benchmarks.md, "Session 10"). The loop then waits one fdatasync
// (bench/audit/sync-latency.ts); a batch with records waiting behind it
// still syncs on the pool while the next one commits.

import { closeSync, fdatasync, fdatasyncSync, openSync } from 'node:fs';

interface Waiting {
  resolve: () => void;
  reject: (error: Error) => void;
}

export class WalSync {
  readonly #walPath: string;
  #fd: number | undefined;
  /** Commits made since the running sync began: the next sync covers them. */
  #waiting: Waiting[] = [];
  #running: Promise<void> | undefined;

  constructor(databasePath: string) {
    this.#walPath = `${databasePath}-wal`;
  }

  /**
   * Call right after a commit: resolves once that commit is on disk.
   * `isAlone`: no other record waits behind this commit, so the sync may
   * run on the calling thread (when no pool sync is under way either).
   */
  durable(isAlone = false): Promise<void> {
    if (isAlone && this.#running === undefined) {
      try {
        fdatasyncSync(this.#walFd());
        return Promise.resolve();
      } catch (error) {
        return Promise.reject(error as Error);
      }
    }
    return new Promise((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      this.#running ??= this.#syncAll();
    });
  }

  /** Waits for the syncs under way, then closes the WAL file descriptor. */
  async close(): Promise<void> {
    await this.#running;
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  async #syncAll(): Promise<void> {
    while (this.#waiting.length > 0) {
      const covered = this.#waiting;
      this.#waiting = [];
      try {
        await this.#sync();
        for (const waiting of covered) waiting.resolve();
      } catch (error) {
        for (const waiting of covered) waiting.reject(error as Error);
      }
    }
    this.#running = undefined;
  }

  #sync(): Promise<void> {
    return new Promise((resolve, reject) => {
      let fd: number;
      try {
        fd = this.#walFd();
      } catch (error) {
        reject(error as Error);
        return;
      }
      fdatasync(fd, (error) => (error === null ? resolve() : reject(error)));
    });
  }

  /** Opened on first use: the WAL file exists once a commit wrote it, and SQLite keeps that file (rewriting it from the start after a checkpoint) while a connection is open. */
  #walFd(): number {
    this.#fd ??= openSync(this.#walPath, 'r+');
    return this.#fd;
  }
}
