// Counters behind the step budget and the cost ceiling: integers per run
// key that expire with the run, added to only while they stay within a
// limit. The memory store answers synchronously (no promise on the hot
// path); redis-counter-store.ts shares counters between replicas.

export interface CounterResult {
  /** Whether `amount` was added (the total stayed within the limit). */
  isWithin: boolean;
  /** The total after the add, or the unchanged total when refused. */
  total: number;
}

export interface CounterStore {
  readonly kind: 'memory' | 'redis';
  /** Adds `amount` to `key` unless the total would pass `limit`. A new key lives `ttlSeconds`. */
  addWithin(key: string, amount: number, limit: number, ttlSeconds: number): CounterResult | Promise<CounterResult>;
  /** Adds whatever the total (costs learnt after the call, such as output size). */
  add(key: string, amount: number, ttlSeconds: number): number | Promise<number>;
  close?(): void | Promise<void>;
}

interface Entry {
  value: number;
  expiresAt: number;
}

/** Checks for expired keys every this many writes, so an idle process holds no timer. */
const SWEEP_EVERY = 4096;

export class MemoryCounterStore implements CounterStore {
  readonly kind = 'memory' as const;
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  #writes = 0;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  addWithin(key: string, amount: number, limit: number, ttlSeconds: number): CounterResult {
    const entry = this.#live(key, ttlSeconds);
    if (entry.value + amount > limit) return { isWithin: false, total: entry.value };
    entry.value += amount;
    return { isWithin: true, total: entry.value };
  }

  add(key: string, amount: number, ttlSeconds: number): number {
    const entry = this.#live(key, ttlSeconds);
    entry.value += amount;
    return entry.value;
  }

  get size(): number {
    return this.#entries.size;
  }

  #live(key: string, ttlSeconds: number): Entry {
    const now = this.#now();
    let entry = this.#entries.get(key);
    if (entry === undefined || entry.expiresAt <= now) {
      entry = { value: 0, expiresAt: now + ttlSeconds * 1000 };
      this.#entries.set(key, entry);
      if (++this.#writes % SWEEP_EVERY === 0) this.#sweep(now);
    }
    return entry;
  }

  #sweep(now: number): void {
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
  }
}

interface PreparedAdd<Context> {
  context: Context;
  key: string;
  amount: number;
  ttlSeconds: number;
  result: Promise<CounterResult>;
}

/**
 * Counter adds started in `Policy.prepare`, one per exchange: issued in the
 * same tick as the other store-backed policies' commands, so Redis sees them
 * in one pipeline. `take` hands the add to `onRequest`; `release` gives it
 * back when the chain stopped before the policy decided.
 */
export class PreparedAdds<Context> {
  readonly #counters: CounterStore;
  readonly #pending = new WeakMap<object, PreparedAdd<Context>>();

  constructor(counters: CounterStore) {
    this.#counters = counters;
  }

  start(exchange: object, context: Context, key: string, amount: number, limit: number, ttlSeconds: number): void {
    let result: Promise<CounterResult>;
    try {
      result = Promise.resolve(this.#counters.addWithin(key, amount, limit, ttlSeconds));
    } catch (error) {
      result = Promise.reject(error);
    }
    result.catch(() => undefined);
    this.#pending.set(exchange, { context, key, amount, ttlSeconds, result });
  }

  take(exchange: object): PreparedAdd<Context> | undefined {
    const prepared = this.#pending.get(exchange);
    if (prepared !== undefined) this.#pending.delete(exchange);
    return prepared;
  }

  release(exchange: object): void {
    const prepared = this.take(exchange);
    if (prepared === undefined) return;
    prepared.result.then((result) => (result.isWithin && prepared.amount !== 0 ? this.#counters.add(prepared.key, -prepared.amount, prepared.ttlSeconds) : undefined)).catch(() => undefined);
  }
}
