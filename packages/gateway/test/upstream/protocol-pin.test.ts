// `protocol_version` pins the revision the gateway speaks to an HTTP backend:
// a dual-era backend pinned to 2025-11-25 is initialized as a 2025 client
// would, with no server/discover probe.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backendScripts, startHttpBackend, type HttpBackendProcess } from '@gatehouse/testing/backends/launch';
import { createHttpBackend } from '../../src/upstream/http-backend.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';

describe('a pinned backend revision', () => {
  let server: HttpBackendProcess;
  before(async () => {
    server = await startHttpBackend(backendScripts.v2);
  });
  after(() => server?.close());

  for (const [pin, era] of [[undefined, 'modern'], ['2025-11-25', 'legacy'], ['2025-06-18', 'legacy']] as const) {
    it(`speaks ${pin ?? 'the newest revision'} to a dual-era backend (${era})`, async () => {
      const backend = createHttpBackend({
        name: 'pinned', url: server.url, timeoutMs: 10_000, clientInfo: { name: 'test', version: '1' }, logger: silentLogger,
        ...(pin === undefined ? {} : { protocolVersion: pin }),
      });
      try {
        const handshake = await backend.connect();
        assert.equal(handshake.era, era);
        if (pin !== undefined) assert.equal(handshake.protocolVersion, pin);
        const response = await backend.request({ method: 'tools/call', params: { name: 'echo', arguments: { message: 'pinned' } } });
        assert.ok('result' in response, JSON.stringify(response));
      } finally {
        await backend.close();
      }
    });
  }
});
