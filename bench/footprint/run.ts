// `npm run bench:footprint`: what the gateway costs to start and to hold,
// routing only and with the full chain (a real token, durable SQLite audit,
// the default policy chain): time to listening and to ready, idle RSS, the
// highest RSS under 64 closed-loop clients and what it settles to 20 s
// after, and the import time of the gateway module with and without the
// compile cache. About 90 s on two cores;
// docs/benchmarks.md records its figures. The gateways run what `npm start`
// runs: the bundle (scripts/build-bundle.ts, built first into
// packages/gateway/dist); `--entry source` runs the sources through
// cli/gatehouse.mjs instead. `--root DIR` measures another
// checkout instead (its cli/main.ts, e.g. main before a change), `--json`
// adds one machine-readable line, `--gateway-node-options=--max-semi-space-size=4`
// starts the gateways (only them: not the backend or this load generator)
// with those Node/V8 flags after the shipped ones (a flag given twice: the
// later wins), to weigh a flag's memory against its rate.

import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';

import { backendScripts, startHttpBackend } from '../../packages/testing/src/backends/launch.ts';
import { createCleanup, runCleanupOnSignals } from '../cleanup.ts';
import { createIdSequence, openClientFleet } from '../client-fleet.ts';
import { fetchAgentToken } from '../feature-run.ts';
import { AUDIT_YAML, AUTHENTICATION_YAML, DEFAULT_CHAIN_YAML } from '../features.ts';
import { startGatewayProcess } from '../gateway-process.ts';
import { startLoad } from '../load-generator.ts';
import { readRssBreakdown, readRssBytes } from '../process-memory.ts';
import { readCpuMs } from '../process-cpu.ts';
import { buildGatewayBundle } from '../../packages/gateway/scripts/build-bundle.ts';
import { formatFootprintReport, footprintGoals, type ImportFootprint, type ProfileFootprint } from './figures.ts';

function parseOptions() {
  try {
    const parsed = parseArgs({ options: { root: { type: 'string' }, json: { type: 'boolean', default: false }, 'gateway-node-options': { type: 'string' }, entry: { type: 'string', default: 'bundle' } } });
    if (parsed.values.entry !== 'bundle' && parsed.values.entry !== 'source') throw new Error(`--entry takes bundle or source, not "${parsed.values.entry}"`);
    return parsed.values;
  } catch (error) {
    process.stderr.write(`bench:footprint: ${(error as Error).message}\n`);
    process.exit(2);
  }
}
const options = parseOptions();
// On the gateway's command line after the shipped flags (GATEWAY_NODE_FLAGS), so
// one given here replaces them: in NODE_OPTIONS the command line would win.
const gatewayNodeFlags = options['gateway-node-options']?.split(/\s+/).filter((flag) => flag !== '') ?? [];

/** What npm start runs (the bundle, built now), this checkout's compile-cached source entry, or another checkout's plain CLI for a before/after comparison. */
async function chooseEntry(): Promise<string> {
  if (options.root !== undefined) return join(options.root, 'packages/gateway/src/cli/main.ts');
  if (options.entry === 'source') return fileURLToPath(new URL('../../packages/gateway/src/cli/gatehouse.mjs', import.meta.url));
  process.stderr.write('bench:footprint: bundling the gateway (what npm start runs)\n');
  return buildGatewayBundle();
}
const gatewayModule = join(options.root ?? fileURLToPath(new URL('../../', import.meta.url)), 'packages/gateway/src/gateway.ts');
const importProbe = fileURLToPath(new URL('./import-probe.ts', import.meta.url));
const runFile = promisify(execFile);

const idleSettleMs = 1_000;
const loadMs = 6_000;
const loadConcurrency = 64;
const rssSampleMs = 200;
/** Past V8's memory reducer, which runs about 10-15 s after the allocation rate drops. */
const settleAfterLoadMs = 20_000;

const PROFILES: ReadonlyArray<{ profile: ProfileFootprint['profile']; extraYaml: string; isAuthenticated: boolean }> = [
  { profile: 'routing', extraYaml: '', isAuthenticated: false },
  { profile: 'full', extraYaml: AUTHENTICATION_YAML + AUDIT_YAML + DEFAULT_CHAIN_YAML, isAuthenticated: true },
];

