import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SlidingWindowCounters } from '../../src/policy/sliding-window-counters.ts';

describe('sliding window counters (memory)', () => {
  test('counts within a window, and carries the count into the next window as its previous', () => {
    const counters = new SlidingWindowCounters();
    assert.deepEqual({ ...counters.add('alice', 10) }, { index: 10, current: 1, previous: 0 });
    assert.equal(counters.add('alice', 10).current, 2);
    const next = counters.add('alice', 11);
    assert.equal(next.current, 1);
    assert.equal(next.previous, 2);
  });

  test('forgets both counts after a whole idle window', () => {
    const counters = new SlidingWindowCounters();
    counters.add('alice', 10);
    counters.add('alice', 10);
    const later = counters.add('alice', 12);
    assert.equal(later.current, 1);
    assert.equal(later.previous, 0);
  });

  test('keeps one count per key', () => {
    const counters = new SlidingWindowCounters();
    counters.add('alice', 10);
    assert.equal(counters.add('bob', 10).current, 1);
  });

  test('gives a request back to the window it was counted in, also once the next has begun', () => {
    const counters = new SlidingWindowCounters();
    counters.add('alice', 10);
    counters.add('alice', 10);
    counters.refund('alice', 10);
    assert.equal(counters.add('alice', 10).current, 2);
    counters.add('alice', 11);
    counters.refund('alice', 10);
    assert.equal(counters.add('alice', 11).previous, 1);
    counters.refund('alice', 8);
    counters.refund('nobody', 11);
    assert.equal(counters.add('alice', 11).current, 3);
  });

  test('drops keys idle for two windows as new windows open', () => {
    const counters = new SlidingWindowCounters();
    counters.add('idle', 1);
    for (let i = 0; i < 5000; i++) counters.add(`busy-${i}`, 3);
    assert.equal(counters.size, 5000);
  });
});
