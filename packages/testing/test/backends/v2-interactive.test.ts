// The v2 backend's interactive tools, straight from a client with no gateway
// between: the shared scenarios over HTTP and stdio in both eras (2026-07-28
// through input_required results, 2025 through server-to-client requests),
// plus what the gateway relies on: the input_required wire shape, the sealed
// requestState, listen streams and per-request log levels.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { backendScripts, stdioCommand } from '../../src/backends/launch.ts';
import { v2CounterUri } from '../../src/backends/v2-server.ts';
import type { InteractiveClient } from '../../src/clients/interactive-client.ts';
import type { InteractiveHandlers } from '../../src/clients/interactive-handlers.ts';
import { describeInteractiveScenarios } from '../../src/clients/interactive-scenarios.ts';
import { connectInteractiveV1, type StdioTarget } from '../../src/clients/interactive-v1.ts';
import { connectInteractiveV2 } from '../../src/clients/interactive-v2.ts';
import { useHttpBackend } from '../fixtures/http-backend-hooks.ts';

type Target = string | StdioTarget;

const clients: Record<string, { era: 'modern' | 'legacy'; connect: (target: Target, handlers: InteractiveHandlers) => Promise<InteractiveClient> }> = {
  'SDK v2 client on 2026-07-28': { era: 'modern', connect: (target, handlers) => connectInteractiveV2(target, 'auto', handlers) },
  'SDK v2 client on 2025-11-25': { era: 'legacy', connect: (target, handlers) => connectInteractiveV2(target, 'legacy', handlers) },
  'SDK v1 client': { era: 'legacy', connect: (target, handlers) => connectInteractiveV1(target, handlers) },
};

for (const [clientName, { era, connect }] of Object.entries(clients)) {
  describe(`v2 backend over http, ${clientName}`, () => {
    const backend = useHttpBackend(backendScripts.v2);
    it(`negotiates the ${era} era`, async () => {
      const client = await connect(backend.url, {});
      try {
        assert.equal(client.era, era);
        // 2025 sessions get a GET stream; a 2026 client has none (subscriptions/listen replaces it).
        assert.equal(await client.getStreamOpened, era === 'legacy');
      } finally {
        await client.close();
      }
    });
    describeInteractiveScenarios({
      connect: (handlers) => connect(backend.url, handlers),
      counterUri: v2CounterUri,
      sharesBackend: true,
    });
  });

  describe(`v2 backend over stdio, ${clientName}`, () => {
    describeInteractiveScenarios({
      connect: (handlers) => connect(stdioCommand(backendScripts.v2), handlers),
      counterUri: v2CounterUri,
      sharesBackend: false,
    });
  });
}

describe('v2 backend on 2026-07-28, as the gateway meets it', () => {
  const backend = useHttpBackend(backendScripts.v2);

  async function connectModern(handlers: InteractiveHandlers = {}) {
    return backend.keepOpen(await connectInteractiveV2(backend.url, 'auto', handlers));
  }

  it('answers a call that needs input with input_required, inputRequests and a sealed requestState', async () => {
    const { client } = await connectModern({ elicitForm: () => ({ action: 'accept', content: { name: 'Eve' } }) });
    const call = { method: 'tools/call' as const, params: { name: 'ask_name', arguments: {} } };
    const first = (await client.request(call, { allowInputRequired: true })) as Record<string, unknown>;
    assert.equal(first['resultType'], 'input_required');
    const inputRequests = first['inputRequests'] as Record<string, { method: string; params: { mode?: string; message: string } }>;
    assert.deepEqual(Object.keys(inputRequests), ['name']);
    assert.equal(inputRequests['name']?.method, 'elicitation/create');
    const requestState = first['requestState'] as string;
    // createRequestStateCodec: "v1." base64url(payload) "." base64url(HMAC-SHA256).
    assert.match(requestState, /^v1\.[\w-]+\.[\w-]+$/);

    const inputResponses = { name: { action: 'accept', content: { name: 'Eve' } } };
    const retry = await client.request({ method: 'tools/call', params: { ...call.params, inputResponses, requestState } });
    assert.deepEqual(retry.content, [{ type: 'text', text: 'Hello, Eve' }]);

    const tampered = `${requestState.slice(0, -2)}AA`;
    await assert.rejects(
      client.request({ method: 'tools/call', params: { ...call.params, inputResponses, requestState: tampered } }),
      (error: { code?: number; message?: string }) => error.code === -32602 && /requestState/.test(error.message ?? ''),
    );
  });

  it('refuses with -32021 a call that would ask for a capability the client did not declare', async () => {
    const client = await connectModern();
    await assert.rejects(client.callTool('summarize', { text: 'x' }), (error: { code?: number }) => error.code === -32021);
    assert.deepEqual(client.requests, []);
  });

  it('sends no log messages to a 2026 client that gave no log level', async () => {
    const client = await connectModern();
    assert.equal((await client.callTool('log_messages')).text, 'logged');
    assert.deepEqual(client.notifications.paramsOf('notifications/message'), []);
  });

  it('counts open subscriptions/listen streams in the subscriptions report', async () => {
    const client = await connectModern();
    const listeners = async () => (JSON.parse((await client.callTool('subscriptions')).text) as { listenStreams: number }).listenStreams;
    const before = await listeners();
    const subscription = await client.subscribe({ toolsListChanged: true, resources: [v2CounterUri] });
    assert.deepEqual(subscription.honoured, { toolsListChanged: true, resources: [v2CounterUri] });
    assert.equal(await listeners(), before + 1);
    await subscription.close();
    const deadline = performance.now() + 5_000;
    while ((await listeners()) !== before && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    assert.equal(await listeners(), before);
  });
});

describe('v2 backend 2025 sessions', () => {
  const backend = useHttpBackend(backendScripts.v2);

  it('counts one subscription per session and notifies each subscribed session once', async () => {
    const first = backend.keepOpen(await connectInteractiveV2(backend.url, 'legacy'));
    const second = backend.keepOpen(await connectInteractiveV1(backend.url));
    const modern = backend.keepOpen(await connectInteractiveV2(backend.url, 'auto'));
    await first.subscribe({ resources: [v2CounterUri] });
    const secondSubscription = await second.subscribe({ resources: [v2CounterUri] });
    const modernSubscription = await modern.subscribe({ resources: [v2CounterUri] });
    const report = async () => (JSON.parse((await first.callTool('subscriptions')).text) as { resources: Record<string, number> }).resources;
    assert.deepEqual(await report(), { [v2CounterUri]: 2 });

    await modern.callTool('touch_resource');
    for (const client of [first, second, modern]) await client.notifications.waitFor('notifications/resources/updated');
    assert.equal(first.notifications.paramsOf('notifications/resources/updated').length, 1);

    await secondSubscription.close();
    await modernSubscription.close();
    assert.deepEqual(await report(), { [v2CounterUri]: 1 });
  });
});
