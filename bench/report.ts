// The arithmetic and the wording of a benchmark run: percentiles from raw
// latencies, gateway-versus-direct ratios judged against the goals, and the
// human table and JSON line that `npm run bench` prints. Pure; run.ts does I/O.

export const eraNames = ['2025-11-25', '2026-07-28'] as const;
export type EraName = (typeof eraNames)[number];
/**
 * direct: the backend itself; pipe: a TCP byte pump (reference-tcp-pipe.ts);
 * floor: the thinnest Node HTTP proxy (reference-proxy.ts); gateway: Gatehouse.
 */
export type Target = 'direct' | 'pipe' | 'floor' | 'gateway';

/** What one scenario measured, as printed and as in the JSON report. */
export interface ScenarioResult {
  name: string;
  concurrency: number;
  rps: number;
  p50_ms: number;
  p99_ms: number;
  requests: number;
  errors: number;
  /** CPU the load generator (this process) used per successful request in the measured phase, in µs. */
  client_cpu_us: number;
  /** The same for the backend process. */
  backend_cpu_us: number;
  /** The same for the gateway process (or the reference proxy in pipe and floor scenarios); null for direct scenarios. */
  gateway_cpu_us: number | null;
}

/** The goals from the issue: throughput kept at c=64, latency added at c=1. */
export const goals = {
  minThroughputRatio: 0.9,
  maxAddedP50Ms: 0.3,
  throughputConcurrency: 64,
  latencyConcurrency: 1,
} as const;

export function scenarioName(target: Target, era: EraName): string {
  return `${target}-${era}`;
}

/**
 * The q-quantile (0..1) of ascending latencies by the nearest-rank method:
 * the smallest value with at least q of the samples at or below it, so p99
 * of 100 samples is the 99th, never an interpolated value nobody observed.
 */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Sorts a copy of the first `count` latencies and returns p50 and p99 in ms. */
export function summarizeLatencies(latenciesMs: Float64Array, count: number): { p50Ms: number; p99Ms: number } {
  const sorted = latenciesMs.slice(0, count).sort();
  return { p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99) };
}

/** CPU time per request in µs, from a CPU-time difference in ms. */
export function cpuMicrosecondsPerRequest(cpuMs: number, requests: number): number {
  return requests > 0 ? (cpuMs * 1000) / requests : Number.NaN;
}

export function requestsPerSecond(requests: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (requests * 1000) / elapsedMs : 0;
}

export interface Ratio {
  key: string;
  value: number;
  goal: string;
  isMet: boolean;
  /** A figure to read the goals by (the floor), judged against nothing. */
  isReference?: boolean;
}

/**
 * For each era: gateway rps / direct rps at c=64 and gateway p50 − direct p50
 * at c=1, judged against the goals; then, for the TCP pipe and the HTTP
 * floor when they were measured, the same two figures, and the gateway's p50
 * above the floor, as reference rows. A ratio whose scenarios are missing or had errors is NaN
 * and a miss.
 */
