// Closing a gateway twice (a test's cleanup after a failed setup, drain then
// close) resolves both times instead of hanging on resources already closed.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backendScripts, stdioCommand } from '@gatehouse/testing/backends/launch';
import { startGateway } from '../src/gateway.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import { gatewayConfig, stdioBackend } from './fixtures/gateway-config.ts';

describe('closing a gateway', () => {
  it('resolves every close, concurrent or later, and the listener is gone', async () => {
    const v2 = stdioCommand(backendScripts.v2);
    const gateway = await startGateway(gatewayConfig([stdioBackend('crm', v2.command, v2.args)]), { logger: silentLogger, hasAdmin: false });
    await Promise.all([gateway.close(), gateway.close()]);
    await gateway.close();
    await assert.rejects(fetch(gateway.url, { method: 'POST' }), /fetch failed/);
  });
});
