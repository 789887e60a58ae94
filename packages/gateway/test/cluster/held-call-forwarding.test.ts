import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HeldCallForwarding } from '../../src/cluster/held-call-forwarding.ts';
import type { ReplicaBus } from '../../src/cluster/replica-bus.ts';
import type { RequestStateSealer } from '../../src/bridge/request-state.ts';
import type { HeldCalls } from '../../src/bridge/held-calls.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { startCountingListener, type CountingListener } from '../fixtures/counting-listener.ts';

type Handler = (message: Record<string, unknown>, from: string) => Promise<unknown>;

describe('a retry forwarded over the replica bus', () => {
  let local: CountingListener;
  let elsewhere: CountingListener;
  let runHere: Handler;

  before(async () => {
    local = await startCountingListener((_request, response) => void response.writeHead(200, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":1,"result":{}}'));
    elsewhere = await startCountingListener();
    const bus = { replicaId: 'r1', on: (_type: string, handler: Handler) => void (runHere = handler) } as unknown as ReplicaBus;
    new HeldCallForwarding({ bus, sealer: {} as RequestStateSealer, held: {} as HeldCalls, localOrigin: () => local.origin, timeoutMs: 5_000, logger: silentLogger });
  });
  after(async () => {
    await local?.close();
    await elsewhere?.close();
  });

  it('runs on this replica\'s own listener', async () => {
    const reply = await runHere({ path: '/mcp', headers: {}, body: '' }, 'r2') as { status: number };
    assert.equal(reply.status, 200);
    assert.equal(local.accepted(), 1);
  });

  it('never leaves this replica\'s listener, whatever path the message names', async () => {
    for (const path of [`//127.0.0.1:${elsewhere.port}/mcp`, `http://127.0.0.1:${elsewhere.port}/mcp`]) {
      const reply = await runHere({ path, headers: {}, body: '' }, 'r2') as { status: number };
      assert.equal(reply.status, 400, path);
    }
    assert.equal(elsewhere.accepted(), 0);
  });
});
