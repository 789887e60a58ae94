// Checks of `npm run bench`'s command line: the defaults the docs promise,
// the soak's request budget, and refusal of contradictory or invalid flags.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { sliceOf } from '../../../../bench/compare.ts';
import { parseBenchOptions } from '../../../../bench/options.ts';

describe('bench options', () => {
  it('compares for 5 s per scenario in 5 rounds after a 1 s warm-up by default', () => {
    assert.deepEqual(parseBenchOptions([]), {
      mode: 'compare',
      features: [],
      replicas: 0,
      peerConcurrencies: [1, 64],
      stop: { kind: 'duration', durationMs: 5000 },
      warmupMs: 1000,
      rounds: 5,
      isJson: false,
      isHelp: false,
    });
  });

  it('measures a request count instead of a duration with --requests', () => {
    assert.deepEqual(parseBenchOptions(['--requests', '20000', '--json']).stop, { kind: 'requests', requests: 20000 });
  });

  it('soaks one million requests unless told otherwise', () => {
    assert.deepEqual(parseBenchOptions(['--soak']).stop, { kind: 'requests', requests: 1_000_000 });
    assert.deepEqual(parseBenchOptions(['--soak', '--requests', '200000']).stop, { kind: 'requests', requests: 200_000 });
  });

  it('allows a zero warm-up', () => {
    assert.equal(parseBenchOptions(['--warmup', '0']).warmupMs, 0);
  });

  const refused: Array<[argv: string[], message: RegExp]> = [
    [['--duration', '5', '--requests', '10'], /one of --duration and --requests/],
    [['--soak', '--duration', '60'], /--soak is bounded by --requests/],
    [['--duration', 'soon'], /--duration must be a positive number/],
    [['--requests=-5'], /--requests must be a positive number/],
    [['--rounds', '0.5'], /--rounds must be a whole number/],
  ];
  for (const [argv, message] of refused) {
    it(`refuses ${argv.join(' ')}`, () => {
      assert.throws(() => parseBenchOptions(argv), { code: 'bench_usage', message });
    });
  }
});

describe('bench rounds', () => {
  it('splits a duration evenly and a request count rounding up, so no round is empty', () => {
    assert.deepEqual(sliceOf({ kind: 'duration', durationMs: 5000 }, 5), { kind: 'duration', durationMs: 1000 });
    assert.deepEqual(sliceOf({ kind: 'requests', requests: 1001 }, 5), { kind: 'requests', requests: 201 });
  });
});
