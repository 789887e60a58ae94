// How the work done for one request learns that it was cancelled (its
// client cancelled or went away, a draining gateway gave up on it). The
// AbortSignal is there for libraries that take one; the gateway's own
// per-call work (a stdio backend's pending call) watches through `watch`
// instead of an 'abort' listener on the signal.
//
// Why: on a routing gateway one 'abort' listener added to and removed from
// each request's signal made every call's objects survive young-generation
// collections and be promoted to the old generation: 5.4 KB of old garbage
// per call (a quarter of what a call allocates), full collections every few
// seconds, an old generation of 170 MB at c=64. Watching this object
// instead: 45 B per call. docs/benchmarks.md, "Session 11", has the figures;
// `node bench/call-cost/run.ts --gc-trace` shows them.

/** Told once when the call it watches is cancelled. */
export interface CancellationWatcher {
  cancelled(reason: unknown): void;
}

export class ExchangeCancellation {
  readonly #controller = new AbortController();
  #watchers: CancellationWatcher[] | undefined;

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get isCancelled(): boolean {
    return this.#controller.signal.aborted;
  }

  /** Tells `watcher` when this call is cancelled (at once if it is already). */
  watch(watcher: CancellationWatcher): void {
    if (this.isCancelled) {
      watcher.cancelled(this.#controller.signal.reason);
      return;
    }
    (this.#watchers ??= []).push(watcher);
  }

  unwatch(watcher: CancellationWatcher): void {
    const watchers = this.#watchers;
    if (watchers === undefined) return;
    const index = watchers.indexOf(watcher);
    if (index !== -1) watchers.splice(index, 1);
  }

  /** Aborts the signal, then tells the watchers; only the first cancel counts. */
  cancel(reason: unknown): void {
    if (this.isCancelled) return;
    this.#controller.abort(reason);
    const watchers = this.#watchers;
    this.#watchers = undefined;
    for (const watcher of watchers ?? []) watcher.cancelled(reason);
  }
}
