// Checks of the soak's pure parts: RSS growth, its flat/growing verdict at
// the documented 10% limit, and the report's wording of it.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { formatSoakReport, isRssFlat, rssGrowthPercent, soakGoals, type SoakResult } from '../../../../bench/soak-report.ts';

const mebibyte = 1024 * 1024;

describe('soak RSS verdict', () => {
  const table: Array<[baselineMiB: number, finalMiB: number, growth: number, isFlat: boolean]> = [
    [100, 100, 0, true],
    [100, 105, 5, true],
    [100, 109.9, 9.9, true],
    [100, 110, 10, false],
    [100, 150, 50, false],
    [100, 90, -10, true],
  ];
  for (const [baselineMiB, finalMiB, growth, isFlat] of table) {
    it(`calls ${baselineMiB} → ${finalMiB} MiB a ${growth}% growth, ${isFlat ? 'flat' : 'growing'}`, () => {
      const percent = rssGrowthPercent(baselineMiB * mebibyte, finalMiB * mebibyte);
      assert.ok(Math.abs(percent - growth) < 1e-9);
      assert.equal(isRssFlat(percent), isFlat);
    });
  }

  it('uses a 10% limit, as docs/benchmarks.md states', () => {
    assert.equal(soakGoals.flatGrowthLimitPercent, 10);
  });

  it('never calls an unknown baseline flat', () => {
    assert.equal(isRssFlat(rssGrowthPercent(0, 50 * mebibyte)), false);
  });

  it('states the growth and the verdict in the report', () => {
    const result: SoakResult = {
      requests: 200_000,
      errors: 0,
      firstError: undefined,
      rps: 1234,
      p50Ms: 40,
      p99Ms: 90,
      baselineRssBytes: 100 * mebibyte,
      finalRssBytes: 130 * mebibyte,
      peakRssBytes: 131 * mebibyte,
      samples: [],
    };
    assert.match(formatSoakReport(result), /growth\s+30\.0% \(flat below 10%\): GROWING/);
  });
});
