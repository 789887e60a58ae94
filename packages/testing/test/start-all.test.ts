import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startAll } from '../src/start-all.ts';

describe('startAll', () => {
  it('returns everything started, in order, when all start', async () => {
    const stopped: number[] = [];
    assert.deepEqual(await startAll([Promise.resolve(1), Promise.resolve(2)], (value) => stopped.push(value)), [1, 2]);
    assert.deepEqual(stopped, []);
  });

  it('stops what started and throws the first failure when one does not start', async () => {
    const stopped: number[] = [];
    await assert.rejects(startAll([Promise.resolve(1), Promise.reject(new Error('backend 2 did not start')), Promise.resolve(3)], (value) => stopped.push(value)), /backend 2 did not start/);
    assert.deepEqual(stopped.sort(), [1, 3]);
  });
});
