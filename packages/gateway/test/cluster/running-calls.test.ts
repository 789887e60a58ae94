import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RunningCalls, type RunningCall } from '../../src/cluster/running-calls.ts';

function call(name: string): RunningCall & { name: string; reasons: string[] } {
  const reasons: string[] = [];
  return { name, reasons, abort: (reason) => void reasons.push(reason) };
}

describe('running calls', () => {
  test('a call is found by its session and request id until it is removed', () => {
    const calls = new RunningCalls<ReturnType<typeof call>>();
    const first = call('first');
    const second = call('second');
    const removeFirst = calls.add('s1', 1, first);
    calls.add('s2', 1, second);
    assert.equal(calls.get('s1', 1), first);
    assert.equal(calls.get('s2', 1), second, 'the same id in another session is another call');
    assert.equal(calls.get('s1', '1'), undefined, '"1" and 1 are different requests (JSON-RPC 2.0 §4)');
    assert.equal(calls.get('s3', 1), undefined);
    removeFirst();
    removeFirst();
    assert.equal(calls.get('s1', 1), undefined);
    assert.equal(calls.get('s2', 1), second);
  });

  test('a removal after the slot was reused leaves the new call in place', () => {
    const calls = new RunningCalls<ReturnType<typeof call>>();
    const removeOld = calls.add('s', 'a', call('old'));
    removeOld();
    const fresh = call('new');
    calls.add('s', 'b', fresh);
    removeOld();
    assert.equal(calls.get('s', 'b'), fresh);
  });

  test('forgetting a session drops its calls; its calls still remove themselves harmlessly', () => {
    const calls = new RunningCalls<ReturnType<typeof call>>();
    const remove = calls.add('s', 7, call('c'));
    calls.forgetSession('s');
    assert.equal(calls.get('s', 7), undefined);
    remove();
    const later = call('later');
    calls.add('s', 7, later);
    assert.equal(calls.get('s', 7), later);
  });

  test('sessions left without calls are swept once many have been seen, and busy ones kept', () => {
    const calls = new RunningCalls<ReturnType<typeof call>>();
    const busy = call('busy');
    calls.add('busy', 1, busy);
    for (let index = 0; index < 5_000; index++) calls.add(`gone-${index}`, 1, call('gone'))();
    assert.equal(calls.get('busy', 1), busy);
    assert.ok(calls.sessionCount < 2_100, `${calls.sessionCount} sessions still held`);
    const last = call('last');
    calls.add('gone-4999', 2, last);
    assert.equal(calls.get('gone-4999', 2), last);
  });
});
