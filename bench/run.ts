// `npm run bench`: starts the SDK v2 test backend and the gateway as child
// processes, then runs the direct-versus-gateway comparison (or, with --soak,
// the memory soak; with --peers, the gateway beside supergateway and
// mcp-proxy over a stdio server) and prints the report; see docs/benchmarks.md.

import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

import { backendScripts, startHttpBackend } from '../packages/testing/src/backends/launch.ts';
import { createCleanup, runCleanupOnSignals } from './cleanup.ts';
import { createIdSequence } from './client-fleet.ts';
import { runComparison } from './compare.ts';
import { formatFeatureJson, formatFeatureRatios, runFeatures } from './feature-run.ts';
import { selectFeatures, UnknownFeatureError } from './features.ts';
import { formatReplicaJson, formatReplicaRatios, runReplicas } from './replica-run.ts';
import { startGatewayProcess } from './gateway-process.ts';
import { BenchUsageError, parseBenchOptions, usage } from './options.ts';
import { computeRatios, formatJsonReport, formatRatioTable, formatScenarioTable } from './report.ts';
import { runPeers } from './peers/peer-run.ts';
import { formatPeerJson, formatPeerReport } from './peers/peer-report.ts';
import { runSoak } from './soak.ts';
import { formatSoakJson, formatSoakReport } from './soak-report.ts';

const referenceProxyScript = fileURLToPath(new URL('./reference-proxy.ts', import.meta.url));
const referenceTcpPipeScript = fileURLToPath(new URL('./reference-tcp-pipe.ts', import.meta.url));

function describeMachine(): string {
  const processors = cpus();
  const memoryGiB = (totalmem() / 1024 ** 3).toFixed(0);
  const load = loadavg().map((value) => value.toFixed(2)).join(' ');
  return [
    `machine: ${processors.length} CPUs (${processors[0]?.model ?? 'unknown'}), ${memoryGiB} GiB, Node ${process.version}, ${process.platform}`,
    `load average before the run: ${load} (load generator, gateway and backend share these CPUs)`,
  ].join('\n');
}

async function main(): Promise<number> {
  let options;
  try {
    options = parseBenchOptions(process.argv.slice(2));
    if (options.mode === 'features') selectFeatures(options.features);
  } catch (error) {
    if (!(error instanceof BenchUsageError) && !(error instanceof UnknownFeatureError) && (error as { code?: unknown }).code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw error;
    process.stderr.write(`bench: ${(error as Error).message}\n${usage}`);
    return 2;
  }
  if (options.isHelp) {
    process.stdout.write(usage);
    return 0;
  }

  const cleanup = createCleanup();
  runCleanupOnSignals(cleanup);
  try {
    if (options.mode === 'peers') {
      process.stderr.write('bench: starting the gateways, supergateway and mcp-proxy over the SDK v1 echo server on stdio\n');
      process.stdout.write(`${describeMachine()}\n\n`);
      const result = await runPeers(options.peerConcurrencies, options, cleanup, createIdSequence());
      const errors = result.scenarios.reduce((total, scenario) => total + scenario.errors, 0);
      process.stdout.write(`${formatPeerReport(result.scenarios, result.ratios)}\n`);
      if (errors > 0) process.stdout.write(`\nTHIS RUN HAD ${errors} ERRORS: its figures are not valid measurements.\n`);
      if (options.isJson) process.stdout.write(`${formatPeerJson(result.scenarios, result.ratios)}\n`);
      return errors > 0 ? 1 : 0;
    }
    process.stderr.write('bench: starting the SDK v2 backend and the gateway\n');
    const backend = await startHttpBackend(backendScripts.v2);
    cleanup.add('the backend', () => backend.close());
    if (options.mode === 'features') {
      process.stdout.write(`${describeMachine()}\n\n`);
      const features = selectFeatures(options.features);
      const result = await runFeatures({ url: backend.url, pid: backend.process.pid! }, features, options, cleanup, createIdSequence());
      const errors = result.scenarios.reduce((total, scenario) => total + scenario.errors, 0);
      process.stdout.write(`${formatScenarioTable(result.scenarios)}\n\n${formatFeatureRatios(result.ratios, features)}\n`);
      if (errors > 0) process.stdout.write(`\nTHIS RUN HAD ${errors} ERRORS: its figures are not valid measurements.\n`);
      if (options.isJson) process.stdout.write(`${formatFeatureJson(result)}\n`);
      return errors > 0 ? 1 : 0;
    }
    if (options.mode === 'replicas') {
      process.stdout.write(`${describeMachine()}\n\n`);
      const result = await runReplicas({ url: backend.url, pid: backend.process.pid! }, options.replicas, options, cleanup, createIdSequence());
      const errors = result.scenarios.reduce((total, scenario) => total + scenario.errors, 0);
      process.stdout.write(`${formatScenarioTable(result.scenarios)}\n\n${formatReplicaRatios(result)}\n`);
      if (errors > 0) process.stdout.write(`\nTHIS RUN HAD ${errors} ERRORS: its figures are not valid measurements.\n`);
      if (options.isJson) process.stdout.write(`${formatReplicaJson(result)}\n`);
      return errors > 0 ? 1 : 0;
    }
    const gateway = await startGatewayProcess(backend.url);
    cleanup.add('the gateway', () => gateway.close());
    process.stderr.write(`bench: backend ${backend.url}, gateway ${gateway.url} (pid ${gateway.process.pid})\n`);
    process.stdout.write(`${describeMachine()}\n\n`);

    if (options.mode === 'soak') {
      const result = await runSoak(gateway.url, gateway.process.pid!, options.stop.kind === 'requests' ? options.stop.requests : 1_000_000);
      process.stdout.write(`${formatSoakReport(result)}\n`);
      if (options.isJson) process.stdout.write(`${formatSoakJson(result)}\n`);
      return result.errors > 0 ? 1 : 0;
    }

    const pipe = await startHttpBackend(referenceTcpPipeScript, ['--target', backend.url]);
    cleanup.add('the TCP pipe', () => pipe.close());
    const floor = await startHttpBackend(referenceProxyScript, ['--target', backend.url]);
    cleanup.add('the reference proxy', () => floor.close());
    const results = await runComparison(
      { direct: backend.url, pipe: pipe.url, floor: floor.url, gateway: gateway.url },
      { backend: backend.process.pid!, pipe: pipe.process.pid!, floor: floor.process.pid!, gateway: gateway.process.pid! },
      options,
    );
    const ratios = computeRatios(results);
    const errors = results.reduce((total, result) => total + result.errors, 0);
    process.stdout.write(`${formatScenarioTable(results)}\n\n${formatRatioTable(ratios)}\n`);
    if (errors > 0) process.stdout.write(`\nTHIS RUN HAD ${errors} ERRORS: its figures are not valid measurements.\n`);
    if (options.isJson) process.stdout.write(`${formatJsonReport(results, ratios)}\n`);
    return errors > 0 ? 1 : 0;
  } catch (error) {
    if (cleanup.isStopping()) return 1;
    process.stderr.write(`bench: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  } finally {
    await cleanup.run();
  }
}

process.exitCode = await main();
