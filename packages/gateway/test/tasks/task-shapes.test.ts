// The pure parts of tasks: recognising a created task in either revision's
// shape, renaming its id, converting a 2026 task to 2025, binding lifetimes,
// and the memory directory's expiry and bound.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createdTaskOf, toLegacyCreateResult, toLegacyTask, withTaskId } from '../../src/tasks/task-shapes.ts';
import { bindingLifetimeMs, MemoryTaskDirectory, type TaskBinding } from '../../src/tasks/task-directory.ts';
import { declaresLegacyToolTasks, declaresTasksExtension, withTasksExtension, TASKS_EXTENSION } from '../../src/tasks/tasks-extension.ts';

const modern = { resultType: 'task', taskId: 'b-1', status: 'working', createdAt: 'c', lastUpdatedAt: 'u', ttlMs: 60_000, pollIntervalMs: 200 };

describe('task shapes', () => {
  it('recognises a 2026 CreateTaskResult, a 2025 { task }, and nothing in an ordinary result', () => {
    assert.deepEqual(createdTaskOf(modern), { taskId: 'b-1', ttlMs: 60_000, era: 'modern' });
    assert.deepEqual(createdTaskOf({ task: { taskId: 'b-2', status: 'working', ttl: null } }), { taskId: 'b-2', ttlMs: null, era: 'legacy' });
    assert.equal(createdTaskOf({ content: [], taskId: 'not-a-task' }), undefined, 'a taskId without resultType task is not a task');
    assert.equal(createdTaskOf({ resultType: 'complete', content: [] }), undefined);
  });

  it('renames the id where each revision keeps it', () => {
    assert.equal(withTaskId(modern, 'gt-1').taskId, 'gt-1');
    assert.equal(modern.taskId, 'b-1', 'the original is not changed');
    assert.deepEqual(withTaskId({ task: { taskId: 'b-2', status: 'working' } }, 'gt-2'), { task: { taskId: 'gt-2', status: 'working' } });
  });

  it('writes a 2026 task as 2025: ttl and pollInterval, no payload, no resultType', () => {
    const detailed = { ...modern, status: 'completed', result: { content: [] }, statusMessage: 'done' };
    assert.deepEqual(toLegacyTask(detailed), { taskId: 'b-1', status: 'completed', createdAt: 'c', lastUpdatedAt: 'u', ttl: 60_000, pollInterval: 200, statusMessage: 'done' });
    assert.deepEqual(toLegacyCreateResult({ ...modern, ttlMs: null }).task, { taskId: 'b-1', status: 'working', createdAt: 'c', lastUpdatedAt: 'u', ttl: null, pollInterval: 200 });
  });
});

describe('capabilities', () => {
  it('reads the extension and the 2025 tools/call task capability, and adds the extension without losing others', () => {
    assert.ok(declaresTasksExtension({ extensions: { [TASKS_EXTENSION]: {} } }));
    assert.ok(!declaresTasksExtension({ tasks: { requests: { tools: { call: {} } } } }));
    assert.ok(declaresLegacyToolTasks({ tasks: { requests: { tools: { call: {} } } } }));
    assert.ok(!declaresLegacyToolTasks({ tasks: { list: {} } }));
    assert.deepEqual(withTasksExtension({ sampling: {}, extensions: { other: {} } }), { sampling: {}, extensions: { other: {}, [TASKS_EXTENSION]: {} } });
  });
});

describe('the task directory', () => {
  const binding = (taskId: string, expiresAt: number): TaskBinding => ({
    taskId, backend: 'b', upstreamTaskId: `up-${taskId}`, backendEra: 'modern', tool: 't', owner: 'o', tenant: undefined, endpoint: undefined, expiresAt,
  });

  it('keeps a binding for the task\'s TTL plus a minute, a day without one, a week at most', () => {
    assert.equal(bindingLifetimeMs(60_000), 120_000);
    assert.equal(bindingLifetimeMs(null), 86_400_000);
    assert.equal(bindingLifetimeMs(10 * 86_400_000), 7 * 86_400_000);
  });

  it('forgets expired bindings, and the oldest when full of live ones', async () => {
    const directory = new MemoryTaskDirectory(2);
    await directory.save(binding('old', Date.now() - 1));
    assert.equal(await directory.find('old'), undefined);
    await directory.save(binding('a', Date.now() + 60_000));
    await directory.save(binding('b', Date.now() + 60_000));
    await directory.save(binding('c', Date.now() + 60_000));
    assert.equal(await directory.find('a'), undefined, 'the oldest went');
    assert.equal((await directory.find('c'))?.upstreamTaskId, 'up-c');
  });
});
