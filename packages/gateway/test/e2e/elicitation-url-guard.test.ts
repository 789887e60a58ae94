// A backend cannot use the gateway to hand a client a dangerous link: a
// URL-mode elicitation whose url is javascript:, data:, file: or carries
// credentials is never passed on, for each pairing of client and backend
// revision and on both endpoints; an https link still is. The gateway never
// fetches these URLs itself (docs/security.md section 3).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { InteractiveHandlers } from '@gatehouse/testing/clients/interactive-handlers';
import { PAIRINGS, startPairedGateway, type PairedGateway, type Pairing } from '../fixtures/interactive-pairings.ts';

const DANGEROUS = ['javascript:alert(document.cookie)', 'data:text/html,<script>alert(1)</script>', 'file:///etc/passwd', 'https://bank.example@evil.example/login'];

function describePairing(pairing: Pairing): void {
  describe(pairing.title, () => {
    let paired: PairedGateway;
    const handlers: InteractiveHandlers = { elicitUrl: () => ({ action: 'accept' }) };

    before(async () => {
      paired = await startPairedGateway(pairing);
    });
    after(async () => {
      await paired?.close();
    });

    for (const endpoint of ['/mcp', `/servers/{name}/mcp`]) {
      it(`never passes a javascript:, data:, file: or credential-carrying link to the client on ${endpoint}`, async () => {
        const url = new URL(endpoint.replace('{name}', paired.name), paired.gateway.url).href;
        const toolName = endpoint === '/mcp' ? `${paired.name}__open_url` : 'open_url';
        const client = await pairing.connect(url, handlers);
        try {
          for (const link of DANGEROUS) {
            const outcome = await client.callTool(toolName, { url: link }).catch((error: unknown) => ({ text: String(error), isError: true }));
            assert.equal(outcome.isError, true, `${link}: ${outcome.text}`);
          }
          assert.deepEqual(client.requests.map((request) => (request.params as { url?: string }).url), []);
          const fine = await client.callTool(toolName, { url: 'https://example.com/consent' });
          assert.equal(fine.text, 'accept');
        } finally {
          await client.close();
        }
      });
    }
  });
}

for (const pairing of PAIRINGS) describePairing(pairing);
