// Table-driven checks of the bench's pure report math: nearest-rank
// percentiles, throughput and added-latency ratios against the goals, and the
// JSON line `npm run bench -- --json` ends with.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import {
  computeRatios,
  cpuMicrosecondsPerRequest,
  formatJsonReport,
  formatRatioTable,
  formatScenarioTable,
  percentile,
  requestsPerSecond,
  type ScenarioResult,
  summarizeLatencies,
} from '../../../../bench/report.ts';

function scenario(name: string, concurrency: number, rps: number, p50: number, errors = 0): ScenarioResult {
  const gatewayCpu = name.startsWith('gateway') ? 150 : null;
  return { name, concurrency, rps, p50_ms: p50, p99_ms: p50 * 3, requests: 1000, errors, client_cpu_us: 90, backend_cpu_us: 400, gateway_cpu_us: gatewayCpu };
}

const healthyRun: ScenarioResult[] = [
  scenario('direct-2025-11-25', 1, 1000, 1.0),
  scenario('gateway-2025-11-25', 1, 800, 1.2),
  scenario('direct-2025-11-25', 64, 5000, 12),
  scenario('gateway-2025-11-25', 64, 4750, 13),
  scenario('direct-2026-07-28', 1, 1200, 0.8),
  scenario('gateway-2026-07-28', 1, 900, 1.3),
  scenario('direct-2026-07-28', 64, 6000, 10),
  scenario('gateway-2026-07-28', 64, 3000, 21),
];

/** The reference proxies' scenarios beside healthyRun: the HTTP floor and the TCP pipe, at c=1 and c=64 in both eras. */
const referenceRows = (target: 'floor' | 'pipe', [legacy1, legacy64, modern1, modern64]: Array<[rps: number, p50Ms: number]>) => [
  scenario(`${target}-2025-11-25`, 1, ...legacy1!),
  scenario(`${target}-2025-11-25`, 64, ...legacy64!),
  scenario(`${target}-2026-07-28`, 1, ...modern1!),
  scenario(`${target}-2026-07-28`, 64, ...modern64!),
];
const floorRows = referenceRows('floor', [[900, 1.1], [4900, 12.5], [1000, 1.0], [5400, 11]]);
const pipeRows = referenceRows('pipe', [[950, 1.05], [4750, 12.5], [1050, 0.9], [5500, 11]]);

describe('bench percentiles', () => {
  const table: Array<[samples: number[], q: number, expected: number]> = [
    [[5], 0.5, 5],
    [[5], 0.99, 5],
    [[1, 2, 3, 4], 0.5, 2],
    [[1, 2, 3, 4, 5], 0.5, 3],
    [Array.from({ length: 100 }, (_, index) => index + 1), 0.99, 99],
    [Array.from({ length: 100 }, (_, index) => index + 1), 1, 100],
    [Array.from({ length: 1000 }, (_, index) => index + 1), 0.99, 990],
    [[1, 2, 3], 0, 1],
  ];
  for (const [samples, q, expected] of table) {
    it(`takes the nearest-rank q=${q} of ${samples.length} sorted samples as ${expected}`, () => {
      assert.equal(percentile(Float64Array.from(samples), q), expected);
    });
  }

  it('is NaN for no samples rather than a made-up zero', () => {
    assert.ok(Number.isNaN(percentile(new Float64Array(0), 0.5)));
  });

  it('sorts numerically and ignores the unused tail of the latency buffer', () => {
    const buffer = Float64Array.from([10, 9, 2, 100, 1, 0, 0, 0]);
    assert.deepEqual(summarizeLatencies(buffer, 5), { p50Ms: 9, p99Ms: 100 });
    assert.deepEqual([...buffer.slice(0, 5)], [10, 9, 2, 100, 1], 'the caller’s buffer is left in order');
  });

  it('computes requests per second from a count and milliseconds', () => {
    assert.equal(requestsPerSecond(5000, 2000), 2500);
    assert.equal(requestsPerSecond(10, 0), 0);
  });

  it('charges CPU milliseconds to requests in microseconds each', () => {
    assert.equal(cpuMicrosecondsPerRequest(1500, 5000), 300);
    assert.ok(Number.isNaN(cpuMicrosecondsPerRequest(10, 0)));
  });
});

