// Checks of `node bench/call-cost/run.ts`'s pure parts: the configurations it
// names, how a thread's CPU is read from /proc and split per call, and how
// the gateway's --trace-gc-nvp lines are summed.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { callCostConfig, UnknownCallCostConfigError } from '../../../../bench/call-cost/configs.ts';
import { gcTraceFields, summarizeGcTrace } from '../../../../bench/call-cost/gc-trace.ts';
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

  it('sums young and full collections from --trace-gc-nvp lines, skipping whatever else the gateway printed', () => {
    const trace = [
      '[1:0x1:0]      186 ms: pause=2.4 mutator=177.5 gc=s reduce_memory=0 scavenge=2.25 allocated=9654096 promoted=0 new_space_survived=621008 promotion_rate=0.0%',
      'Gatehouse is listening on http://127.0.0.1:1/mcp',
      '[1:0x1:0]      273 ms: pause=4.6 mutator=16.2 gc=s reduce_memory=0 allocated=622032 promoted=601408 promotion_ratio=57.4%',
      '[1:0x1:0]      800 ms: pause=6.4 mutator=23.7 gc=mc reduce_memory=0 mark=3.1',
      '',
    ].join('\n');
    assert.equal(gcTraceFields(trace.split('\n')[0]!).get('promoted'), '0');
    assert.deepEqual(summarizeGcTrace(trace), { scavenges: 2, markCompacts: 1, pauseMs: 2.4 + 4.6 + 6.4, promotedBytes: 601408, allocatedBytes: 9654096 + 622032 });
    assert.deepEqual(summarizeGcTrace('no collections here\n'), { scavenges: 0, markCompacts: 0, pauseMs: 0, promotedBytes: 0, allocatedBytes: 0 });
  });
});
