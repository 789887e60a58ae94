// The comparison run: for each era and concurrency, the same echo load sent
// straight to the backend and through the gateway, back to back, each with an
// unmeasured warm-up and a bounded measured phase.

import { createIdSequence, openClientFleet } from './client-fleet.ts';
import { startLoad, type StopRule } from './load-generator.ts';
import {
  eraNames,
  type EraName,
  requestsPerSecond,
  type ScenarioResult,
  scenarioName,
  summarizeLatencies,
  type Target,
} from './report.ts';

export const concurrencies = [1, 64] as const;
const targets: readonly Target[] = ['direct', 'gateway'];

export interface TargetUrls {
  direct: string;
  gateway: string;
}

export interface ComparisonSettings {
  stop: StopRule;
  warmupMs: number;
}

const toolNames: Record<Target, string> = { direct: 'echo', gateway: 'bench__echo' };

async function runScenario(
  url: string,
  target: Target,
  era: EraName,
  concurrency: number,
  settings: ComparisonSettings,
  nextId: () => number,
): Promise<ScenarioResult> {
  const fleet = await openClientFleet(url, toolNames[target], era, concurrency, nextId);
  try {
    if (settings.warmupMs > 0) {
      const warmup = await startLoad(fleet.clients, { kind: 'duration', durationMs: settings.warmupMs }, nextId).finished;
      if (warmup.errors > 0) process.stderr.write(`bench:   warm-up had ${warmup.errors} errors, first: ${warmup.firstError}\n`);
    }
    const measured = await startLoad(fleet.clients, settings.stop, nextId).finished;
    if (measured.errors > 0) process.stderr.write(`bench:   ${measured.errors} errors, first: ${measured.firstError}\n`);
    const { p50Ms, p99Ms } = summarizeLatencies(measured.latenciesMs, measured.succeeded);
    return {
      name: scenarioName(target, era),
      concurrency,
      rps: requestsPerSecond(measured.succeeded, measured.elapsedMs),
      p50_ms: p50Ms,
      p99_ms: p99Ms,
      requests: measured.succeeded,
      errors: measured.errors,
    };
  } finally {
    await fleet.close();
  }
}

export async function runComparison(urls: TargetUrls, settings: ComparisonSettings): Promise<ScenarioResult[]> {
  const nextId = createIdSequence();
  const plan = eraNames.flatMap((era) =>
    concurrencies.flatMap((concurrency) => targets.map((target) => ({ era, concurrency, target }))),
  );
  const results: ScenarioResult[] = [];
  for (const [index, { era, concurrency, target }] of plan.entries()) {
    process.stderr.write(`bench: [${index + 1}/${plan.length}] ${scenarioName(target, era)} c=${concurrency} ...\n`);
    const result = await runScenario(urls[target], target, era, concurrency, settings, nextId);
    process.stderr.write(
      `bench:   ${result.rps.toFixed(0)} req/s, p50 ${result.p50_ms.toFixed(3)} ms, p99 ${result.p99_ms.toFixed(3)} ms, ${result.requests} requests, ${result.errors} errors\n`,
    );
    results.push(result);
  }
  return results;
}