describe('bench ratios', () => {
  it('divides gateway by direct throughput at c=64 and judges it against 0.9', () => {
    const ratios = computeRatios(healthyRun);
    const legacy = ratios.find((ratio) => ratio.key === 'throughput_c64_2025-11-25')!;
    const modern = ratios.find((ratio) => ratio.key === 'throughput_c64_2026-07-28')!;
    assert.equal(legacy.value, 0.95);
    assert.equal(legacy.isMet, true);
    assert.equal(modern.value, 0.5);
    assert.equal(modern.isMet, false);
  });

  it('subtracts direct from gateway p50 at c=1 and judges it against 0.3 ms', () => {
    const ratios = computeRatios(healthyRun);
    const legacy = ratios.find((ratio) => ratio.key === 'added_p50_ms_c1_2025-11-25')!;
    const modern = ratios.find((ratio) => ratio.key === 'added_p50_ms_c1_2026-07-28')!;
    assert.ok(Math.abs(legacy.value - 0.2) < 1e-9);
    assert.equal(legacy.isMet, true);
    assert.ok(Math.abs(modern.value - 0.5) < 1e-9);
    assert.equal(modern.isMet, false);
  });

  it('gives four ratios in a stable order, two per era', () => {
    assert.deepEqual(
      computeRatios(healthyRun).map((ratio) => ratio.key),
      ['throughput_c64_2025-11-25', 'added_p50_ms_c1_2025-11-25', 'throughput_c64_2026-07-28', 'added_p50_ms_c1_2026-07-28'],
    );
  });

  it('marks a ratio whose scenario had errors as n/a and a miss, never a pass', () => {
    const withErrors = healthyRun.map((result) =>
      result.name === 'gateway-2026-07-28' && result.concurrency === 64 ? { ...result, errors: 3 } : result,
    );
    const modern = computeRatios(withErrors).find((ratio) => ratio.key === 'throughput_c64_2026-07-28')!;
    assert.ok(Number.isNaN(modern.value));
    assert.equal(modern.isMet, false);
    assert.match(formatRatioTable([modern]), /n\/a .* miss/);
  });

  it('adds the floor (reference proxy) as reference rows judged against nothing, after the goals', () => {
    const withFloor = [...healthyRun, ...floorRows];
    const ratios = computeRatios(withFloor);
    assert.deepEqual(ratios.slice(0, 4).map((ratio) => ratio.key), computeRatios(healthyRun).map((ratio) => ratio.key));
    const byKey = new Map(ratios.map((ratio) => [ratio.key, ratio]));
    assert.equal(byKey.get('floor_throughput_c64_2025-11-25')!.value, 0.98);
    assert.ok(Math.abs(byKey.get('floor_added_p50_ms_c1_2026-07-28')!.value - 0.2) < 1e-9);
    assert.ok(Math.abs(byKey.get('gateway_over_floor_p50_ms_c1_2025-11-25')!.value - 0.1) < 1e-9);
    assert.ok(ratios.slice(4).every((ratio) => ratio.isReference === true && ratio.goal === 'reference'));
    assert.equal(ratios.length, 10);
    assert.match(formatRatioTable(ratios), /gateway_over_floor_p50_ms_c1_2026-07-28\s+0\.300\s+reference\s+ref/);
    assert.equal(JSON.parse(formatJsonReport(withFloor, ratios)).verdicts['floor_throughput_c64_2026-07-28'], 'ref');
  });

  it('adds the TCP pipe as reference rows before the floor\'s, so the hop and the HTTP layer read apart', () => {
    const withBoth = [...healthyRun, ...pipeRows, ...floorRows];
    const ratios = computeRatios(withBoth);
    assert.deepEqual(ratios.slice(4, 8).map((ratio) => ratio.key), [
      'pipe_throughput_c64_2025-11-25', 'pipe_added_p50_ms_c1_2025-11-25', 'pipe_throughput_c64_2026-07-28', 'pipe_added_p50_ms_c1_2026-07-28',
    ]);
    const byKey = new Map(ratios.map((ratio) => [ratio.key, ratio]));
    assert.equal(byKey.get('pipe_throughput_c64_2025-11-25')!.value, 0.95);
    assert.ok(Math.abs(byKey.get('pipe_added_p50_ms_c1_2026-07-28')!.value - 0.1) < 1e-9);
    assert.ok(ratios.slice(4).every((ratio) => ratio.isReference === true));
    assert.equal(ratios.length, 14);
  });

  it('marks ratios as missing when a scenario was not run', () => {
    const ratios = computeRatios(healthyRun.filter((result) => !result.name.startsWith('gateway')));
    assert.ok(ratios.every((ratio) => Number.isNaN(ratio.value) && !ratio.isMet));
  });
});

describe('bench report formatting', () => {
  it('prints one aligned row per scenario under a header', () => {
    const lines = formatScenarioTable(healthyRun).split('\n');
    assert.equal(lines.length, healthyRun.length + 1);
    assert.match(lines[0]!, /^scenario\s+concurrency\s+req\/s\s+p50 ms\s+p99 ms/);
    assert.match(lines[4]!, /^gateway-2025-11-25\s+64\s+4750\s+13\.000\s+39\.000\s+1000\s+0\s+90\s+400\s+150$/);
    assert.match(lines[3]!, /^direct-2025-11-25\s+64\s.*\s400\s+-$/);
    assert.equal(new Set(lines.map((line) => line.length)).size, 1);
  });

  it('writes the JSON report with the documented keys and null for a missing ratio', () => {
    const results = healthyRun.slice(0, 4);
    const report = JSON.parse(formatJsonReport(results, computeRatios(results)));
    assert.deepEqual(Object.keys(report.scenarios[0]), [
      'name',
      'concurrency',
      'rps',
      'p50_ms',
      'p99_ms',
      'requests',
      'errors',
      'client_cpu_us',
      'backend_cpu_us',
      'gateway_cpu_us',
    ]);
    assert.equal(report.scenarios[0].gateway_cpu_us, null);
    assert.equal(report.scenarios[1].gateway_cpu_us, 150);
    assert.equal(report.ratios['throughput_c64_2025-11-25'], 0.95);
    assert.equal(report.ratios['throughput_c64_2026-07-28'], null);
    assert.equal(report.verdicts['throughput_c64_2026-07-28'], 'miss');
    assert.equal(report.errors, 0);
  });
});
