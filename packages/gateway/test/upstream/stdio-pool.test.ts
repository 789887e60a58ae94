// A stdio server run as several processes behind one backend (processes: N):
// overlapping interactive calls each get a process of their own, so a server
// request that names no call still reaches the right client; answers go back
// to the process that asked, under its own id; plain calls spread out; a
// task's requests reach the process that runs it; a process that dies is
// restarted while the others serve.

import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import type { JsonRpcNotification, JsonRpcRequest } from '../../src/protocol/jsonrpc.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import type { Backend, BackendState } from '../../src/upstream/backend.ts';
import { createStdioBackend } from '../../src/upstream/stdio-backend.ts';
import { createStdioPool, pickProcess, poolState } from '../../src/upstream/stdio-pool.ts';
import { call, textOf } from './fixtures/backend-calls.ts';

const scriptedServer = fileURLToPath(new URL('./fixtures/scripted-stdio-server.ts', import.meta.url));

function pool(size: number): Backend {
  return createStdioPool({
    name: 'files', size, logger: silentLogger,
    createMember: () => createStdioBackend({ name: 'files', command: process.execPath, args: [scriptedServer], timeoutMs: 5_000, clientInfo: { name: 'gatehouse-test', version: '0' }, logger: silentLogger }),
  });
}

/** Processes in these states, as pickProcess reads them. */
const processes = (...states: BackendState[]) => states.map((state) => ({ state }));

describe('choosing a process of the pool', () => {
  const idle = { inFlight: 0, interactive: 0 };
  test('gives an interactive call the process with the fewest interactive calls, then the fewest calls', () => {
    const interactive = { method: 'tools/call', onRelatedMessage: () => undefined };
    assert.equal(pickProcess(interactive, processes('ready', 'ready'), [{ inFlight: 1, interactive: 1 }, { inFlight: 5, interactive: 0 }]), 1);
    assert.equal(pickProcess(interactive, processes('ready', 'ready'), [{ inFlight: 3, interactive: 1 }, { inFlight: 2, interactive: 1 }]), 1);
  });

  test('gives a plain call the least busy process, skipping those not ready', () => {
    assert.equal(pickProcess({ method: 'tools/call' }, processes('ready', 'ready', 'ready'), [{ inFlight: 2, interactive: 2 }, { inFlight: 1, interactive: 0 }, { inFlight: 3, interactive: 0 }]), 1);
    assert.equal(pickProcess({ method: 'tools/call' }, processes('down', 'ready'), [idle, { inFlight: 9, interactive: 0 }]), 1);
    assert.equal(pickProcess({ method: 'tools/call' }, processes('down', 'connecting'), [idle, idle]), 0, 'none ready: the first, which fails or waits as a lone backend would');
  });

  test('sends subscriptions to the first process, which then sends the updates', () => {
    assert.equal(pickProcess({ method: 'resources/subscribe' }, processes('down', 'ready'), [idle, idle]), 0);
  });

  test('is ready while any process is', () => {
    const cases: Array<[BackendState[], BackendState]> = [
      [['down', 'ready'], 'ready'],
      [['connecting', 'down'], 'connecting'],
      [['down', 'down'], 'down'],
      [['closed', 'closed'], 'closed'],
      [['idle', 'idle'], 'idle'],
    ];
    for (const [states, expected] of cases) assert.equal(poolState(states), expected, states.join(','));
  });
});

describe('a stdio server run as a pool of processes', () => {
  test('relays each overlapping call\'s unmarked server request to that call, and answers the process that asked under its own id', async () => {
    const backend = pool(2);
    try {
      await backend.connect();
      // Both processes number their requests from 1000, so the pool must tell the two answers apart.
      const interactiveCall = (model: string) => backend.request({
        method: 'tools/call', params: { name: 'ask-blind', arguments: { ms: 150 } },
        onRelatedMessage: (message: JsonRpcNotification | JsonRpcRequest) => {
          if (!('id' in message)) return;
          assert.equal(message.method, 'sampling/createMessage');
          void backend.respond({ jsonrpc: '2.0', id: message.id, result: { model, role: 'assistant', content: { type: 'text', text: model } } });
        },
      });
      const [first, second] = (await Promise.all([interactiveCall('first'), interactiveCall('second')])).map((response) => JSON.parse(textOf(response)));
      assert.equal(first.answer.model, 'first');
      assert.equal(second.answer.model, 'second');
      assert.notEqual(first.pid, second.pid, 'each interactive call had a process of its own');
    } finally {
      await backend.close();
    }
  });

  test('spreads plain calls over the processes, and overlapping interactive calls over all of them', async () => {
    const backend = pool(3);
    try {
      await backend.connect();
      const plainPids = new Set((await Promise.all(Array.from({ length: 6 }, () => backend.request(call('pid'))))).map(textOf));
      assert.equal(plainPids.size, 3, 'six calls at once went to all three processes');
      const answerAll = (message: JsonRpcNotification | JsonRpcRequest) => {
        if ('id' in message) void backend.respond({ jsonrpc: '2.0', id: message.id, result: { model: 'm', role: 'assistant', content: { type: 'text', text: 'm' } } });
      };
      const interactive = () => backend.request({ method: 'tools/call', params: { name: 'ask-blind', arguments: { ms: 50 } }, onRelatedMessage: answerAll });
      const interactivePids = new Set((await Promise.all([interactive(), interactive(), interactive()])).map((response) => JSON.parse(textOf(response)).pid));
      assert.equal(interactivePids.size, 3, 'three overlapping interactive calls ran on three processes');
    } finally {
      await backend.close();
    }
  });

  test('sends a task\'s later requests to the process that created it', async () => {
    const backend = pool(3);
    try {
      await backend.connect();
      const created = await backend.request(call('start-task'));
      const taskId = (created as unknown as { result: { task: { taskId: string } } }).result.task.taskId;
      // Busy the other processes' counts the way concurrent calls would; every poll still reaches the task's process.
      const polls = await Promise.all(Array.from({ length: 6 }, () => backend.request({ method: 'tasks/get', params: { taskId } })));
      for (const poll of polls) assert.ok('result' in poll, `a poll reached a process that does not know the task: ${JSON.stringify(poll)}`);
      assert.equal(new Set(polls.map((poll) => (poll as unknown as { result: { statusMessage: string } }).result.statusMessage)).size, 1);
    } finally {
      await backend.close();
    }
  });

  test('keeps serving on the other processes while one that died restarts', async () => {
    const backend = pool(2);
    try {
      await backend.connect();
      // The crash goes to one process (the least busy); the pool stays ready on the other.
      await backend.request(call('crash')).catch(() => undefined);
      assert.equal(backend.state, 'ready');
      assert.equal(textOf(await backend.request(call('echo', { message: 'still here' }))), 'still here');
    } finally {
      await backend.close();
    }
    assert.equal(backend.state, 'closed');
  });
});
