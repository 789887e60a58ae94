// `node bench/tracing/added-latency.ts`: the latency tracing adds to one
// `tools/call` at concurrency 1, p50 of a gateway with tracing on (sampling
// 100%, OTLP/HTTP protobuf to a sink in the bench) minus the same gateway with
// tracing off, both eras, in rotating rounds. `--baseline DIR` adds a third
// gateway, tracing on, from another checkout (its cli/main.ts): how the
// hand-written tracer compared with the OpenTelemetry SDK
// (docs/observability.md, "Cost"). `--full-chain` measures over the
// enterprise configuration (a real token, durable SQLite audit, the default
// policy chain) instead of routing only. The goal (docs/benchmarks.md): added p50 <= 0.15 ms.

import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { backendScripts, startHttpBackend } from '../../packages/testing/src/backends/launch.ts';
import { createCleanup, runCleanupOnSignals } from '../cleanup.ts';
import { createIdSequence, openClientFleet } from '../client-fleet.ts';
import { describeScenario, measureSidesInRounds, type Side, toolNameFor } from '../compare.ts';
import { fetchAgentToken, startTraceSink } from '../feature-run.ts';
import { AUDIT_YAML, AUTHENTICATION_YAML, DEFAULT_CHAIN_YAML } from '../features.ts';
import { type GatewayProcess, startGatewayProcess } from '../gateway-process.ts';
import { eraNames, type ScenarioResult } from '../report.ts';

const { values: options } = parseArgs({
  options: {
    baseline: { type: 'string' },
    'full-chain': { type: 'boolean', default: false },
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
  },
});

const goalAddedP50Ms = 0.15;
const tracingYaml = 'telemetry:\n  tracing:\n    enabled: true\n    endpoint: ${OTLP_URL}\n    sampling_ratio: 1\n';
const chainYaml = options['full-chain'] ? AUTHENTICATION_YAML + AUDIT_YAML + DEFAULT_CHAIN_YAML : '';
const settings = {
  stop: { kind: 'duration' as const, durationMs: Number(options.duration) * 1000 },
  rounds: Number(options.rounds),
  warmupMs: Number(options.warmup) * 1000,
};

interface Contender {
  name: string;
  gateway: GatewayProcess;
  headers: Record<string, string> | undefined;
}

async function main(): Promise<number> {
  const cleanup = createCleanup();
  runCleanupOnSignals(cleanup);
  try {
    const backend = await startHttpBackend(backendScripts.v2);
    cleanup.add('the backend', () => backend.close());
    const sink = await startTraceSink();
    cleanup.add('the trace sink', () => sink.close());
    const start = async (name: string, yaml: string, cli?: string): Promise<Contender> => {
      const gateway = await startGatewayProcess(backend.url, chainYaml + yaml.replaceAll('${OTLP_URL}', sink.url), cli === undefined ? {} : { cli });
      cleanup.add(`the ${name} gateway`, () => gateway.close());
      const headers = options['full-chain'] ? { authorization: `Bearer ${await fetchAgentToken(gateway.url)}` } : undefined;
      return { name, gateway, headers };
    };
    const contenders = [await start('off', ''), await start('sdk', tracingYaml)];
    if (options.baseline !== undefined) contenders.push(await start('baseline', tracingYaml, join(options.baseline, 'packages/gateway/src/cli/main.ts')));

    const nextId = createIdSequence();
    const results: ScenarioResult[] = [];
    for (const era of eraNames) {
      const sides: Side[] = [];
      try {
        for (const contender of contenders) {
          const fleet = await openClientFleet(contender.gateway.url, toolNameFor('gateway', era), era, 1, nextId, contender.headers);
          sides.push({ name: `${contender.name}-${era}`, fleet, gatewayPid: contender.gateway.process.pid });
        }
        for (const result of await measureSidesInRounds(sides, backend.process.pid!, 1, settings, nextId)) {
          process.stderr.write(`bench: ${describeScenario(result)}\n`);
          results.push(result);
        }
      } finally {
        await Promise.all(sides.map((side) => side.fleet.close()));
      }
    }
    process.stdout.write(`${formatAddedLatency(results, contenders.map((contender) => contender.name))}\n`);
    if (options.json) process.stdout.write(`${JSON.stringify({ chain: options['full-chain'] ? 'full' : 'routing', scenarios: results })}\n`);
    return results.some((result) => result.errors > 0) ? 1 : 0;
  } finally {
    await cleanup.run();
  }
}

/** One row per era and tracing gateway: its p50 minus the tracing-off p50, and the gateway CPU it adds per call. */
export function formatAddedLatency(results: readonly ScenarioResult[], names: readonly string[]): string {
  const rows = [['era', 'tracing', 'p50 ms', 'added p50 ms', 'added gateway CPU µs', 'goal', 'verdict']];
  for (const era of eraNames) {
    const off = results.find((result) => result.name === `off-${era}`)!;
    rows.push([era, 'off', off.p50_ms.toFixed(3), '', '', '', '']);
    for (const name of names.filter((candidate) => candidate !== 'off')) {
      const on = results.find((result) => result.name === `${name}-${era}`)!;
      const added = on.p50_ms - off.p50_ms;
      const addedCpu = (on.gateway_cpu_us ?? 0) - (off.gateway_cpu_us ?? 0);
      rows.push([era, name, on.p50_ms.toFixed(3), added.toFixed(3), addedCpu.toFixed(0), `<= ${goalAddedP50Ms}`, added <= goalAddedP50Ms && on.errors === 0 ? 'pass' : 'miss']);
    }
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}

process.exitCode = await main();
