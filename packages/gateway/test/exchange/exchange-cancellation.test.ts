import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ExchangeCancellation, type CancellationWatcher } from '../../src/exchange/exchange-cancellation.ts';

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
});
