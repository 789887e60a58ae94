import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HeldCalls } from '../../src/bridge/held-calls.ts';
import type { ExchangeCancellation } from '../../src/exchange/exchange-cancellation.ts';
import type { JsonRpcResponse } from '../../src/protocol/jsonrpc.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import type { Backend } from '../../src/upstream/backend.ts';

function recordingBackend(): { backend: Backend; responses: JsonRpcResponse[] } {
  const responses: JsonRpcResponse[] = [];
  const backend = { name: 'b', respond: async (response: JsonRpcResponse) => void responses.push(response) } as unknown as Backend;
  return { backend, responses };
}

describe('held calls', () => {
  test('abandoning a held call cancels its upstream call with the reason and answers what the backend still waits for', async () => {
    const held = new HeldCalls({ maxHeld: 10, ttlMs: 60_000, logger: silentLogger });
    const { backend, responses } = recordingBackend();
    let upstream: ExchangeCancellation | undefined;
    const call = held.create(backend, ({ cancellation }) => {
      upstream = cancellation;
      return new Promise(() => {});
    });
    call.outstanding.set('k1', { jsonrpc: '2.0', id: 7, method: 'elicitation/create', params: {} });
    held.abandon(call.id, 'the client closed the request');
    assert.equal(upstream?.isCancelled, true);
    assert.match(String((upstream?.signal.reason as Error).message), /the client closed the request/);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(responses.map((response) => response.id), [7]);
    assert.equal(held.get(call.id), undefined);
    held.close();
  });
});
