// A retired backend (removed or replaced by a reload) is closed only once the
// calls already sent to it have answered, or at its drain deadline.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { backendScripts, startHttpBackend, type HttpBackendProcess } from '@gatehouse/testing/backends/launch';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { createBackendFactory, createBackendRegistry } from '../../src/upstream/backend-registry.ts';
import type { InFlightBackend } from '../../src/upstream/in-flight-backend.ts';

const factory = createBackendFactory({ clientInfo: { name: 'gatehouse-test', version: '0.0.0' }, logger: silentLogger });

describe('retiring a backend', () => {
  let server: HttpBackendProcess;

  before(async () => {
    server = await startHttpBackend(backendScripts.v2);
  });

  after(async () => {
    await server?.close();
  });

  test('waits for the call in flight, then closes', async () => {
    const registry = createBackendRegistry([{ kind: 'http', name: 'a', url: server.url, timeoutMs: 5_000 }], factory, { logger: silentLogger });
    try {
      await registry.connectAll();
      const backend = registry.get('a') as InFlightBackend;
      const call = backend.request({ method: 'tools/call', params: { name: 'slow', arguments: { ms: 400 } } });
      assert.equal(backend.inFlight, 1);
      assert.equal(registry.remove('a'), backend);
      assert.deepEqual(registry.all(), []);
      const retired = registry.retire(backend, 5_000);
      await sleep(100);
      assert.notEqual(backend.state, 'closed');
      const response = await call;
      assert.ok('result' in response, JSON.stringify(response));
      await retired;
      assert.equal(backend.state, 'closed');
      assert.equal(backend.inFlight, 0);
    } finally {
      await registry.closeAll();
    }
  });

  test('closes at the deadline even when a call is still running', async () => {
    const registry = createBackendRegistry([{ kind: 'http', name: 'a', url: server.url, timeoutMs: 5_000 }], factory, { logger: silentLogger });
    try {
      await registry.connectAll();
      const backend = registry.remove('a')!;
      const call = backend.request({ method: 'tools/call', params: { name: 'slow', arguments: { ms: 3_000 } } }).then(() => 'answered', () => 'failed');
      const started = Date.now();
      await registry.retire(backend, 200);
      assert.ok(Date.now() - started < 2_000);
      assert.equal(backend.state, 'closed');
      assert.equal(await call, 'failed');
    } finally {
      await registry.closeAll();
    }
  });

  test('put swaps a backend in under its name and hands back the one it replaced', async () => {
    const registry = createBackendRegistry([{ kind: 'http', name: 'a', url: server.url, timeoutMs: 5_000 }], factory, { logger: silentLogger });
    try {
      const first = registry.get('a')!;
      const second = registry.create({ kind: 'http', name: 'a', url: server.url, timeoutMs: 4_000 });
      assert.equal(registry.put(second), first);
      assert.equal(registry.get('a'), second);
      assert.deepEqual(registry.all(), [second]);
      await first.close();
    } finally {
      await registry.closeAll();
    }
  });
});
