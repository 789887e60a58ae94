// The v1 backend's interactive tools, straight from a client with no gateway
// between: the shared scenarios over HTTP and stdio with the SDK v1 client and
// the SDK v2 client (which falls back to 2025-11-25 here), and the
// subscription bookkeeping the gateway's tests read through `subscriptions`.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { backendScripts, stdioCommand } from '../../src/backends/launch.ts';
import { v1CounterUri } from '../../src/backends/v1-server.ts';
import type { InteractiveClient } from '../../src/clients/interactive-client.ts';
import type { InteractiveHandlers } from '../../src/clients/interactive-handlers.ts';
import { describeInteractiveScenarios } from '../../src/clients/interactive-scenarios.ts';
import { connectInteractiveV1 } from '../../src/clients/interactive-v1.ts';
import { connectInteractiveV2 } from '../../src/clients/interactive-v2.ts';
import { useHttpBackend } from '../fixtures/http-backend-hooks.ts';

const clients = {
  'SDK v1 client': (target: Parameters<typeof connectInteractiveV1>[0], handlers: InteractiveHandlers) =>
    connectInteractiveV1(target, handlers),
  'SDK v2 client negotiating (falls back to 2025)': (target: Parameters<typeof connectInteractiveV1>[0], handlers: InteractiveHandlers) =>
    connectInteractiveV2(target, 'auto', handlers),
} as const;

for (const [clientName, connect] of Object.entries(clients)) {
  describe(`v1 backend over http, ${clientName}`, () => {
    const backend = useHttpBackend(backendScripts.v1);
    it('speaks 2025-11-25', async () => {
      const client = await connect(backend.url, {});
      try {
        assert.equal(client.era, 'legacy');
        assert.equal(await client.getStreamOpened, true);
      } finally {
        await client.close();
      }
    });
    describeInteractiveScenarios({
      connect: (handlers) => connect(backend.url, handlers),
      counterUri: v1CounterUri,
      sharesBackend: true,
    });
  });

  describe(`v1 backend over stdio, ${clientName}`, () => {
    describeInteractiveScenarios({
      connect: (handlers) => connect(stdioCommand(backendScripts.v1), handlers),
      counterUri: v1CounterUri,
      sharesBackend: false,
    });
  });
}

describe('v1 backend subscriptions across sessions', () => {
  const backend = useHttpBackend(backendScripts.v1);

  async function report(client: InteractiveClient): Promise<{ resources: Record<string, number> }> {
    return JSON.parse((await client.callTool('subscriptions')).text) as { resources: Record<string, number> };
  }

  it('counts one subscription per session and notifies each subscribed session once', async () => {
    const first = backend.keepOpen(await connectInteractiveV1(backend.url));
    const second = backend.keepOpen(await connectInteractiveV1(backend.url));
    const bystander = backend.keepOpen(await connectInteractiveV1(backend.url));
    await bystander.getStreamOpened;
    const firstSubscription = await first.subscribe({ resources: [v1CounterUri] });
    await second.subscribe({ resources: [v1CounterUri] });
    assert.deepEqual((await report(first)).resources, { [v1CounterUri]: 2 });

    await bystander.callTool('touch_resource');
    await first.notifications.waitFor('notifications/resources/updated');
    await second.notifications.waitFor('notifications/resources/updated');
    assert.equal(first.notifications.paramsOf('notifications/resources/updated').length, 1);
    assert.deepEqual(bystander.notifications.paramsOf('notifications/resources/updated'), []);

    await firstSubscription.close();
    assert.deepEqual((await report(first)).resources, { [v1CounterUri]: 1 });
  });

  it('sends notifications/elicitation/complete after an accepted URL elicitation', async () => {
    const client = backend.keepOpen(await connectInteractiveV1(backend.url, { elicitUrl: () => ({ action: 'accept' }) }));
    assert.equal((await client.callTool('open_url')).text, 'accept');
    const elicitationId = (client.requests[0]?.params as { elicitationId: string }).elicitationId;
    const complete = await client.notifications.waitFor('notifications/elicitation/complete');
    assert.equal(complete['elicitationId'], elicitationId);
  });
});
