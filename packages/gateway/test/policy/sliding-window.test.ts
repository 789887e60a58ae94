import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { slidingEstimate, slidingRetryAfterMs } from '../../src/policy/sliding-window.ts';

const W = 60_000;

describe('sliding window arithmetic', () => {
  test('weights the previous window by its remaining overlap', () => {
    assert.equal(slidingEstimate({ previous: 10, current: 2, elapsedMs: 15_000, windowMs: W }), 9.5);
    assert.equal(slidingEstimate({ previous: 10, current: 2, elapsedMs: 0, windowMs: W }), 12);
  });

  test('retry-after is zero when one more request already fits', () => {
    assert.equal(slidingRetryAfterMs(10, { previous: 0, current: 5, elapsedMs: 1000, windowMs: W }), 0);
  });

  test('waits for the previous window to decay enough within this window', () => {
    // limit 10, current 5, previous 10: room 4 needs previous weight <= 4, i.e. elapsed >= 36 s.
    assert.equal(slidingRetryAfterMs(10, { previous: 10, current: 5, elapsedMs: 30_000, windowMs: W }), 6000);
  });

  test('waits into the next window when this window alone is full', () => {
    // limit 3, current 3 at 15 s: next window starts in 45 s with previous 3, needing weight <= 2: 20 s more.
    assert.equal(slidingRetryAfterMs(3, { previous: 0, current: 3, elapsedMs: 15_000, windowMs: W }), 65_000);
  });
});
