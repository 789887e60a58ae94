// `node bench/call-cost/run.ts`: what one configuration of the gateway costs
// per call, thread by thread. Starts the gateway as a child with the named
// configuration in front of the SDK v1 echo server over stdio (the peers
// bench's backend; --backend http-v1 or http-v2 puts an SDK echo server
// behind it over HTTP instead), drives `concurrency` closed-loop echo clients for a
// warm-up and then the measured seconds, and prints req/s, p50, the gateway's
// CPU µs per call and how it splits over its threads (event loop, V8's GC
// helpers, the audit writer). With --cpu-prof DIR the gateway writes V8 CPU
// profiles there (one per thread) when it stops. The backend's CPU per call
// (the gateway's child processes) is printed too: what the gateway sends it
// and how changes what the echo server spends, and the gateway's RSS over
// the measured seconds (its peak and its last reading: use --seconds 15 or
// more for what sustained load holds). One configuration per run, so that
// runs can alternate: compare figures from runs next to each other.
//
//   node bench/call-cost/run.ts --config full --concurrency 64 --seconds 5
//   node bench/call-cost/run.ts --config audit-normal --concurrency 1 --cpu-prof /tmp/prof
//   node bench/call-cost/run.ts --config full --gateway-node-options=--max-semi-space-size=4
//   node bench/call-cost/run.ts --config routing --concurrency 1 --gc-trace
//   node bench/call-cost/run.ts --config plain --gc-trace --full-gc
//   node bench/call-cost/run.ts --config routing --backend http-v2
//
// --gc-trace starts the gateway with --trace-gc-nvp and adds what its garbage
// collector did during the measured seconds: young and full collections,
// their pause, and the bytes promoted to the old generation per call.
// --full-gc forces one full collection in the gateway after the warm-up, so
// the measured seconds show what a process does once a full collection has
// happened under load, as one always does in a long run.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openClientFleet, createIdSequence } from '../client-fleet.ts';
import { fetchAgentToken } from '../feature-run.ts';
import { benchGatewayConfig } from '../gateway-process.ts';
import { startLoad } from '../load-generator.ts';
import { stdioEchoBackendYaml } from '../peers/peer-run.ts';
import { readCpuMs } from '../process-cpu.ts';
import { readRssBytes } from '../process-memory.ts';
import type { EraName } from '../report.ts';
import { FULL_GC_ON_SIGNAL_PRELOAD, startGateway } from '../../packages/testing/src/gateway/launch-gateway.ts';
import { backendScripts, startHttpBackend } from '../../packages/testing/src/backends/launch.ts';
import { callCostConfig, CALL_COST_CONFIGS, type CallCostConfigName } from './configs.ts';
import { summarizeGcTrace } from './gc-trace.ts';
import { childrenCpuMs, cpuPerCallByThread, readThreadCpu } from './thread-cpu.ts';

