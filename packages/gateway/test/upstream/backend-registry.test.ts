import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, test } from 'node:test';
import { backendScripts, startHttpBackend, stdioCommand } from '../../../testing/src/backends/launch.ts';
import { startV2BackendHttp } from '../../../testing/src/backends/v2-server.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { isBackendError, type Backend } from '../../src/upstream/backend.ts';
import { BackendRegistryError, createBackendFactory, createBackendRegistry, type UpstreamConfig } from '../../src/upstream/backend-registry.ts';

const factory = createBackendFactory({ clientInfo: { name: 'gatehouse-test', version: '0.0.0' }, logger: silentLogger });

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function becomesReady(backend: Backend, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${backend.name} never became ready`)), timeoutMs);
    backend.onStateChange((state) => {
      if (state === 'ready') {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

describe('backend registry', () => {
  test('connects http and stdio backends in parallel and reports a dead one as down without failing', async () => {
    const v2 = await startHttpBackend(backendScripts.v2);
    const configs: UpstreamConfig[] = [
      { kind: 'http', name: 'weather', url: v2.url, timeoutMs: 5_000 },
      // 15 s: the discover probe of a Node SDK server starting on a loaded machine can take over 5 s.
      { kind: 'stdio', name: 'files', ...stdioCommand(backendScripts.v1), timeoutMs: 15_000 },
      { kind: 'http', name: 'crm', url: 'http://127.0.0.1:9/mcp', timeoutMs: 5_000 },
    ];
    const registry = createBackendRegistry(configs, factory, { logger: silentLogger, retry: { initialDelayMs: 60_000 } });
    try {
      const reports = await registry.connectAll();
      assert.deepEqual(reports.map((report) => [report.name, report.state, report.handshake?.era]), [
        ['weather', 'ready', 'modern'],
        ['files', 'ready', 'legacy'],
        ['crm', 'down', undefined],
      ]);
      const crmError = reports[2]?.error;
      assert.ok(isBackendError(crmError) && crmError.code === 'backend_unavailable');
      assert.equal(registry.get('files')?.kind, 'stdio');
      assert.deepEqual(registry.all().map((backend) => backend.name), ['weather', 'files', 'crm']);
      assert.equal(registry.get('nope'), undefined);
    } finally {
      await registry.closeAll();
      await v2.close();
    }
  });

  test('keeps retrying a down backend in the background until it comes up', async () => {
    const port = await freePort();
    const registry = createBackendRegistry(
      [{ kind: 'http', name: 'late', url: `http://127.0.0.1:${port}/mcp`, timeoutMs: 2_000 }],
      factory,
      { logger: silentLogger, retry: { initialDelayMs: 50, maxDelayMs: 200 } },
    );
    let server: Awaited<ReturnType<typeof startV2BackendHttp>> | undefined;
    try {
      const [report] = await registry.connectAll();
      assert.equal(report?.state, 'down');
      const late = registry.get('late')!;
      const ready = becomesReady(late);
      server = await startV2BackendHttp({ port });
      await ready;
      assert.equal(late.handshake?.era, 'modern');
    } finally {
      await registry.closeAll();
      await server?.close();
    }
  });

  test('closes every backend and stops retrying on closeAll', async () => {
    const registry = createBackendRegistry(
      [{ kind: 'http', name: 'crm', url: 'http://127.0.0.1:9/mcp', timeoutMs: 1_000 }],
      factory,
      { logger: silentLogger, retry: { initialDelayMs: 20 } },
    );
    await registry.connectAll();
    await registry.closeAll();
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(registry.get('crm')?.state, 'closed');
  });

  test('refuses two backends with the same name', () => {
    const configs: UpstreamConfig[] = [
      { kind: 'http', name: 'crm', url: 'http://127.0.0.1:9/mcp', timeoutMs: 1_000 },
      { kind: 'http', name: 'crm', url: 'http://127.0.0.1:10/mcp', timeoutMs: 1_000 },
    ];
    assert.throws(() => createBackendRegistry(configs, factory, { logger: silentLogger }), BackendRegistryError);
  });
});
