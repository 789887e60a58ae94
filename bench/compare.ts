// The comparison run: after warming every path, for each era and concurrency
// the same echo load sent straight to the backend and through the gateway, in
// alternating rounds so a burst of other load on the machine hits both alike.

import { type ClientFleet, createIdSequence, openClientFleet } from './client-fleet.ts';
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
  /** The whole measured phase of one scenario, split evenly over the rounds. */
  stop: StopRule;
  warmupMs: number;
  rounds: number;
}

/** Through the gateway, each era reaches the backend in that same era (bench25 is pinned to 2025-11-25). */
function toolNameFor(target: Target, era: string): string {
  if (target === 'direct') return 'echo';
  return era === '2025-11-25' ? 'bench25__echo' : 'bench__echo';
}

/** One round's measurement of one target. */
interface Slice {
  latenciesMs: Float64Array;
  errors: number;
  firstError: string | undefined;
  windowMs: number;
  succeededInWindow: number;
  clientCpuMs: number;
  backendCpuMs: number;
  gatewayCpuMs: number;
}

export function sliceOf(stop: StopRule, rounds: number): StopRule {
  return stop.kind === 'duration'
    ? { kind: 'duration', durationMs: stop.durationMs / rounds }
    : { kind: 'requests', requests: Math.ceil(stop.requests / rounds) };
}

async function measureSlice(fleet: ClientFleet, stop: StopRule, pids: ServerPids, nextId: () => number): Promise<Slice> {
  const backendBefore = await readCpuMs(pids.backend);
  const gatewayBefore = await readCpuMs(pids.gateway);
  const clientBefore = process.cpuUsage();
  const measured = await startLoad(fleet.clients, stop, nextId).finished;
  const client = process.cpuUsage(clientBefore);
  return {
    latenciesMs: measured.latenciesMs.subarray(0, measured.succeeded),
    errors: measured.errors,
    firstError: measured.firstError,
    windowMs: measured.windowMs,
    succeededInWindow: measured.succeededInWindow,
    clientCpuMs: (client.user + client.system) / 1000,
    backendCpuMs: (await readCpuMs(pids.backend)) - backendBefore,
    gatewayCpuMs: (await readCpuMs(pids.gateway)) - gatewayBefore,
  };
}

function combineSlices(target: Target, era: EraName, concurrency: number, slices: readonly Slice[]): ScenarioResult {
  const sum = (pick: (slice: Slice) => number) => slices.reduce((total, slice) => total + pick(slice), 0);
  const succeeded = sum((slice) => slice.latenciesMs.length);
  const latencies = new Float64Array(succeeded);
  let offset = 0;
  for (const slice of slices) {
    latencies.set(slice.latenciesMs, offset);
    offset += slice.latenciesMs.length;
  }
  const { p50Ms, p99Ms } = summarizeLatencies(latencies, succeeded);
  return {
    name: scenarioName(target, era),
    concurrency,
    rps: requestsPerSecond(sum((slice) => slice.succeededInWindow), sum((slice) => slice.windowMs)),
    p50_ms: p50Ms,
    p99_ms: p99Ms,
    requests: succeeded,
    errors: sum((slice) => slice.errors),
    client_cpu_us: cpuMicrosecondsPerRequest(sum((slice) => slice.clientCpuMs), succeeded),
    backend_cpu_us: cpuMicrosecondsPerRequest(sum((slice) => slice.backendCpuMs), succeeded),
    gateway_cpu_us: target === 'gateway' ? cpuMicrosecondsPerRequest(sum((slice) => slice.gatewayCpuMs), succeeded) : null,
  };
}

function describe(result: ScenarioResult): string {
  const gatewayCpu = result.gateway_cpu_us === null ? '' : `, gateway ${result.gateway_cpu_us.toFixed(0)}`;
  return (
    `${result.name} c=${result.concurrency}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50_ms.toFixed(3)} ms, ` +
    `p99 ${result.p99_ms.toFixed(3)} ms, ${result.requests} requests, ${result.errors} errors; CPU µs/req: ` +
    `client ${result.client_cpu_us.toFixed(0)}, backend ${result.backend_cpu_us.toFixed(0)}${gatewayCpu}`
  );
}