async function measureProfile(cliEntry: string, backendUrl: string, spec: (typeof PROFILES)[number], nextId: () => number): Promise<ProfileFootprint> {
  const spawnedAt = performance.now();
  const gateway = await startGatewayProcess(backendUrl, spec.extraYaml, { waitFor: 'listening', cli: cliEntry, nodeFlags: gatewayNodeFlags });
  const listeningMs = performance.now() - spawnedAt;
  try {
    await waitForReady(gateway.adminUrl!);
    const readyMs = performance.now() - spawnedAt;
    const pid = gateway.process.pid!;
    const readyCpuMs = await readCpuMs(pid);
    await sleep(idleSettleMs);
    const { rssBytes: idleRssBytes, fileBytes: idleRssFileBytes } = await readRssBreakdown(pid);
    const headers = spec.isAuthenticated ? { authorization: `Bearer ${await fetchAgentToken(gateway.url)}` } : undefined;
    const fleet = await openClientFleet(gateway.url, 'bench__echo', '2026-07-28', loadConcurrency, nextId, headers);
    try {
      let loadRssBytes = await readRssBytes(pid);
      const loadStartCpuMs = await readCpuMs(pid);
      const load = startLoad(fleet.clients, { kind: 'duration', durationMs: loadMs }, nextId);
      let isLoading = true;
      const sampling = (async () => {
        while (isLoading) {
          loadRssBytes = Math.max(loadRssBytes, await readRssBytes(pid));
          await sleep(rssSampleMs);
        }
      })();
      const result = await load.finished;
      const loadCpuMs = (await readCpuMs(pid)) - loadStartCpuMs;
      isLoading = false;
      await sampling;
      if (result.errors > 0) process.stderr.write(`bench:footprint: ${spec.profile}: ${result.errors} errors, first: ${result.firstError}\n`);
      await sleep(settleAfterLoadMs);
      const settledRssBytes = await readRssBytes(pid);
      return { profile: spec.profile, listeningMs, readyMs, readyCpuMs, idleRssBytes, idleRssFileBytes, loadRssBytes, loadRps: result.succeededInWindow / (result.windowMs / 1000), loadCpuUsPerCall: (loadCpuMs * 1000) / Math.max(1, result.succeeded + result.errors), loadErrors: result.errors, settledRssBytes };
    } finally {
      await fleet.close();
    }
  } finally {
    await gateway.close();
  }
}

/** Polls /readyz every 5 ms: finer than the launcher's 100 ms, since ready time is a figure here. */
async function waitForReady(adminUrl: string): Promise<void> {
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline) {
    const status = await fetch(`${adminUrl}/readyz`).then((response) => (void response.body?.cancel(), response.status), () => 0);
    if (status === 200) return;
    await sleep(5);
  }
  throw new Error(`the gateway at ${adminUrl} was not ready within 30 s`);
}

async function measureImport(): Promise<ImportFootprint> {
  const cacheDirectory = await mkdtemp(join(tmpdir(), 'gatehouse-compile-cache-'));
  const probe = async (args: string[]) => JSON.parse((await runFile(process.execPath, [importProbe, '--gateway', gatewayModule, ...args])).stdout) as { importMs: number; rssBytes: number };
  try {
    const cold = await probe([]);
    await probe(['--compile-cache', cacheDirectory]);
    const warm = await probe(['--compile-cache', cacheDirectory]);
    return { coldMs: cold.importMs, warmMs: warm.importMs, rssBytes: cold.rssBytes };
  } finally {
    await rm(cacheDirectory, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const cleanup = createCleanup();
  runCleanupOnSignals(cleanup);
  try {
    const cliEntry = await chooseEntry();
    const importing = await measureImport();
    const backend = await startHttpBackend(backendScripts.v2);
    cleanup.add('the backend', () => backend.close());
    const nextId = createIdSequence();
    const profiles: ProfileFootprint[] = [];
    for (const spec of PROFILES) {
      process.stderr.write(`bench:footprint: ${spec.profile}\n`);
      profiles.push(await measureProfile(cliEntry, backend.url, spec, nextId));
    }
    const nodeOptions = options['gateway-node-options'] === undefined ? '' : ` (node options: ${options['gateway-node-options']})`;
    process.stdout.write(`gateway: ${cliEntry}${nodeOptions}\n${formatFootprintReport(profiles, importing)}\n`);
    if (options.json) {
      const full = profiles.find((profile) => profile.profile === 'full')!;
      process.stdout.write(`${JSON.stringify({ profiles, import: importing, goals: footprintGoals(full) })}\n`);
    }
    const errors = profiles.reduce((total, profile) => total + profile.loadErrors, 0);
    if (errors > 0) process.stdout.write(`\nTHIS RUN HAD ${errors} ERRORS: its figures are not valid measurements.\n`);
    return errors > 0 ? 1 : 0;
  } finally {
    await cleanup.run();
  }
}

process.exitCode = await main();
