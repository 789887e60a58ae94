// `npm run bench -- --replicas 2 --redis`: the cost of shared state. The same
// echo load goes to one gateway on in-memory sessions (the reference) and,
// in alternating rounds, through nginx round robin to N replicas whose
// sessions, stream events and bus live in Redis. On two cores this measures
// what Redis and the extra hop cost, not scaling.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startNginx, startReplica, type ReplicaProcess } from '../packages/gateway/test/fixtures/gateway-replicas.ts';
import { openClientFleet } from './client-fleet.ts';
import type { Cleanup } from './cleanup.ts';
import { describeScenario, measureSidesInRounds, type ComparisonSettings, type Side, toolNameFor } from './compare.ts';
import { benchBackendsYaml, startGatewayProcess } from './gateway-process.ts';
import { eraNames, type ScenarioResult } from './report.ts';

export const replicaConcurrency = 64;
/** The Redis the bench's replicas share; their session keys expire with the session TTL. */
const benchRedisUrl = process.env.GATEHOUSE_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

export interface ReplicaRatio {
  era: string;
  rpsRatio: number;
  referenceP99Ms: number;
  replicasP99Ms: number;
}

export interface ReplicaRunResult {
  replicas: number;
  scenarios: ScenarioResult[];
  ratios: ReplicaRatio[];
}

export async function runReplicas(
  backend: { url: string; pid: number },
  replicaCount: number,
  settings: ComparisonSettings,
  cleanup: Cleanup,
  nextId: () => number,
): Promise<ReplicaRunResult> {
  const reference = await startGatewayProcess(backend.url);
  cleanup.add('the in-memory gateway', () => reference.close());

  const directory = await mkdtemp(join(tmpdir(), 'gatehouse-bench-replicas-'));
  cleanup.add('the replicas\' directory', () => rm(directory, { recursive: true, force: true }));
  // A key prefix of the run's own: the bench never touches other gateways' keys on a shared Redis.
  const body = `session_key_prefix: "gatehouse-bench-${process.pid}:"\n${benchBackendsYaml(backend.url)}`;
  const replicas: ReplicaProcess[] = [];
  for (let index = 0; index < replicaCount; index++) {
    process.stderr.write(`bench: starting replica ${index + 1} of ${replicaCount} on ${benchRedisUrl}\n`);
    const replica = await startReplica(directory, `bench-replica-${index + 1}`, body, benchRedisUrl);
    cleanup.add(`replica ${index + 1}`, () => replica.kill('SIGTERM'));
    replicas.push(replica);
  }
  const nginx = await startNginx(replicas);
  cleanup.add('nginx', () => nginx.close());
  process.stderr.write(`bench: nginx ${nginx.url} -> ${replicas.map((replica) => replica.port).join(', ')}; reference ${reference.url}\n`);

  const scenarios: ScenarioResult[] = [];
  const ratios: ReplicaRatio[] = [];
  for (const era of eraNames) {
    process.stderr.write(`bench: ${era} c=${replicaConcurrency}: one in-memory gateway vs ${replicaCount} Redis replicas behind nginx\n`);
    const sides: Side[] = [];
    try {
      const toolName = toolNameFor('gateway', era);
      sides.push({ name: `memory-1-${era}`, fleet: await openClientFleet(reference.url, toolName, era, replicaConcurrency, nextId), gatewayPid: reference.process.pid });
      sides.push({ name: `redis-${replicaCount}-nginx-${era}`, fleet: await openClientFleet(nginx.url, toolName, era, replicaConcurrency, nextId), gatewayPid: undefined });
      const [memory, shared] = await measureSidesInRounds([sides[0]!, sides[1]!], backend.pid, replicaConcurrency, settings, nextId);
      for (const result of [memory, shared]) process.stderr.write(`bench:   ${describeScenario(result)}\n`);
      scenarios.push(memory, shared);
      const isUsable = memory.errors === 0 && shared.errors === 0 && memory.requests > 0 && shared.requests > 0;
      ratios.push({ era, rpsRatio: isUsable ? shared.rps / memory.rps : Number.NaN, referenceP99Ms: memory.p99_ms, replicasP99Ms: shared.p99_ms });
    } finally {
      await Promise.all(sides.map((side) => side.fleet.close()));
    }
  }
  const served = await Promise.all(replicas.map(async (replica) => `${replica.id}: ${await replica.requestCount('echo')} calls`));
  process.stderr.write(`bench: calls per replica (each must have served some): ${served.join(', ')}\n`);
  return { replicas: replicaCount, scenarios, ratios };
}

export function formatReplicaRatios(result: ReplicaRunResult): string {
  const rows = [['era', `rps ratio (${result.replicas} Redis replicas via nginx / 1 in-memory)`, 'p99 ms in-memory', `p99 ms ${result.replicas} replicas`]];
  for (const ratio of result.ratios) {
    rows.push([ratio.era, Number.isNaN(ratio.rpsRatio) ? 'n/a' : ratio.rpsRatio.toFixed(3), ratio.referenceP99Ms.toFixed(2), ratio.replicasP99Ms.toFixed(2)]);
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}

export function formatReplicaJson(result: ReplicaRunResult): string {
  const finite = (value: number) => (Number.isFinite(value) ? Number(value.toFixed(3)) : null);
  return JSON.stringify({
    replicas: result.replicas,
    concurrency: replicaConcurrency,
    scenarios: result.scenarios.map((scenario) => ({ name: scenario.name, rps: finite(scenario.rps), p50_ms: finite(scenario.p50_ms), p99_ms: finite(scenario.p99_ms), requests: scenario.requests, errors: scenario.errors })),
    ratios: Object.fromEntries(result.ratios.map((ratio) => [`replicas_rps_${ratio.era}`, finite(ratio.rpsRatio)])),
  });
}
