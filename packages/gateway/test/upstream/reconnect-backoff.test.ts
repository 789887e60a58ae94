import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay, resolveBackoff } from '../../src/upstream/reconnect-backoff.ts';

const noJitter = (): number => 0;

test('doubles the delay from the initial one up to the cap', () => {
  const policy = resolveBackoff({});
  const delays = [0, 1, 2, 3, 7, 8, 40].map((attempt) => backoffDelay(policy, attempt, noJitter));
  assert.deepEqual(delays, [250, 500, 1000, 2000, 30_000, 30_000, 30_000]);
});

test('jitters by at most a fifth of the delay, downwards', () => {
  const policy = resolveBackoff({ initialDelayMs: 1000, maxDelayMs: 1000 });
  assert.equal(backoffDelay(policy, 0, () => 0.999_999), 800);
});
