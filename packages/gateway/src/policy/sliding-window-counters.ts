// The sliding window's counts kept in this process (a rate limit whose store
// is memory): per key, the current aligned window's count and the previous
// one's. Synchronous, so a memory rate limit decides without a promise; the
// Redis store keeps its counters in rate-limiter-flexible (rate-limit.ts).
// Counts as rlf's memory limiter did: a refused request is counted and then
// given back, and a window's count stays readable through the next window.

interface KeyCounts {
  /** The aligned window `current` counts (epoch ms / window ms). */
  index: number;
  current: number;
  /** The count of window `index - 1`. */
  previous: number;
}

/** Drops keys idle for two windows every this many new windows, so an idle process holds no timer. */
const SWEEP_EVERY = 4096;

export class SlidingWindowCounters {
  readonly #counts = new Map<string, KeyCounts>();
  #opened = 0;

  get size(): number {
    return this.#counts.size;
  }

  /** Counts one request for `key` in window `index`; the counts of that window and the one before, this request included. */
  add(key: string, index: number): { current: number; previous: number } {
    let counts = this.#counts.get(key);
    if (counts === undefined) {
      counts = { index, current: 0, previous: 0 };
      this.#counts.set(key, counts);
      this.#opened++;
    } else if (counts.index !== index) {
      counts.previous = counts.index === index - 1 ? counts.current : 0;
      counts.current = 0;
      counts.index = index;
      this.#opened++;
    }
    counts.current++;
    if (this.#opened >= SWEEP_EVERY) this.#sweep(index);
    return counts;
  }

  /** Gives one request of window `index` back (a refused or released call). */
  refund(key: string, index: number): void {
    const counts = this.#counts.get(key);
    if (counts === undefined) return;
    if (counts.index === index) counts.current--;
    else if (counts.index === index + 1) counts.previous--;
  }

  #sweep(index: number): void {
    this.#opened = 0;
    for (const [key, counts] of this.#counts) if (counts.index < index - 1) this.#counts.delete(key);
  }
}
