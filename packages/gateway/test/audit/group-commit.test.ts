import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAuditError } from '../../src/audit/errors.ts';
import { GroupCommit } from '../../src/audit/group-commit.ts';

function recorder(delayMs = 5) {
  const batches: number[][] = [];
  const commit = async (items: number[]) => {
    batches.push([...items]);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    return items.map((item) => item * 10);
  };
  return { batches, commit };
}

describe('group commit', () => {
  it('resolves each submit with its own result only after its batch committed', async () => {
    const { batches, commit } = recorder();
    const group = new GroupCommit(commit, { maxBatch: 100, maxDelayMs: 0, maxPending: 1_000 });
    const results = await Promise.all([1, 2, 3].map((item) => group.submit(item)));
    assert.deepEqual(results, [10, 20, 30]);
    assert.deepEqual(batches, [[1, 2, 3]]);
  });

  it('gathers what arrives during a commit into the next batch', async () => {
    const { batches, commit } = recorder(20);
    const group = new GroupCommit(commit, { maxBatch: 100, maxDelayMs: 0, maxPending: 1_000 });
    const first = group.submit(1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const later = [2, 3, 4].map((item) => group.submit(item));
    await Promise.all([first, ...later]);
    assert.deepEqual(batches, [[1], [2, 3, 4]]);
  });

  it('cuts batches at maxBatch', async () => {
    const { batches, commit } = recorder(1);
    const group = new GroupCommit(commit, { maxBatch: 4, maxDelayMs: 0, maxPending: 1_000 });
    await Promise.all(Array.from({ length: 10 }, (_, index) => group.submit(index)));
    assert.deepEqual(batches.map((batch) => batch.length), [4, 4, 2]);
  });

  it('waits maxDelayMs for company when configured', async () => {
    const { batches, commit } = recorder(1);
    const group = new GroupCommit(commit, { maxBatch: 100, maxDelayMs: 30, maxPending: 1_000 });
    const first = group.submit(1);
    await new Promise((resolve) => setTimeout(resolve, 10));
    await Promise.all([first, group.submit(2)]);
    assert.deepEqual(batches, [[1, 2]]);
  });

  it('under load holds the next batch until busyIntervalMs after the one before started', async () => {
    const { batches, commit } = recorder(5);
    const group = new GroupCommit(commit, { maxBatch: 100, maxDelayMs: 0, maxPending: 1_000, busyIntervalMs: 40 });
    const started = performance.now();
    const first = group.submit(1);
    await new Promise((resolve) => setTimeout(resolve, 1));
    const during = [2, 3, 4].map((item) => group.submit(item));
    // Arrives after the first commit ended, while the next batch is held: it joins that batch.
    await new Promise((resolve) => setTimeout(resolve, 15));
    const held = group.submit(5);
    await Promise.all([first, ...during, held]);
    assert.deepEqual(batches, [[1], [2, 3, 4, 5]]);
    assert.ok(performance.now() - started >= 40, 'the second batch started no sooner than 40 ms after the first');
  });

  it('does not hold a batch when fewer than two records arrived during the commit (a lone caller, or two in a loop)', async () => {
    const { batches, commit } = recorder(5);
    const group = new GroupCommit(commit, { maxBatch: 100, maxDelayMs: 0, maxPending: 1_000, busyIntervalMs: 1_000 });
    const started = performance.now();
    const first = group.submit(1);
    await new Promise((resolve) => setTimeout(resolve, 1));
    await Promise.all([first, group.submit(2)]);
    assert.deepEqual(batches, [[1], [2]]);
    assert.ok(performance.now() - started < 500, 'no caller waited for the busy interval');
  });

  it('lets a held batch go as soon as busyBatchRecords wait, before the interval is up', async () => {
    const { batches, commit } = recorder(5);
    const group = new GroupCommit(commit, { maxBatch: 100, maxDelayMs: 0, maxPending: 1_000, busyIntervalMs: 5_000, busyBatchRecords: 4 });
    const started = performance.now();
    const first = group.submit(1);
    await new Promise((resolve) => setTimeout(resolve, 1));
    const during = [2, 3].map((item) => group.submit(item));
    // The first commit ends with two waiting: the next batch is held. Two more arrive while it is held: four wait, so it goes.
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(batches, [[1]], 'the second batch is held while only two records wait');
    const more = [4, 5].map((item) => group.submit(item));
    await Promise.all([first, ...during, ...more]);
    assert.deepEqual(batches, [[1], [2, 3, 4, 5]]);
    assert.ok(performance.now() - started < 1_000, 'the held batch did not wait out the 5 s interval');
  });

  it('rejects every submit of a failed batch and goes on with the next', async () => {
    let calls = 0;
    const group = new GroupCommit(async (items: number[]) => {
      calls += 1;
      if (calls === 1) throw new Error('disk full');
      return items;
    }, { maxBatch: 2, maxDelayMs: 0, maxPending: 1_000 });
    const outcomes = await Promise.allSettled([1, 2, 3].map((item) => group.submit(item)));
    assert.deepEqual(outcomes.map((outcome) => outcome.status), ['rejected', 'rejected', 'fulfilled']);
  });

  it('refuses records beyond maxPending with a transient audit_backlog_full', async () => {
    const { commit } = recorder(20);
    const group = new GroupCommit(commit, { maxBatch: 1, maxDelayMs: 0, maxPending: 2 });
    const accepted = [group.submit(1), group.submit(2)];
    await assert.rejects(group.submit(3), (error) => isAuditError(error) && error.code === 'audit_backlog_full' && error.isTransient);
    await Promise.all(accepted);
  });

  it('runs a task after everything submitted before it and flush waits for all of it', async () => {
    const { batches, commit } = recorder(5);
    const group = new GroupCommit(commit, { maxBatch: 100, maxDelayMs: 0, maxPending: 1_000 });
    const order: string[] = [];
    void group.submit(1).then(() => order.push('record 1'));
    const task = group.runTask(async () => {
      order.push(`task after ${batches.flat().length} records`);
    });
    void group.submit(2).then(() => order.push('record 2'));
    await task;
    await group.flush();
    assert.deepEqual(order, ['record 1', 'task after 1 records', 'record 2']);
  });

  it('refuses new records after close and still commits the queued ones', async () => {
    const { commit } = recorder(5);
    const group = new GroupCommit(commit, { maxBatch: 100, maxDelayMs: 0, maxPending: 1_000 });
    const queued = group.submit(7);
    await group.close();
    assert.equal(await queued, 70);
    await assert.rejects(group.submit(8), (error) => isAuditError(error) && error.code === 'audit_closed');
  });
});
