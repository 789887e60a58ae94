// URL-mode confirmation through a real SDK client over real HTTP, in both
// revisions: the client is told to open the server's confirmation page (a
// 2025-11-25 `elicitation/create` with mode "url" and an elicitationId, then
// `notifications/elicitation/complete`; a 2026-07-28 `input_required` URL
// elicitation whose retry waits for the page's answer), and the "user"
// answers on that page, never through the client.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import * as z from 'zod';

import { createKitServer, defineTool, type KitServer, type RunningKitServer } from '../../src/index.ts';

interface Wires {
  kit: KitServer;
  sent: string[];
}

function createPaymentsServer(): Wires {
  const sent: string[] = [];
  const wireFunds = defineTool({
    name: 'wire_funds',
    description: 'Wire money to an account. Use when the user asks to pay someone; the user confirms on the bank page.',
    input: z.object({ account: z.string(), amount_eur: z.number().positive() }),
    output: z.object({ wire_id: z.string() }),
    confirm: ({ account, amount_eur }) => ({ mode: 'url', message: `Wire ${amount_eur} EUR to ${account}?` }),
    handler: ({ account }) => {
      sent.push(account);
      return { wire_id: `W-${sent.length}` };
    },
  });
  // Short waits so a missing answer shows within the test.
  const kit = createKitServer({ name: 'payments', version: '1.0.0', tools: [wireFunds], confirmationWaitMs: { legacy: 5_000, modern: 2_000 } });
  return { kit, sent };
}

type PageAnswer = 'confirm' | 'decline' | 'refuse to open';

interface UrlClient {
  client: Client;
  elicitations: Array<Record<string, unknown>>;
  completed: string[];
  /** The page bodies the "browser" saw. */
  pages: string[];
}

/** A client that supports URL elicitation: it "opens" the URL (GET), answers `accept`, and the user then answers on the page (POST). */
async function connectUrlClient(url: string, era: 'legacy' | 'modern', answer: () => PageAnswer): Promise<UrlClient> {
  const client = new Client({ name: 'url-elicitation-test', version: '1.0.0' }, { capabilities: { elicitation: { url: {} } }, versionNegotiation: { mode: era === 'legacy' ? 'legacy' : 'auto' } });
  const state: UrlClient = { client, elicitations: [], completed: [], pages: [] };
  client.setRequestHandler('elicitation/create', async (request) => {
    const params = request.params as Record<string, unknown>;
    state.elicitations.push(params);
    const choice = answer();
    if (choice === 'refuse to open') return { action: 'decline' };
    const page = await fetch(String(params.url));
    state.pages.push(await page.text());
    // The user answers on the page after the client has reported consent, as in the spec's flow.
    setTimeout(() => void fetch(String(params.url), { method: 'POST', body: new URLSearchParams({ decision: choice }) }), 100);
    return { action: 'accept' };
  });
  client.setNotificationHandler('notifications/elicitation/complete', (notification) => {
    state.completed.push(notification.params.elicitationId);
  });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  assert.equal(client.getProtocolEra(), era);
  return state;
}

function errorCodeOf(result: { _meta?: Record<string, unknown> }): string | undefined {
  return (result._meta?.['gatehouse.dev/error'] as { code?: string } | undefined)?.code;
}

describe('URL-mode confirmation', () => {
  let wires: Wires;
  let running: RunningKitServer;
  before(async () => {
    wires = createPaymentsServer();
    running = await wires.kit.listen({ port: 0, drainMs: 100 });
  });
  after(() => running.close());

  for (const era of ['legacy', 'modern'] as const) {
    describe(`${era === 'legacy' ? '2025-11-25 session' : '2026-07-28'}`, () => {
      it('sends the client to the confirmation page and acts once the user confirms there', async () => {
        const user = await connectUrlClient(running.url, era, () => 'confirm');
        try {
          const before = wires.sent.length;
          const result = await user.client.callTool({ name: 'wire_funds', arguments: { account: `DE-${era}`, amount_eur: 40 } });
          assert.notEqual(result.isError, true, JSON.stringify(result));
          assert.equal(wires.sent.length, before + 1);
          assert.equal(user.elicitations.length, 1);
          const [asked] = user.elicitations;
          assert.equal(asked!.mode, 'url');
          assert.equal(asked!.message, `Wire 40 EUR to DE-${era}?`);
          assert.match(String(asked!.url), new RegExp(`^${running.origin}/confirmations/[0-9a-f-]{36}$`));
          assert.match(user.pages[0]!, new RegExp(`Wire 40 EUR to DE-${era}\\?`), 'the page shows the question');
          if (era === 'legacy') {
            assert.equal(typeof asked!.elicitationId, 'string');
            assert.equal(String(asked!.url).endsWith(String(asked!.elicitationId)), true, 'the page is the elicitation\'s own');
            assert.deepEqual(user.completed, [asked!.elicitationId], 'notifications/elicitation/complete names the elicitation');
          } else {
            assert.equal(asked!.elicitationId, undefined, '2026-07-28 URL elicitations carry no elicitationId');
          }
        } finally {
          await user.client.close();
        }
      });

      it('refuses with a declined error, acting on nothing, when the user declines on the page', async () => {
        const user = await connectUrlClient(running.url, era, () => 'decline');
        try {
          const before = wires.sent.length;
          const result = await user.client.callTool({ name: 'wire_funds', arguments: { account: `FR-${era}`, amount_eur: 5 } });
          assert.equal(result.isError, true);
          assert.equal(errorCodeOf(result), 'declined');
          assert.equal(wires.sent.length, before);
          if (era === 'legacy') assert.deepEqual(user.completed, [user.elicitations[0]!.elicitationId]);
        } finally {
          await user.client.close();
        }
      });

      it('refuses with a declined error when the client will not open the page', async () => {
        const user = await connectUrlClient(running.url, era, () => 'refuse to open');
        try {
          const before = wires.sent.length;
          const result = await user.client.callTool({ name: 'wire_funds', arguments: { account: `NL-${era}`, amount_eur: 7 } });
          assert.equal(errorCodeOf(result), 'declined');
          assert.equal(wires.sent.length, before);
        } finally {
          await user.client.close();
        }
      });
    });
  }

  it('answers 404 for a confirmation page nobody opened, and refuses a second answer', async () => {
    assert.equal((await fetch(`${running.origin}/confirmations/00000000-0000-4000-8000-000000000000`)).status, 404);
    const id = wires.kit.runtime.confirmationPages.open({ question: 'Again?', tool: 'wire_funds', subject: 'anonymous', fingerprint: 'f' });
    const answer = (decision: string) => fetch(`${running.origin}/confirmations/${id}`, { method: 'POST', body: new URLSearchParams({ decision }) });
    assert.equal((await answer('decline')).status, 200);
    assert.equal((await answer('confirm')).status, 409, 'the first answer stands');
  });
});
