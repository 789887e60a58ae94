// The overview's live figures from cumulative metric totals: the quantile
// interpolation, and the rolling window's baseline as samples come and go.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { quantileOf, trafficBetween, TrafficWindow, type TrafficTotals } from '../../src/telemetry/traffic-window.ts';

const BOUNDS = [0.1, 0.5, 1];

function totals(servers: Record<string, { calls: number; errors?: number; denied?: number; durations: number[] }>): TrafficTotals {
  return { bounds: BOUNDS, servers: new Map(Object.entries(servers).map(([name, counts]) => [name, { calls: counts.calls, errors: counts.errors ?? 0, denied: counts.denied ?? 0, durations: Float64Array.from(counts.durations) }])) };
}

describe('traffic window', () => {
  for (const [counts, expected] of [
    [[0, 0, 0, 0], undefined],
    [[100, 0, 0, 0], 0.095],
    [[50, 50, 0, 0], 0.1 + 0.4 * 0.9],
    [[0, 0, 0, 10], 1],
  ] as const) {
    it(`puts the 95th percentile of ${counts.join('/')} at ${expected ?? 'nothing'}`, () => {
      const found = quantileOf(0.95, BOUNDS, counts);
      if (expected === undefined) assert.equal(found, undefined);
      else assert.ok(Math.abs(found! - expected) < 1e-9, String(found));
    });
  }

  it('computes calls per minute, error and denied rates per server and overall from two totals', () => {
    const before = totals({ crm: { calls: 10, errors: 1, durations: [10, 0, 0, 0] } });
    const after = totals({ crm: { calls: 40, errors: 4, denied: 3, durations: [40, 0, 0, 0] }, wiki: { calls: 30, durations: [0, 30, 0, 0] } });
    const report = trafficBetween(before, after, 30_000);
    assert.deepEqual(report.servers.get('crm'), { calls_per_minute: 60, error_rate: 0.1, denied_rate: 0.1, p95_ms: 95 });
    assert.deepEqual(report.overall, { calls_per_minute: 120, error_rate: 0.05, denied_rate: 0.05, p95_ms: 460 });
    assert.equal(report.windowSeconds, 30);
  });

  it('reports over about a minute: the baseline moves on as samples age, and nothing without traffic', () => {
    let now = 0;
    let calls = 0;
    const window = new TrafficWindow({ read: () => totals({ crm: { calls, durations: [calls, 0, 0, 0] } }), now: () => now });
    assert.deepEqual(window.report().overall, { calls_per_minute: 0, error_rate: null, denied_rate: null, p95_ms: null });
    for (let second = 1; second <= 120; second++) {
      now = second * 1000;
      calls += second <= 60 ? 10 : 0;
      window.report();
    }
    const quiet = window.report();
    assert.equal(quiet.windowSeconds, 60);
    assert.equal(quiet.overall.calls_per_minute, 0, 'the busy first minute has left the window');
    now += 30_000;
    calls += 300;
    const busy = window.report();
    assert.equal(busy.windowSeconds, 60);
    assert.equal(busy.overall.calls_per_minute, 300);
  });
});