export function computeRatios(results: readonly ScenarioResult[]): Ratio[] {
  const find = (target: Target, era: EraName, concurrency: number) =>
    results.find((result) => result.name === scenarioName(target, era) && result.concurrency === concurrency);
  const usable = (result: ScenarioResult | undefined): result is ScenarioResult =>
    result !== undefined && result.errors === 0 && result.requests > 0;
  const throughputOf = (target: Target, era: EraName) => {
    const direct = find('direct', era, goals.throughputConcurrency);
    const proxied = find(target, era, goals.throughputConcurrency);
    return usable(direct) && usable(proxied) ? proxied.rps / direct.rps : Number.NaN;
  };
  const addedP50Of = (target: Target, era: EraName, over: Target = 'direct') => {
    const base = find(over, era, goals.latencyConcurrency);
    const proxied = find(target, era, goals.latencyConcurrency);
    return usable(base) && usable(proxied) ? proxied.p50_ms - base.p50_ms : Number.NaN;
  };
  const ratios: Ratio[] = [];
  for (const era of eraNames) {
    const throughput = throughputOf('gateway', era);
    ratios.push({
      key: `throughput_c${goals.throughputConcurrency}_${era}`,
      value: throughput,
      goal: `>= ${goals.minThroughputRatio}`,
      isMet: throughput >= goals.minThroughputRatio,
    });
    const added = addedP50Of('gateway', era);
    ratios.push({
      key: `added_p50_ms_c${goals.latencyConcurrency}_${era}`,
      value: added,
      goal: `<= ${goals.maxAddedP50Ms} ms`,
      isMet: added <= goals.maxAddedP50Ms,
    });
  }
  const reference = (key: string, value: number): Ratio => ({ key, value, goal: 'reference', isMet: false, isReference: true });
  if (results.some((result) => result.name.startsWith('pipe-'))) {
    for (const era of eraNames) {
      ratios.push(reference(`pipe_throughput_c${goals.throughputConcurrency}_${era}`, throughputOf('pipe', era)));
      ratios.push(reference(`pipe_added_p50_ms_c${goals.latencyConcurrency}_${era}`, addedP50Of('pipe', era)));
    }
  }
  if (!results.some((result) => result.name.startsWith('floor-'))) return ratios;
  for (const era of eraNames) {
    ratios.push(reference(`floor_throughput_c${goals.throughputConcurrency}_${era}`, throughputOf('floor', era)));
    ratios.push(reference(`floor_added_p50_ms_c${goals.latencyConcurrency}_${era}`, addedP50Of('floor', era)));
    ratios.push(reference(`gateway_over_floor_p50_ms_c${goals.latencyConcurrency}_${era}`, addedP50Of('gateway', era, 'floor')));
  }
  return ratios;
}

function padTable(rows: readonly string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  '))
    .join('\n');
}

export function formatScenarioTable(results: readonly ScenarioResult[]): string {
  const header = ['scenario', 'concurrency', 'req/s', 'p50 ms', 'p99 ms', 'requests', 'errors', 'client cpu us/req', 'backend cpu us/req', 'gateway cpu us/req'];
  const rows = results.map((result) => [
    result.name,
    String(result.concurrency),
    result.rps.toFixed(0),
    result.p50_ms.toFixed(3),
    result.p99_ms.toFixed(3),
    String(result.requests),
    String(result.errors),
    result.client_cpu_us.toFixed(0),
    result.backend_cpu_us.toFixed(0),
    result.gateway_cpu_us === null ? '-' : result.gateway_cpu_us.toFixed(0),
  ]);
  return padTable([header, ...rows]);
}

export function formatRatioTable(ratios: readonly Ratio[]): string {
  const header = ['ratio', 'value', 'goal', 'verdict'];
  const rows = ratios.map((ratio) => [
    ratio.key,
    Number.isNaN(ratio.value) ? 'n/a' : ratio.value.toFixed(3),
    ratio.goal,
    ratio.isReference ? 'ref' : ratio.isMet ? 'pass' : 'miss',
  ]);
  return padTable([header, ...rows]);
}

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

/** The single JSON object `--json` prints on the last line. NaN becomes null. */
export function formatJsonReport(results: readonly ScenarioResult[], ratios: readonly Ratio[]): string {
  const finite = (value: number, digits: number) => (Number.isFinite(value) ? round(value, digits) : null);
  return JSON.stringify({
    scenarios: results.map((result) => ({
      name: result.name,
      concurrency: result.concurrency,
      rps: finite(result.rps, 1),
      p50_ms: finite(result.p50_ms, 3),
      p99_ms: finite(result.p99_ms, 3),
      requests: result.requests,
      errors: result.errors,
      client_cpu_us: finite(result.client_cpu_us, 0),
      backend_cpu_us: finite(result.backend_cpu_us, 0),
      gateway_cpu_us: result.gateway_cpu_us === null ? null : finite(result.gateway_cpu_us, 0),
    })),
    ratios: Object.fromEntries(ratios.map((ratio) => [ratio.key, finite(ratio.value, 3)])),
    verdicts: Object.fromEntries(ratios.map((ratio) => [ratio.key, ratio.isReference ? 'ref' : ratio.isMet ? 'pass' : 'miss'])),
    errors: results.reduce((total, result) => total + result.errors, 0),
  });
}
