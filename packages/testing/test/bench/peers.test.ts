// `npm run bench -- --peers`: supergateway and mcp-proxy, pinned from the
// registry, start beside the gateway over the same stdio echo server and every
// answer each side gave is verified (a tiny --quick run, not a measurement);
// and the ratios are judged against the best peer.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { BenchUsageError, parseBenchOptions } from '../../../../bench/options.ts';
import { peerRatios } from '../../../../bench/peers/peer-report.ts';
import type { ScenarioResult } from '../../../../bench/report.ts';

const runFile = promisify(execFile);
const benchRun = fileURLToPath(new URL('../../../../bench/run.ts', import.meta.url));

function scenario(name: string, rps: number, errors = 0): ScenarioResult {
  return { name, concurrency: 64, rps, p50_ms: 1, p99_ms: 2, requests: 1000, errors, client_cpu_us: 1, backend_cpu_us: 1, gateway_cpu_us: 1 };
}

describe('bench peers', () => {
  it('divides each gateway by the faster peer and holds them to 3x and 2x', () => {
    const ratios = peerRatios([scenario('gateway-routing', 12_000), scenario('gateway-full', 6_000), scenario('supergateway', 4_000), scenario('mcp-proxy', 2_500)], 64);
    assert.deepEqual(ratios.map((ratio) => [ratio.key, ratio.bestPeer, ratio.value, ratio.isMet]), [
      ['gateway-routing_over_best_peer_c64', 'supergateway', 3, true],
      ['gateway-full_over_best_peer_c64', 'supergateway', 1.5, false],
    ]);
  });

  it('judges no ratio from a run where any side had errors', () => {
    const ratios = peerRatios([scenario('gateway-routing', 12_000), scenario('gateway-full', 6_000), scenario('supergateway', 4_000), scenario('mcp-proxy', 2_500, 3)], 64);
    assert.ok(ratios.every((ratio) => Number.isNaN(ratio.value) && !ratio.isMet));
  });

  it('takes --quick only with --peers, and then measures c=1 and 4 briefly', () => {
    assert.throws(() => parseBenchOptions(['--quick']), BenchUsageError);
    assert.throws(() => parseBenchOptions(['--peers', '--soak']), BenchUsageError);
    const quick = parseBenchOptions(['--peers', '--quick']);
    assert.deepEqual([quick.mode, quick.peerConcurrencies, quick.rounds, quick.warmupMs], ['peers', [1, 4], 1, 0]);
    assert.deepEqual(parseBenchOptions(['--peers']).peerConcurrencies, [1, 64]);
  });

  it('starts supergateway and mcp-proxy beside both gateways, and every answer each gave is verified', { timeout: 300_000 }, async () => {
    const { stdout } = await runFile(process.execPath, [benchRun, '--peers', '--quick', '--json'], { maxBuffer: 16 * 1024 * 1024 }).catch((error: { stdout?: string; stderr?: string }) => {
      // The run exits 1 when a side had errors: show what it said.
      throw new Error(`bench --peers --quick failed:\n${error.stdout ?? ''}\n${(error.stderr ?? '').slice(-4000)}`, { cause: error });
    });
    const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as { scenarios: Array<{ name: string; concurrency: number; requests: number; errors: number }>; ratios: Record<string, number | null> };
    assert.deepEqual(
      report.scenarios.map((side) => `${side.name} c=${side.concurrency}`),
      [1, 4].flatMap((concurrency) => ['gateway-routing', 'gateway-full', 'supergateway', 'mcp-proxy'].map((name) => `${name} c=${concurrency}`)),
    );
    for (const side of report.scenarios) {
      assert.equal(side.errors, 0, `${side.name} c=${side.concurrency} had errors`);
      assert.ok(side.requests > 0, `${side.name} c=${side.concurrency} answered nothing`);
    }
    assert.deepEqual(Object.keys(report.ratios), ['gateway-routing_over_best_peer_c4', 'gateway-full_over_best_peer_c4']);
  });
});
