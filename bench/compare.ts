// The comparison run: after warming every path, for each era and concurrency
// the same echo load sent straight to the backend, through a TCP byte pump
// (what the hop itself costs), through the reference HTTP proxy (the floor
// any Node HTTP hop costs) and through the gateway, in rotating
// rounds so a burst of other load on the machine hits all alike.

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
  pipe: string;
  floor: string;
  gateway: string;
}

/** The processes whose CPU time each scenario charges per request. */
export interface ServerPids {
  backend: number;
  pipe: number;
  floor: number;
  gateway: number;
}

export interface ComparisonSettings {
  /** The whole measured phase of one scenario, split evenly over the rounds. */
  stop: StopRule;
  warmupMs: number;
  rounds: number;
}

/** Through the gateway, each era reaches the backend in that same era (bench25 is pinned to 2025-11-25). */
export function toolNameFor(target: Target, era: string): string {
  if (target !== 'gateway') return 'echo';
  return era === '2025-11-25' ? 'bench25__echo' : 'bench__echo';
}

/** One round's measurement of one side. */
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

/** One of the things a scenario compares: clients and the proxy process they reach (none when direct). */
export interface Side {
  name: string;
  fleet: ClientFleet;
  gatewayPid: number | undefined;
}

async function measureSlice(side: Side, stop: StopRule, backendPid: number, nextId: () => number): Promise<Slice> {
  const backendBefore = await readCpuMs(backendPid);
  const gatewayBefore = side.gatewayPid === undefined ? 0 : await readCpuMs(side.gatewayPid);
  const clientBefore = process.cpuUsage();
  const measured = await startLoad(side.fleet.clients, stop, nextId).finished;
  const client = process.cpuUsage(clientBefore);
  return {
    latenciesMs: measured.latenciesMs.subarray(0, measured.succeeded),
    errors: measured.errors,
    firstError: measured.firstError,
    windowMs: measured.windowMs,
    succeededInWindow: measured.succeededInWindow,
    clientCpuMs: (client.user + client.system) / 1000,
    backendCpuMs: (await readCpuMs(backendPid)) - backendBefore,
    gatewayCpuMs: side.gatewayPid === undefined ? 0 : (await readCpuMs(side.gatewayPid)) - gatewayBefore,
  };
}

function combineSlices(side: Side, concurrency: number, slices: readonly Slice[]): ScenarioResult {
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
    name: side.name,
    concurrency,
    rps: requestsPerSecond(sum((slice) => slice.succeededInWindow), sum((slice) => slice.windowMs)),
    p50_ms: p50Ms,
    p99_ms: p99Ms,
    requests: succeeded,
    errors: sum((slice) => slice.errors),
    client_cpu_us: cpuMicrosecondsPerRequest(sum((slice) => slice.clientCpuMs), succeeded),
    backend_cpu_us: cpuMicrosecondsPerRequest(sum((slice) => slice.backendCpuMs), succeeded),
    gateway_cpu_us: side.gatewayPid === undefined ? null : cpuMicrosecondsPerRequest(sum((slice) => slice.gatewayCpuMs), succeeded),
  };
}

export function describeScenario(result: ScenarioResult): string {
  const gatewayCpu = result.gateway_cpu_us === null ? '' : `, gateway ${result.gateway_cpu_us.toFixed(0)}`;
  return (
    `${result.name} c=${result.concurrency}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50_ms.toFixed(3)} ms, ` +
    `p99 ${result.p99_ms.toFixed(3)} ms, ${result.requests} requests, ${result.errors} errors; CPU µs/req: ` +
    `client ${result.client_cpu_us.toFixed(0)}, backend ${result.backend_cpu_us.toFixed(0)}${gatewayCpu}`
  );
}

/**
 * Every side warmed, then measured in rotating rounds (ABC, BCA, CAB...; ABBA
 * for two) so a burst of other load on the machine hits all alike.
 */
export async function measureSidesInRounds<const Sides extends readonly Side[]>(
  sides: Sides,
  backendPid: number,
  concurrency: number,
  settings: ComparisonSettings,
  nextId: () => number,
): Promise<{ -readonly [K in keyof Sides]: ScenarioResult }> {
  if (settings.warmupMs > 0) {
    for (const side of sides) {
      const warmup = await startLoad(side.fleet.clients, { kind: 'duration', durationMs: settings.warmupMs }, nextId).finished;
      if (warmup.errors > 0) process.stderr.write(`bench:   ${side.name} warm-up had ${warmup.errors} errors, first: ${warmup.firstError}\n`);
    }
  }
  const slices: Slice[][] = sides.map(() => []);
  const slice = sliceOf(settings.stop, settings.rounds);
  for (let round = 0; round < settings.rounds; round++) {
    for (let step = 0; step < sides.length; step++) {
      const index = sides.length === 2 ? (round % 2 === 0 ? step : 1 - step) : (round + step) % sides.length;
      const side = sides[index]!;
      const measured = await measureSlice(side, slice, backendPid, nextId);
      if (measured.errors > 0) process.stderr.write(`bench:   ${side.name}: ${measured.errors} errors, first: ${measured.firstError}\n`);
      slices[index]!.push(measured);
    }
  }
  return sides.map((side, index) => combineSlices(side, concurrency, slices[index]!)) as { -readonly [K in keyof Sides]: ScenarioResult };
}

const targets = ['direct', 'pipe', 'floor', 'gateway'] as const;

/** Direct, pipe, floor and gateway for one era and concurrency. */
async function compareTargets(
  urls: TargetUrls,
  pids: ServerPids,
  era: EraName,
  concurrency: number,
  settings: ComparisonSettings,
  nextId: () => number,
): Promise<ScenarioResult[]> {
  const sides: Side[] = [];
  try {
    for (const target of targets) {
      const fleet = await openClientFleet(urls[target], toolNameFor(target, era), era, concurrency, nextId);
      sides.push({ name: scenarioName(target, era), fleet, gatewayPid: target === 'direct' ? undefined : pids[target] });
    }
    return await measureSidesInRounds(sides, pids.backend, concurrency, settings, nextId);
  } finally {
    await Promise.all(sides.map((side) => side.fleet.close()));
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
    for (const target of targets) {
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
      `bench: [${index + 1}/${plan.length}] ${era} c=${concurrency}: warm-up, then ${settings.rounds} rotating rounds of direct, pipe, floor and gateway\n`,
    );
    for (const result of await compareTargets(urls, pids, era, concurrency, settings, nextId)) {
      process.stderr.write(`bench:   ${describeScenario(result)}\n`);
      results.push(result);
    }
  }
  return results;
}
