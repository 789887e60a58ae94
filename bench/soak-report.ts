// The soak's verdict and wording: the gateway's RSS once warmed up (at 10% of
// the requests) against its RSS at the end, judged flat below a growth limit.
// Pure; soak.ts samples the process and drives the load.

export const soakGoals = {
  /** The share of requests after which the gateway counts as warmed up (JIT, pools, caches filled). */
  baselineFraction: 0.1,
  /** Growth from baseline to end under this percentage is flat; at or above it, a possible leak. */
  flatGrowthLimitPercent: 10,
} as const;

export interface RssSample {
  elapsedMs: number;
  completed: number;
  rssBytes: number;
}

export interface SoakResult {
  requests: number;
  errors: number;
  firstError: string | undefined;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  baselineRssBytes: number;
  finalRssBytes: number;
  peakRssBytes: number;
  samples: RssSample[];
}

export function rssGrowthPercent(baselineBytes: number, finalBytes: number): number {
  return baselineBytes > 0 ? ((finalBytes - baselineBytes) / baselineBytes) * 100 : Number.NaN;
}

export function isRssFlat(growthPercent: number): boolean {
  return growthPercent < soakGoals.flatGrowthLimitPercent;
}

export function formatMebibytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

export function formatSoakProgress(sample: RssSample, total: number, recentRps: number): string {
  const seconds = (sample.elapsedMs / 1000).toFixed(0);
  return `bench: soak ${sample.completed}/${total} requests, ${recentRps.toFixed(0)} req/s, gateway RSS ${formatMebibytes(sample.rssBytes)} (${seconds} s)`;
}

export function formatSoakReport(result: SoakResult): string {
  const growth = rssGrowthPercent(result.baselineRssBytes, result.finalRssBytes);
  const verdict = isRssFlat(growth) ? 'flat' : 'GROWING (possible leak)';
  return [
    `soak: ${result.requests} requests through the gateway, 2026-07-28, concurrency 64`,
    `  throughput     ${result.rps.toFixed(0)} req/s, p50 ${result.p50Ms.toFixed(3)} ms, p99 ${result.p99Ms.toFixed(3)} ms`,
    `  errors         ${result.errors}${result.firstError === undefined ? '' : ` (first: ${result.firstError})`}`,
    `  RSS at ${soakGoals.baselineFraction * 100}%     ${formatMebibytes(result.baselineRssBytes)}`,
    `  RSS at end     ${formatMebibytes(result.finalRssBytes)} (peak ${formatMebibytes(result.peakRssBytes)})`,
    `  growth         ${growth.toFixed(1)}% (flat below ${soakGoals.flatGrowthLimitPercent}%): ${verdict}`,
  ].join('\n');
}

export function formatSoakJson(result: SoakResult): string {
  const growth = rssGrowthPercent(result.baselineRssBytes, result.finalRssBytes);
  return JSON.stringify({
    soak: {
      requests: result.requests,
      errors: result.errors,
      rps: Number(result.rps.toFixed(1)),
      p50_ms: Number(result.p50Ms.toFixed(3)),
      p99_ms: Number(result.p99Ms.toFixed(3)),
      baseline_rss_bytes: result.baselineRssBytes,
      final_rss_bytes: result.finalRssBytes,
      peak_rss_bytes: result.peakRssBytes,
      rss_growth_percent: Number.isFinite(growth) ? Number(growth.toFixed(2)) : null,
      verdict: isRssFlat(growth) ? 'flat' : 'growing',
      samples: result.samples.map((sample) => ({
        elapsed_s: Number((sample.elapsedMs / 1000).toFixed(1)),
        completed: sample.completed,
        rss_bytes: sample.rssBytes,
      })),
    },
  });
}
