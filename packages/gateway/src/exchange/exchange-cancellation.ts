// How the work done for one request learns that it was cancelled (its
// client cancelled or went away, a draining gateway gave up on it). The
// AbortSignal is there for libraries that take one; the gateway's own
// per-call work (a backend's pending call, a held call's round) watches
// through `watch`, by way of CallerCancellationWatcher, instead of an
// 'abort' listener on the signal.
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

/** What a call's caller offers to be watched: its exchange's cancellation, or (a call made outside a transport) only a signal. */
export interface CancellationSource {
  readonly signal?: AbortSignal | undefined;
  readonly cancellation?: ExchangeCancellation | undefined;
}

/**
 * A watcher of a caller, whichever form its cancellation takes: the
 * ExchangeCancellation when the caller has one (no 'abort' listener per call,
 * see the header), else an 'abort' listener on its signal (this object, as
 * an EventListener). Subclasses say what a cancel does.
 */
export abstract class CallerCancellationWatcher implements CancellationWatcher {
  abstract cancelled(reason: unknown): void;

  /** Starts watching; a caller already cancelled is told at once. */
  watchCaller(source: CancellationSource | undefined): void {
    if (source?.cancellation !== undefined) return source.cancellation.watch(this);
    const signal = source?.signal;
    if (signal === undefined) return;
    if (signal.aborted) return this.cancelled(signal.reason);
    signal.addEventListener('abort', this, { once: true });
  }

  unwatchCaller(source: CancellationSource | undefined): void {
    if (source?.cancellation !== undefined) source.cancellation.unwatch(this);
    else source?.signal?.removeEventListener('abort', this);
  }

  /** EventListener interface: the bare signal's 'abort'. */
  handleEvent(event: Event): void {
    this.cancelled((event.target as AbortSignal).reason);
  }
}
