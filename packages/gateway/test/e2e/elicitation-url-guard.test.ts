// A backend cannot use the gateway to hand a client a dangerous link: a
// URL-mode elicitation whose url is javascript:, data:, file: or carries
// credentials is never passed on, for each pairing of client and backend
// revision and on both endpoints; an https link still is. The gateway never
// fetches these URLs itself (docs/security.md section 3).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backendScripts, startHttpBackend, stdioCommand, type HttpBackendProcess } from '@gatehouse/testing/backends/launch';
import { connectInteractiveV1 } from '@gatehouse/testing/clients/interactive-v1';
import { connectInteractiveV2 } from '@gatehouse/testing/clients/interactive-v2';
import type { InteractiveClient } from '@gatehouse/testing/clients/interactive-client';
import type { InteractiveHandlers } from '@gatehouse/testing/clients/interactive-handlers';
import type { BackendConfig } from '../../src/config/backend-schema.ts';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { gatewayConfig, httpBackend, stdioBackend } from '../fixtures/gateway-config.ts';

type Connect = (url: string, handlers: InteractiveHandlers) => Promise<InteractiveClient>;

const DANGEROUS = ['javascript:alert(document.cookie)', 'data:text/html,<script>alert(1)</script>', 'file:///etc/passwd', 'https://bank.example@evil.example/login'];

function describePairing(title: string, backend: 'v1' | 'v2', transport: 'http' | 'stdio', connect: Connect): void {
  describe(title, () => {
    const name = `${backend}${transport}`;
    let process: HttpBackendProcess | undefined;
    let gateway: RunningGateway;
    const handlers: InteractiveHandlers = { elicitUrl: () => ({ action: 'accept' }) };

    before(async () => {
      let config: BackendConfig;
      if (transport === 'http') {
        process = await startHttpBackend(backendScripts[backend]);
        config = httpBackend(name, process.url);
      } else {
        const command = stdioCommand(backendScripts[backend]);
        config = stdioBackend(name, command.command, command.args);
      }
      gateway = await startGateway(gatewayConfig([config]), { logger: silentLogger, hasAdmin: false });
    });
    after(async () => {
      await gateway?.close();
      await process?.close();
    });

    for (const endpoint of ['/mcp', `/servers/{name}/mcp`]) {
      it(`never passes a javascript:, data:, file: or credential-carrying link to the client on ${endpoint}`, async () => {
        const url = new URL(endpoint.replace('{name}', name), gateway.url).href;
        const toolName = endpoint === '/mcp' ? `${name}__open_url` : 'open_url';
        const client = await connect(url, handlers);
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

describePairing('2025 client (SDK v1) with a 2025 backend over HTTP', 'v1', 'http', (url, handlers) => connectInteractiveV1(url, handlers));
describePairing('2026 client (SDK v2) with a 2026 backend over stdio', 'v2', 'stdio', (url, handlers) => connectInteractiveV2(url, 'auto', handlers));
describePairing('2026 client (SDK v2) with a 2025 backend over stdio: the bridge', 'v1', 'stdio', (url, handlers) => connectInteractiveV2(url, 'auto', handlers));
describePairing('2025 client (SDK v2, legacy era) with a 2026 backend over HTTP: the bridge', 'v2', 'http', (url, handlers) => connectInteractiveV2(url, 'legacy', handlers));
