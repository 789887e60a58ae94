// Server-to-client traffic through the gateway for each of the four pairings
// of client and backend revision: elicitation (form, URL), sampling, roots,
// progress, logging, cancellation, resource updates and list changes, with
// the same scenarios the test backends pass when called directly. Each
// pairing gets its own gateway, so the backends' identical resource URIs
// never compete for ownership.

import { after, before, describe } from 'node:test';
import { backendScripts, startHttpBackend, stdioCommand, type HttpBackendProcess } from '@gatehouse/testing/backends/launch';
import { describeInteractiveScenarios } from '@gatehouse/testing/clients/interactive-scenarios';
import { connectInteractiveV1 } from '@gatehouse/testing/clients/interactive-v1';
import { connectInteractiveV2 } from '@gatehouse/testing/clients/interactive-v2';
import type { InteractiveClient } from '@gatehouse/testing/clients/interactive-client';
import type { InteractiveHandlers } from '@gatehouse/testing/clients/interactive-handlers';
import type { BackendConfig } from '../../src/config/backend-schema.ts';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { gatewayConfig, httpBackend, stdioBackend } from '../fixtures/gateway-config.ts';

type Connect = (url: string, handlers: InteractiveHandlers) => Promise<InteractiveClient>;

/** One pairing: a gateway in front of one backend, and the shared scenarios through it. */
function describePairing(title: string, backend: 'v1' | 'v2', transport: 'http' | 'stdio', connect: Connect): void {
  describe(title, () => {
    const name = `${backend}${transport}`;
    let process: HttpBackendProcess | undefined;
    let gateway: RunningGateway;
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
    describeInteractiveScenarios({
      connect: (handlers) => connect(gateway.url, handlers),
      counterUri: `test://${backend}/counter`,
      toolName: (tool) => `${name}__${tool}`,
      sharesBackend: true,
    });
  });
}

describePairing('2025 client (SDK v1) with a 2025 backend over HTTP', 'v1', 'http', (url, handlers) => connectInteractiveV1(url, handlers));
describePairing('2026 client (SDK v2) with a 2026 backend over stdio', 'v2', 'stdio', (url, handlers) => connectInteractiveV2(url, 'auto', handlers));
describePairing('2026 client (SDK v2) with a 2025 backend over stdio: the bridge', 'v1', 'stdio', (url, handlers) => connectInteractiveV2(url, 'auto', handlers));
describePairing('2025 client (SDK v2, legacy era) with a 2026 backend over HTTP: the bridge', 'v2', 'http', (url, handlers) => connectInteractiveV2(url, 'legacy', handlers));