/** Direct and gateway for one era and concurrency: both warmed, then measured in alternating rounds (ABBA...). */
async function compareTargets(
  urls: TargetUrls,
  pids: ServerPids,
  era: EraName,
  concurrency: number,
  settings: ComparisonSettings,
  nextId: () => number,
): Promise<ScenarioResult[]> {
  const fleets = new Map<Target, ClientFleet>();
  try {
    for (const target of ['direct', 'gateway'] as const) {
      fleets.set(target, await openClientFleet(urls[target], toolNameFor(target, era), era, concurrency, nextId));
    }
    const slices = new Map<Target, Slice[]>([
      ['direct', []],
      ['gateway', []],
    ]);
    if (settings.warmupMs > 0) {
      for (const [target, fleet] of fleets) {
        const warmup = await startLoad(fleet.clients, { kind: 'duration', durationMs: settings.warmupMs }, nextId).finished;
        if (warmup.errors > 0) process.stderr.write(`bench:   ${target} warm-up had ${warmup.errors} errors, first: ${warmup.firstError}\n`);
      }
    }
    const slice = sliceOf(settings.stop, settings.rounds);
    for (let round = 0; round < settings.rounds; round++) {
      const order: Target[] = round % 2 === 0 ? ['direct', 'gateway'] : ['gateway', 'direct'];
      for (const target of order) {
        const measured = await measureSlice(fleets.get(target)!, slice, pids, nextId);
        if (measured.errors > 0) process.stderr.write(`bench:   ${target}: ${measured.errors} errors, first: ${measured.firstError}\n`);
        slices.get(target)!.push(measured);
      }
    }
    return (['direct', 'gateway'] as const).map((target) => combineSlices(target, era, concurrency, slices.get(target)!));
  } finally {
    await Promise.all([...fleets.values()].map((fleet) => fleet.close()));
  }
}

// The first pair must not pay for the others' cold code: every path in every
// process (backend 2025 and 2026 handlers, gateway both eras) is warmed first.
const initialWarmupConcurrency = 16;

async function warmUpEveryPath(urls: TargetUrls, settings: ComparisonSettings, nextId: () => number): Promise<void> {
  if (settings.warmupMs <= 0) return;
  const durationMs = settings.warmupMs * 2;
  process.stderr.write(`bench: warming up every era and target for ${durationMs / 1000} s each\n`);
  for (const era of eraNames) {
    for (const target of ['direct', 'gateway'] as const) {
      const fleet = await openClientFleet(urls[target], toolNameFor(target, era), era, initialWarmupConcurrency, nextId);
      try {
        const warmup = await startLoad(fleet.clients, { kind: 'duration', durationMs }, nextId).finished;
        if (warmup.errors > 0) {
          process.stderr.write(`bench:   ${scenarioName(target, era)} warm-up had ${warmup.errors} errors, first: ${warmup.firstError}\n`);
        }
      } finally {
        await fleet.close();
      }
    }
  }
}

export async function runComparison(
  urls: TargetUrls,
  pids: ServerPids,
  settings: ComparisonSettings,
): Promise<ScenarioResult[]> {
  const nextId = createIdSequence();
  await warmUpEveryPath(urls, settings, nextId);
  const plan = eraNames.flatMap((era) => concurrencies.map((concurrency) => ({ era, concurrency })));
  const results: ScenarioResult[] = [];
  for (const [index, { era, concurrency }] of plan.entries()) {
    process.stderr.write(
      `bench: [${index + 1}/${plan.length}] ${era} c=${concurrency}: warm-up, then ${settings.rounds} alternating rounds of direct and gateway\n`,
    );
    for (const result of await compareTargets(urls, pids, era, concurrency, settings, nextId)) {
      process.stderr.write(`bench:   ${describe(result)}\n`);
      results.push(result);
    }
  }
  return results;
}
