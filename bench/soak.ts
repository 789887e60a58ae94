// The soak: a long closed-loop run through the gateway (2026-07-28 era,
// concurrency 64) while the gateway child's RSS is sampled, to show whether
// its memory settles after warm-up or keeps growing with the request count.

import { createIdSequence, openClientFleet } from './client-fleet.ts';
import { startLoad } from './load-generator.ts';
import { readRssBytes } from './process-memory.ts';
import { requestsPerSecond, summarizeLatencies } from './report.ts';
import { formatSoakProgress, type RssSample, type SoakResult, soakGoals } from './soak-report.ts';

const soakConcurrency = 64;
const sampleEveryMs = 2_000;
const baselineCheckEveryMs = 100;

function reportSamplingError(error: unknown): void {
  process.stderr.write(`bench: could not sample the gateway's RSS: ${error instanceof Error ? error.message : String(error)}\n`);
}

export async function runSoak(gatewayUrl: string, gatewayPid: number, requests: number): Promise<SoakResult> {
  const nextId = createIdSequence();
  const fleet = await openClientFleet(gatewayUrl, 'bench__echo', '2026-07-28', soakConcurrency, nextId);
  const samples: RssSample[] = [];
  let baselineRssBytes: number | undefined;
  let peakRssBytes = 0;
  const startedAt = performance.now();
  const run = startLoad(fleet.clients, { kind: 'requests', requests }, nextId);

  const sample = async (): Promise<RssSample> => {
    const rssBytes = await readRssBytes(gatewayPid);
    peakRssBytes = Math.max(peakRssBytes, rssBytes);
    return { elapsedMs: performance.now() - startedAt, completed: run.completed(), rssBytes };
  };
  const baselineAt = Math.ceil(requests * soakGoals.baselineFraction);
  const baselineTimer = setInterval(() => {
    if (baselineRssBytes !== undefined || run.completed() < baselineAt) return;
    baselineRssBytes = 0; // claimed: the read below is asynchronous
    void sample().then((taken) => {
      baselineRssBytes = taken.rssBytes;
      process.stderr.write(`bench: soak warmed up at ${taken.completed} requests, baseline RSS taken\n`);
    }, reportSamplingError);
  }, baselineCheckEveryMs);
  const sampleTimer = setInterval(() => {
    void sample().then((taken) => {
      const previous = samples.at(-1) ?? { elapsedMs: 0, completed: 0, rssBytes: 0 };
      samples.push(taken);
      const recentRps = requestsPerSecond(taken.completed - previous.completed, taken.elapsedMs - previous.elapsedMs);
      process.stderr.write(`${formatSoakProgress(taken, requests, recentRps)}\n`);
    }, reportSamplingError);
  }, sampleEveryMs);

  try {
    const measured = await run.finished;
    const final = await sample();
    samples.push(final);
    const { p50Ms, p99Ms } = summarizeLatencies(measured.latenciesMs, measured.succeeded);
    return {
      requests: measured.succeeded,
      errors: measured.errors,
      firstError: measured.firstError,
      rps: requestsPerSecond(measured.succeeded, measured.elapsedMs),
      p50Ms,
      p99Ms,
      // A run too short for the 100 ms check to see 10% falls back to the first sample.
      baselineRssBytes: baselineRssBytes || (samples[0]?.rssBytes ?? final.rssBytes),
      finalRssBytes: final.rssBytes,
      peakRssBytes,
      samples,
    };
  } finally {
    clearInterval(baselineTimer);
    clearInterval(sampleTimer);
    await fleet.close();
  }
}
