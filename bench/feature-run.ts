// `npm run bench -- --features`: for each feature, a gateway with it on and
// its reference gateway (features.ts) serve the same echo load in alternating
// rounds, for both eras at c=64; the report is feature rps / reference rps.

import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { openClientFleet } from './client-fleet.ts';
import type { Cleanup } from './cleanup.ts';
import { describeScenario, measureSidesInRounds, type ComparisonSettings, type Side, toolNameFor } from './compare.ts';
import { featureRatio, type Feature, type FeatureRatio, REFERENCE_YAML, type ReferenceName } from './features.ts';
import { type GatewayProcess, startGatewayProcess } from './gateway-process.ts';
import { eraNames, type ScenarioResult } from './report.ts';

const gatewayMain = fileURLToPath(new URL('../packages/gateway/src/cli/main.ts', import.meta.url));
const runFile = promisify(execFile);

export const featureConcurrency = 64;

export interface FeatureRunResult {
  scenarios: ScenarioResult[];
  ratios: FeatureRatio[];
}

/** Accepts OTLP/HTTP exports and throws them away: tracing pays for its export, the bench does not keep spans. */
export async function startTraceSink(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A token for the embedded IdP's `admin` agent, the way a script gets one: `gatehouse token`. */
export async function fetchAgentToken(gatewayUrl: string): Promise<string> {
  const { stdout } = await runFile(process.execPath, [gatewayMain, 'token', '--agent', 'admin', '--gateway', gatewayUrl]);
  const token = stdout.trim().split('\n').at(-1);
  if (token === undefined || token === '') throw new Error(`gatehouse token printed no token: ${stdout}`);
  return token;
}

async function compareGateways(
  reference: { name: string; gateway: GatewayProcess },
  feature: { name: string; gateway: GatewayProcess; headers: Record<string, string> | undefined },
  backendPid: number,
  settings: ComparisonSettings,
  nextId: () => number,
  era: (typeof eraNames)[number],
): Promise<[ScenarioResult, ScenarioResult]> {
  const sides: Side[] = [];
  try {
    const toolName = toolNameFor('gateway', era);
    sides.push({ name: `${reference.name}-${era}`, fleet: await openClientFleet(reference.gateway.url, toolName, era, featureConcurrency, nextId), gatewayPid: reference.gateway.process.pid });
    sides.push({ name: `${feature.name}-${era}`, fleet: await openClientFleet(feature.gateway.url, toolName, era, featureConcurrency, nextId, feature.headers), gatewayPid: feature.gateway.process.pid });
    return await measureSidesInRounds([sides[0]!, sides[1]!], backendPid, featureConcurrency, settings, nextId);
  } finally {
    await Promise.all(sides.map((side) => side.fleet.close()));
  }
}

export async function runFeatures(
  backend: { url: string; pid: number },
  features: readonly Feature[],
  settings: ComparisonSettings,
  cleanup: Cleanup,
  nextId: () => number,
): Promise<FeatureRunResult> {
  const sink = features.some((feature) => feature.extraYaml.includes('${OTLP_URL}')) ? await startTraceSink() : undefined;
  if (sink !== undefined) cleanup.add('the trace sink', () => sink.close());
  const references = new Map<ReferenceName, GatewayProcess>();
  for (const name of new Set(features.map((feature) => feature.reference))) {
    const gateway = await startGatewayProcess(backend.url, REFERENCE_YAML[name]);
    cleanup.add(`the ${name} gateway`, () => gateway.close());
    references.set(name, gateway);
  }

  const scenarios: ScenarioResult[] = [];
  const ratios: FeatureRatio[] = [];
  for (const [index, feature] of features.entries()) {
    process.stderr.write(`bench: [${index + 1}/${features.length}] ${feature.name} (${feature.description}) vs ${feature.reference}\n`);
    const gateway = await startGatewayProcess(backend.url, feature.extraYaml.replaceAll('${OTLP_URL}', sink?.url ?? ''));
    cleanup.add(`the ${feature.name} gateway`, () => gateway.close());
    try {
      const headers = feature.isAuthenticated ? { authorization: `Bearer ${await fetchAgentToken(gateway.url)}` } : undefined;
      for (const era of eraNames) {
        const [referenceResult, featureResult] = await compareGateways(
          { name: feature.reference, gateway: references.get(feature.reference)! },
          { name: feature.name, gateway, headers },
          backend.pid,
          settings,
          nextId,
          era,
        );
        for (const result of [referenceResult, featureResult]) process.stderr.write(`bench:   ${describeScenario(result)}\n`);
        scenarios.push(referenceResult, featureResult);
        ratios.push(featureRatio(feature, era, featureResult, referenceResult));
      }
    } finally {
      await gateway.close();
    }
  }
  return { scenarios, ratios };
}

export function formatFeatureRatios(ratios: readonly FeatureRatio[], features: readonly Feature[]): string {
  const rows = [['feature', 'era', 'rps ratio', 'goal', 'verdict', 'reference']];
  for (const ratio of ratios) {
    const feature = features.find((candidate) => candidate.name === ratio.feature)!;
    rows.push([ratio.feature, ratio.era, Number.isNaN(ratio.value) ? 'n/a' : ratio.value.toFixed(3), `>= ${ratio.goal} (issue ${feature.issue})`, ratio.isMet ? 'pass' : 'miss', feature.reference]);
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}

export function formatFeatureJson(result: FeatureRunResult): string {
  const finite = (value: number) => (Number.isFinite(value) ? Number(value.toFixed(3)) : null);
  return JSON.stringify({
    concurrency: featureConcurrency,
    scenarios: result.scenarios.map((scenario) => ({ name: scenario.name, rps: finite(scenario.rps), p50_ms: finite(scenario.p50_ms), p99_ms: finite(scenario.p99_ms), requests: scenario.requests, errors: scenario.errors, gateway_cpu_us: scenario.gateway_cpu_us === null ? null : finite(scenario.gateway_cpu_us) })),
    ratios: Object.fromEntries(result.ratios.map((ratio) => [`${ratio.feature}_${ratio.era}`, finite(ratio.value)])),
    verdicts: Object.fromEntries(result.ratios.map((ratio) => [`${ratio.feature}_${ratio.era}`, ratio.isMet ? 'pass' : 'miss'])),
  });
}
