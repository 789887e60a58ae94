// The comparison run: for each era and concurrency, the same echo load sent
// straight to the backend and through the gateway, back to back, each with an
// unmeasured warm-up and a bounded measured phase.

import { createIdSequence, openClientFleet } from './client-fleet.ts';
import { startLoad, type StopRule } from './load-generator.ts';
import { readCpuMs } from './process-cpu.ts';
import {
  cpuMicrosecondsPerRequest,
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

/** The processes whose CPU time each scenario charges per request. */
export interface ServerPids {
  backend: number;
  gateway: number;
}

export interface ComparisonSettings {
  stop: StopRule;
  warmupMs: number;
}

const toolNames: Record<Target, string> = { direct: 'echo', gateway: 'bench__echo' };

async function runScenario(
  url: string,
  pids: ServerPids,
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
    const cpuBefore = { backend: await readCpuMs(pids.backend), gateway: await readCpuMs(pids.gateway) };
    const clientCpuBefore = process.cpuUsage();
    const measured = await startLoad(fleet.clients, settings.stop, nextId).finished;
    const clientCpu = process.cpuUsage(clientCpuBefore);
    const cpuAfter = { backend: await readCpuMs(pids.backend), gateway: await readCpuMs(pids.gateway) };
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
      client_cpu_us: cpuMicrosecondsPerRequest((clientCpu.user + clientCpu.system) / 1000, measured.succeeded),
      backend_cpu_us: cpuMicrosecondsPerRequest(cpuAfter.backend - cpuBefore.backend, measured.succeeded),
      gateway_cpu_us:
        target === 'gateway' ? cpuMicrosecondsPerRequest(cpuAfter.gateway - cpuBefore.gateway, measured.succeeded) : null,
    };
  } finally {
    await fleet.close();
  }
}

export async function runComparison(
  urls: TargetUrls,
  pids: ServerPids,
  settings: ComparisonSettings,
): Promise<ScenarioResult[]> {
  const nextId = createIdSequence();
  const plan = eraNames.flatMap((era) =>
    concurrencies.flatMap((concurrency) => targets.map((target) => ({ era, concurrency, target }))),
  );
  const results: ScenarioResult[] = [];
  for (const [index, { era, concurrency, target }] of plan.entries()) {
    process.stderr.write(`bench: [${index + 1}/${plan.length}] ${scenarioName(target, era)} c=${concurrency} ...\n`);
    const result = await runScenario(urls[target], pids, target, era, concurrency, settings, nextId);
    process.stderr.write(
      `bench:   ${result.rps.toFixed(0)} req/s, p50 ${result.p50_ms.toFixed(3)} ms, p99 ${result.p99_ms.toFixed(3)} ms, ${result.requests} requests, ${result.errors} errors, CPU µs/req: client ${result.client_cpu_us.toFixed(0)}, backend ${result.backend_cpu_us.toFixed(0)}${result.gateway_cpu_us === null ? '' : `, gateway ${result.gateway_cpu_us.toFixed(0)}`}\n`,
    );
    results.push(result);
  }
  return results;
}
