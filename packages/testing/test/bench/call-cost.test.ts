// Checks of `node bench/call-cost/run.ts`'s pure parts: the configurations it
// names, and how a thread's CPU is read from /proc and split per call.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { callCostConfig, UnknownCallCostConfigError } from '../../../../bench/call-cost/configs.ts';
import { cpuPerCallByThread, readThreadCpu, threadNameOf } from '../../../../bench/call-cost/thread-cpu.ts';

describe('bench call-cost', () => {
  it('measures routing on the backend path and the chain pieces on the federated path, the token only where authentication is on', () => {
    assert.deepEqual([callCostConfig('routing').path, callCostConfig('full').path], ['backend', 'catalog']);
    assert.equal(callCostConfig('full').isAuthenticated, true);
    assert.equal(callCostConfig('audit').isAuthenticated, false);
    assert.match(callCostConfig('audit-normal').extraYaml, /sqlite_synchronous: normal/);
    assert.doesNotMatch(callCostConfig('audit').extraYaml, /sqlite_synchronous/);
  });

  it('refuses a configuration it does not know, naming the ones it does', () => {
    assert.throws(() => callCostConfig('toString'), (error) => error instanceof UnknownCallCostConfigError && /choose from routing, plain/.test(error.message));
  });

  it('reads thread names with spaces and parentheses, and sums threads of one name per call', () => {
    assert.equal(threadNameOf('4242 (V8 Worker (2)) S 1 2 3'), 'V8 Worker (2)');
    const before = new Map([['1', { name: 'MainThread', cpuMs: 100 }], ['2', { name: 'V8Worker', cpuMs: 10 }]]);
    const after = new Map([['1', { name: 'MainThread', cpuMs: 300 }], ['2', { name: 'V8Worker', cpuMs: 30 }], ['3', { name: 'V8Worker', cpuMs: 20 }]]);
    assert.deepEqual(cpuPerCallByThread(before, after, 1000), { MainThread: 200, V8Worker: 40 });
  });

  it('reads this process own threads from /proc', { skip: process.platform !== 'linux' && 'needs /proc' }, async () => {
    const threads = await readThreadCpu(process.pid);
    assert.ok([...threads.values()].some((thread) => thread.cpuMs >= 0 && thread.name.length > 0));
  });
});