function parseOptions() {
  try {
    return parseArgs({
      options: {
        config: { type: 'string', default: 'full' },
        concurrency: { type: 'string', default: '64' },
        seconds: { type: 'string', default: '5' },
        'warmup-seconds': { type: 'string', default: '1.5' },
        era: { type: 'string', default: '2025-11-25' },
        'cpu-prof': { type: 'string' },
        'gateway-node-options': { type: 'string' },
        'gc-trace': { type: 'boolean', default: false },
        'full-gc': { type: 'boolean', default: false },
        backend: { type: 'string', default: 'stdio' },
        json: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    process.stderr.write(`call-cost: ${(error as Error).message}\n`);
    process.exit(2);
  }
}
const { values } = parseOptions();

let config: ReturnType<typeof callCostConfig>;
try {
  config = callCostConfig(values.config!);
} catch (error) {
  process.stderr.write(`call-cost: ${(error as Error).message}\n`);
  process.exit(2);
}
const concurrency = Number(values.concurrency);
const seconds = Number(values.seconds);
if (!Number.isInteger(concurrency) || concurrency < 1 || !(seconds > 0)) {
  process.stderr.write(`call-cost: --concurrency must be a positive integer and --seconds positive (choose --config from ${Object.keys(CALL_COST_CONFIGS).join(', ')})\n`);
  process.exit(2);
}

const backendKind = values.backend!;
if (backendKind !== 'stdio' && backendKind !== 'http-v1' && backendKind !== 'http-v2') {
  process.stderr.write(`call-cost: --backend takes stdio (SDK v1 over stdio, the default), http-v1 (SDK v1 over HTTP) or http-v2 (SDK v2 over HTTP), not "${backendKind}"\n`);
  process.exit(2);
}
// An HTTP backend runs beside the gateway, not as its child: its CPU is read from its own process.
const httpBackend = backendKind === 'stdio' ? undefined : await startHttpBackend(backendKind === 'http-v2' ? backendScripts.v2 : backendScripts.v1);
const backendYaml = httpBackend === undefined ? stdioEchoBackendYaml() : ['backends:', '  - name: b', `    url: ${httpBackend.url}`, '    timeout_ms: 30000', ''].join('\n');
const backendCpuMs = (gatewayPid: number) => (httpBackend === undefined ? childrenCpuMs(gatewayPid) : readCpuMs(httpBackend.process.pid!));

const directory = await mkdtemp(join(tmpdir(), 'gatehouse-call-cost-'));
const configPath = join(directory, 'gatehouse.yaml');
await writeFile(configPath, benchGatewayConfig('', config.extraYaml.replaceAll('${BENCH_DIR}', directory), backendYaml));
const env: Record<string, string> = { GATEHOUSE_LOG_LEVEL: 'warn' };
const isGcTraced = values['gc-trace'] === true;
const isFullGcForced = values['full-gc'] === true;
// On the command line after the shipped flags, so that one given here replaces them (NODE_OPTIONS could not).
const nodeFlags = [
  ...(values['gateway-node-options']?.split(/\s+/).filter((flag) => flag !== '') ?? []),
  ...(values['cpu-prof'] === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`]),
  ...(isGcTraced ? ['--trace-gc-nvp'] : []),
  ...(isFullGcForced ? ['--expose-gc', '--require', FULL_GC_ON_SIGNAL_PRELOAD] : []),
];
// A trace line per collection: kept whole for the measured seconds (a few hundred kilobytes).
const gateway = await startGateway({
  args: ['--config', configPath, '--port', '0', '--admin-port', '0'], env, timeoutMs: 60_000,
  nodeFlags,
  ...(isGcTraced ? { outputTailChars: 256 * 1024 * 1024 } : {}),
});
try {
  const url = config.path === 'backend' ? new URL('/servers/b/mcp', gateway.url).href : gateway.url;
  const headers = config.isAuthenticated ? { authorization: `Bearer ${await fetchAgentToken(gateway.url)}` } : undefined;
  const nextId = createIdSequence();
  const fleet = await openClientFleet(url, config.path === 'backend' ? 'echo' : 'b__echo', values.era as EraName, concurrency, nextId, headers);
  try {
    const pid = gateway.process.pid!;
    await startLoad(fleet.clients, { kind: 'duration', durationMs: Number(values['warmup-seconds']) * 1000 }, nextId).finished;
    if (isFullGcForced) {
      process.kill(pid, 'SIGUSR2');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const [threadsBefore, cpuBefore, childrenBefore] = [await readThreadCpu(pid), await readCpuMs(pid), await backendCpuMs(pid)];
    const traceStart = gateway.stdout().length;
    // The gateway's RSS through the measured seconds: what sustained load holds, which a short burst does not show.
    let rssMaxBytes = 0;
    const rssSampler = setInterval(() => void readRssBytes(pid).then((bytes) => (rssMaxBytes = Math.max(rssMaxBytes, bytes)), () => {}), 250);
    const result = await startLoad(fleet.clients, { kind: 'duration', durationMs: seconds * 1000 }, nextId).finished;
    clearInterval(rssSampler);
    const rssEndBytes = await readRssBytes(pid);
    const [threadsAfter, cpuAfter, childrenAfter] = [await readThreadCpu(pid), await readCpuMs(pid), await backendCpuMs(pid)];
    const gc = isGcTraced ? summarizeGcTrace(gateway.stdout().slice(traceStart)) : undefined;
    const latencies = Array.from(result.latenciesMs.subarray(0, result.succeeded)).sort((a, b) => a - b);
    const figures = {
      config: values.config,
      backend: backendKind,
      concurrency,
      full_gc_forced: isFullGcForced,
      rps: Math.round(result.succeededInWindow / (result.windowMs / 1000)),
      p50_ms: Number((latencies[Math.floor(latencies.length / 2)] ?? Number.NaN).toFixed(3)),
      p90_ms: Number((latencies[Math.floor(latencies.length * 0.9)] ?? Number.NaN).toFixed(3)),
      p99_ms: Number((latencies[Math.floor(latencies.length * 0.99)] ?? Number.NaN).toFixed(3)),
      errors: result.errors,
      gateway_cpu_us_per_call: result.succeeded > 0 ? Math.round(((cpuAfter - cpuBefore) * 1000) / result.succeeded) : null,
      threads_cpu_us_per_call: cpuPerCallByThread(threadsBefore, threadsAfter, result.succeeded),
      rss_max_mb: Number((Math.max(rssMaxBytes, rssEndBytes) / 1048576).toFixed(1)),
      rss_end_mb: Number((rssEndBytes / 1048576).toFixed(1)),
      backend_cpu_us_per_call: result.succeeded > 0 ? Math.round(((childrenAfter - childrenBefore) * 1000) / result.succeeded) : null,
      ...(gc === undefined ? {} : {
        gc: {
          scavenges: gc.scavenges,
          mark_compacts: gc.markCompacts,
          pause_ms: Math.round(gc.pauseMs),
          promoted_bytes_per_call: result.succeeded > 0 ? Math.round(gc.promotedBytes / result.succeeded) : null,
          allocated_bytes_per_call: result.succeeded > 0 ? Math.round(gc.allocatedBytes / result.succeeded) : null,
        },
      }),
    };
    if (values.json) process.stdout.write(`${JSON.stringify(figures)}\n`);
    else {
      const threads = Object.entries(figures.threads_cpu_us_per_call).filter(([, us]) => us > 0).map(([name, us]) => `${name} ${us}`).join(', ');
      process.stdout.write(`${figures.config}${backendKind === 'stdio' ? '' : ` (${backendKind} backend)`} c=${concurrency}${isFullGcForced ? ' (after a forced full GC)' : ''}: ${figures.rps} req/s, p50 ${figures.p50_ms} ms, p90 ${figures.p90_ms} ms, p99 ${figures.p99_ms} ms, ${figures.errors} errors, gateway CPU ${figures.gateway_cpu_us_per_call} µs/call (${threads}), backend CPU ${figures.backend_cpu_us_per_call} µs/call, gateway RSS at most ${figures.rss_max_mb} MB (${figures.rss_end_mb} MB at the end)\n`);
      if (figures.gc !== undefined) {
        const { gc: traced } = figures;
        process.stdout.write(`  GC: ${traced.scavenges} young and ${traced.mark_compacts} full collections, ${traced.pause_ms} ms paused; promoted ${traced.promoted_bytes_per_call} B/call of ${traced.allocated_bytes_per_call} B/call allocated\n`);
      }
    }
    if (result.errors > 0) {
      process.stderr.write(`call-cost: ${result.errors} calls failed (first: ${result.firstError}); the figures are not valid\n`);
      process.exitCode = 1;
    }
  } finally {
    await fleet.close();
  }
} finally {
  await gateway.close();
  await httpBackend?.close();
  await rm(directory, { recursive: true, force: true });
}
