import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { getEventListeners } from 'node:events';
import { CallerCancellationWatcher, ExchangeCancellation, type CancellationWatcher } from '../../src/exchange/exchange-cancellation.ts';

function recorder(): CancellationWatcher & { reasons: unknown[] } {
  const reasons: unknown[] = [];
  return { reasons, cancelled: (reason) => void reasons.push(reason) };
}

describe('call cancellation', () => {
  test('cancel aborts the signal with the reason, then tells each watcher once', () => {
    const cancellation = new ExchangeCancellation();
    const first = recorder();
    const second = recorder();
    const order: string[] = [];
    cancellation.signal.addEventListener('abort', () => order.push('signal'));
    cancellation.watch({ cancelled: () => order.push('watcher') });
    cancellation.watch(first);
    cancellation.watch(second);
    const reason = new Error('client left');
    cancellation.cancel(reason);
    cancellation.cancel(new Error('again'));
    assert.equal(cancellation.signal.reason, reason);
    assert.equal(cancellation.isCancelled, true);
    assert.deepEqual(order, ['signal', 'watcher']);
    assert.deepEqual(first.reasons, [reason]);
    assert.deepEqual(second.reasons, [reason]);
  });

  test('an unwatched watcher is not told; unwatching one never watched is harmless', () => {
    const cancellation = new ExchangeCancellation();
    const gone = recorder();
    const kept = recorder();
    cancellation.unwatch(gone);
    cancellation.watch(gone);
    cancellation.watch(kept);
    cancellation.unwatch(gone);
    cancellation.cancel('stop');
    assert.deepEqual(gone.reasons, []);
    assert.deepEqual(kept.reasons, ['stop']);
  });

  test('a watcher added after the cancel is told at once', () => {
    const cancellation = new ExchangeCancellation();
    cancellation.cancel('earlier');
    const late = recorder();
    cancellation.watch(late);
    assert.deepEqual(late.reasons, ['earlier']);
  });

  test('a caller watcher uses the ExchangeCancellation when there is one, with no listener on its signal', () => {
    const cancellation = new ExchangeCancellation();
    const watcher = new RecordingCallerWatcher();
    watcher.watchCaller({ signal: cancellation.signal, cancellation });
    assert.equal(getEventListeners(cancellation.signal, 'abort').length, 0);
    cancellation.cancel('gone');
    assert.deepEqual(watcher.reasons, ['gone']);
  });

  test('a caller watcher listens on a bare signal, is told its reason, and unwatching removes the listener', () => {
    const heard = new AbortController();
    const watcher = new RecordingCallerWatcher();
    watcher.watchCaller({ signal: heard.signal });
    assert.equal(getEventListeners(heard.signal, 'abort').length, 1);
    heard.abort('stopped');
    assert.deepEqual(watcher.reasons, ['stopped']);
    const unheard = new AbortController();
    const quiet = new RecordingCallerWatcher();
    quiet.watchCaller({ signal: unheard.signal });
    quiet.unwatchCaller({ signal: unheard.signal });
    assert.equal(getEventListeners(unheard.signal, 'abort').length, 0);
    unheard.abort('late');
    assert.deepEqual(quiet.reasons, []);
  });

  test('a caller watcher is told at once of a signal already aborted, and a caller with neither is never told', () => {
    const aborted = new AbortController();
    aborted.abort('before');
    const watcher = new RecordingCallerWatcher();
    watcher.watchCaller({ signal: aborted.signal });
    watcher.watchCaller(undefined);
    watcher.unwatchCaller(undefined);
    assert.deepEqual(watcher.reasons, ['before']);
  });
});

class RecordingCallerWatcher extends CallerCancellationWatcher {
  readonly reasons: unknown[] = [];
  cancelled(reason: unknown): void {
    this.reasons.push(reason);
  }
}
