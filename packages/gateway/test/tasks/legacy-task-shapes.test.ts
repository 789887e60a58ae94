// The pure parts of bridging a 2025-11-25 backend's task to a 2026-07-28
// client: the Task and CreateTaskResult renamed to 2026's fields, and how a
// 2025 task's end reads in 2026 (a tool error is `completed`, only a
// JSON-RPC error is `failed`).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { modernOutcome, toModernCreateResult, toModernTask } from '../../src/tasks/task-shapes.ts';

const legacyTask = { taskId: 'b-1', status: 'working', createdAt: 'c', lastUpdatedAt: 'u', ttl: 60_000.4, pollInterval: 200 };

describe('2025 tasks in 2026 shapes', () => {
  it('renames ttl and pollInterval to integer ttlMs and pollIntervalMs, and drops the 2025 names', () => {
    assert.deepEqual(toModernTask(legacyTask), { taskId: 'b-1', status: 'working', createdAt: 'c', lastUpdatedAt: 'u', ttlMs: 60_000, pollIntervalMs: 200 });
    assert.equal(toModernTask({ ...legacyTask, ttl: null }).ttlMs, null, 'an unlimited 2025 ttl stays null');
  });

  it('flattens a 2025 { task } into a CreateTaskResult with resultType task', () => {
    const created = toModernCreateResult({ task: legacyTask, _meta: { trace: 1 } });
    assert.equal(created.resultType, 'task');
    assert.equal(created.taskId, 'b-1');
    assert.equal('task' in created, false);
    assert.deepEqual(created._meta, { trace: 1 });
  });

  const table: Array<[string, Parameters<typeof modernOutcome>, Record<string, unknown>]> = [
    ['a completed task keeps its result, without the related-task _meta',
      ['completed', { result: { content: [], _meta: { 'io.modelcontextprotocol/related-task': { taskId: 'b-1' } } } }, undefined],
      { status: 'completed', result: { content: [] } }],
    ['a 2025 task failed by a tool error is completed with the isError result',
      ['failed', { result: { content: [{ type: 'text', text: 'no' }], isError: true } }, undefined],
      { status: 'completed', result: { content: [{ type: 'text', text: 'no' }], isError: true } }],
    ['a JSON-RPC error from tasks/result is failed with that error',
      ['failed', { error: { code: -32603, message: 'boom' } }, undefined],
      { status: 'failed', error: { code: -32603, message: 'boom' } }],
    ['a failed task whose payload is no tool error is failed, its statusMessage the message',
      ['failed', { result: { content: [{ type: 'text', text: 'crashed' }] } }, 'worker lost'],
      { status: 'failed', error: { code: -32603, message: 'worker lost' } }],
    ['without a statusMessage, the payload\'s text is the message',
      ['failed', { result: { content: [{ type: 'text', text: 'crashed' }] } }, undefined],
      { status: 'failed', error: { code: -32603, message: 'crashed' } }],
  ];
  for (const [behaviour, args, expected] of table) {
    it(behaviour, () => assert.deepEqual(modernOutcome(...args), expected));
  }
});
