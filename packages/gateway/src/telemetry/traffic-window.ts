// Live traffic figures for the admin overview (calls/min, error rate, p95
// latency per backend and overall), read in process from the gateway's own
// metrics rather than by parsing /metrics: cumulative totals are sampled
// when the overview is asked for, and the figures are the difference
// between now and a sample about a window ago. Pure apart from the clock.

/** Cumulative totals of one server label since start: requests by outcome and the request-duration histogram. */
export interface TrafficCounts {
  calls: number;
  errors: number;
  denied: number;
  /** Observations per bucket of `bounds` (not cumulative); the last slot is +Inf. */
  durations: Float64Array;
}

export interface TrafficTotals {
  /** Upper bounds of the duration buckets, in seconds, ascending. */
  bounds: readonly number[];
  /** By `server` label (a backend's name, or the gateway's own label for requests no backend served). */
  servers: ReadonlyMap<string, TrafficCounts>;
}

export interface TrafficRates {
  calls_per_minute: number;
  /** Failed requests (status error) per request answered; null without requests in the window. */
  error_rate: number | null;
  /** Requests refused by policy or authorization per request answered; null without requests. */
  denied_rate: number | null;
  /** The 95th percentile of request duration in milliseconds, interpolated within its histogram bucket as Prometheus' histogram_quantile does; null without requests. */
  p95_ms: number | null;
}

export interface TrafficReport {
  /** The span the figures cover: about `windowMs`, less right after start, more when nobody asked for a while. */
  windowSeconds: number;
  overall: TrafficRates;
  servers: ReadonlyMap<string, TrafficRates>;
}

export interface TrafficWindowOptions {
  read: () => TrafficTotals;
  /** Default 60 s: calls/min over the last minute. */
  windowMs?: number;
  /** Samples closer than this are not kept (a poll every 100 ms keeps one a second). Default 1 s. */
  sampleIntervalMs?: number;
  now?: () => number;
}

interface Sample {
  at: number;
  totals: TrafficTotals;
}

export class TrafficWindow {
  readonly #read: () => TrafficTotals;
  readonly #windowMs: number;
  readonly #intervalMs: number;
  readonly #now: () => number;
  /** Oldest first; the first is the newest sample at least a window old, the baseline. Bounded by window / interval + 2. */
  readonly #samples: Sample[] = [];

  constructor(options: TrafficWindowOptions) {
    this.#read = options.read;
    this.#windowMs = options.windowMs ?? 60_000;
    this.#intervalMs = options.sampleIntervalMs ?? 1_000;
    this.#now = options.now ?? Date.now;
    this.#samples.push({ at: this.#now(), totals: copyTotals(this.#read()) });
  }

  /** The figures from the baseline sample to now; takes a sample. */
  report(): TrafficReport {
    const now = this.#now();
    const current: Sample = { at: now, totals: copyTotals(this.#read()) };
    const newest = this.#samples.at(-1)!;
    if (now - newest.at >= this.#intervalMs) this.#samples.push(current);
    while (this.#samples.length > 1 && now - this.#samples[1]!.at >= this.#windowMs) this.#samples.shift();
    const baseline = this.#samples[0]!;
    return trafficBetween(baseline.totals, current.totals, Math.max(now - baseline.at, 1));
  }
}

/** The rates from `before` to `after`, `elapsedMs` apart. */
export function trafficBetween(before: TrafficTotals, after: TrafficTotals, elapsedMs: number): TrafficReport {
  const servers = new Map<string, TrafficRates>();
  const slots = after.bounds.length + 1;
  const overall: TrafficCounts = { calls: 0, errors: 0, denied: 0, durations: new Float64Array(slots) };
  for (const [server, counts] of after.servers) {
    const delta = difference(counts, before.servers.get(server));
    servers.set(server, ratesOf(delta, after.bounds, elapsedMs));
    overall.calls += delta.calls;
    overall.errors += delta.errors;
    overall.denied += delta.denied;
    for (let slot = 0; slot < slots; slot++) overall.durations[slot]! += delta.durations[slot] ?? 0;
  }
  return { windowSeconds: Math.round(elapsedMs / 100) / 10, overall: ratesOf(overall, after.bounds, elapsedMs), servers };
}

/**
 * The `quantile` of observations counted per bucket, interpolated linearly
 * inside the bucket it falls in (the lower bound of the first is 0); in the
 * +Inf bucket, the largest finite bound. Undefined without observations.
 */
export function quantileOf(quantile: number, bounds: readonly number[], counts: ArrayLike<number>): number | undefined {
  let total = 0;
  for (let slot = 0; slot < counts.length; slot++) total += counts[slot]!;
  if (total === 0) return undefined;
  const rank = quantile * total;
  let cumulative = 0;
  for (let slot = 0; slot < counts.length; slot++) {
    const inBucket = counts[slot]!;
    if (cumulative + inBucket >= rank && inBucket > 0) {
      if (slot >= bounds.length) return bounds.at(-1);
      const lower = slot === 0 ? 0 : bounds[slot - 1]!;
      return lower + (bounds[slot]! - lower) * ((rank - cumulative) / inBucket);
    }
    cumulative += inBucket;
  }
  return bounds.at(-1);
}

function ratesOf(delta: TrafficCounts, bounds: readonly number[], elapsedMs: number): TrafficRates {
  const p95 = quantileOf(0.95, bounds, delta.durations);
  return {
    calls_per_minute: round((delta.calls * 60_000) / elapsedMs),
    error_rate: delta.calls === 0 ? null : round(delta.errors / delta.calls, 4),
    denied_rate: delta.calls === 0 ? null : round(delta.denied / delta.calls, 4),
    p95_ms: p95 === undefined ? null : round(p95 * 1000),
  };
}

function difference(after: TrafficCounts, before: TrafficCounts | undefined): TrafficCounts {
  // A series that shrank (metrics reset) counts from zero rather than going negative.
  const durations = after.durations.map((value, slot) => Math.max(0, value - (before?.durations[slot] ?? 0)));
  return {
    calls: Math.max(0, after.calls - (before?.calls ?? 0)),
    errors: Math.max(0, after.errors - (before?.errors ?? 0)),
    denied: Math.max(0, after.denied - (before?.denied ?? 0)),
    durations,
  };
}

function copyTotals(totals: TrafficTotals): TrafficTotals {
  return { bounds: totals.bounds, servers: new Map([...totals.servers].map(([server, counts]) => [server, { ...counts, durations: counts.durations.slice() }])) };
}

function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
