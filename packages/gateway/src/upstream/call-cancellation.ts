// The cancellation of one upstream call: its deadline, the client's abort or
// the backend closing, whichever comes first. An AbortController per call
// would do the same with an EventTarget, listener bookkeeping and a signal
// object on the hot path; a call has exactly one listener, the HTTP exchange.

export class CallCancellation {
  #reason: unknown;
  #isAborted = false;
  #listener: ((reason: unknown) => void) | undefined;

  get aborted(): boolean {
    return this.#isAborted;
  }

  /** Why the call was cancelled; `undefined` while it was not. */
  get reason(): unknown {
    return this.#reason;
  }

  /** The first abort wins; later ones (the deadline firing after a client abort) change nothing. */
  abort(reason: unknown): void {
    if (this.#isAborted) return;
    this.#isAborted = true;
    this.#reason = reason;
    const listener = this.#listener;
    this.#listener = undefined;
    listener?.(reason);
  }

  /** Sets the one listener (or clears it with `undefined`); it is told at most once. */
  onAbort(listener: ((reason: unknown) => void) | undefined): void {
    this.#listener = listener;
  }
}
