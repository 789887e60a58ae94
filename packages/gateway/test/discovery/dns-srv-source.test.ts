// Discovery from DNS SRV records, against a real DNS server on UDP (the
// fixture): records become backends in tools/list, and go when the records
// go. The naming of backends from targets is a pure function, tested by table.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { backendScripts, startHttpBackend, type HttpBackendProcess } from '@gatehouse/testing/backends/launch';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { backendsFromSrv, createDnsSrvSource } from '../../src/discovery/dns-srv-source.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { gatewayConfig } from '../fixtures/gateway-config.ts';
import { connectV1, firstText } from '../fixtures/clients.ts';
import { startSrvDnsServer, type SrvDnsServer } from '../fixtures/srv-dns-server.ts';
import type { BackendConfig } from '../../src/config/backend-schema.ts';
import { eventually } from '../fixtures/eventually.ts';

const SRV_NAME = '_mcp._tcp.tools.test';
const settings = { scheme: 'http' as const, path: '/mcp', backendPrefix: 'srv', timeoutMs: 5_000 };

describe('backendsFromSrv', () => {
  it('names each target by its first label and builds its URL', () => {
    assert.deepEqual(backendsFromSrv([{ name: 'crm.tools.test.', port: 8000, priority: 10, weight: 5 }], settings), [
      { name: 'srv-crm', url: 'http://crm.tools.test:8000/mcp', timeout_ms: 5_000, origin: 'crm.tools.test:8000' },
    ]);
  });

  it('adds the port when two targets share a first label, and sorts by priority then name', () => {
    const entries = backendsFromSrv([
      { name: 'wiki.b.test', port: 2, priority: 20, weight: 0 },
      { name: 'crm.a.test', port: 9001, priority: 10, weight: 0 },
      { name: 'crm.b.test', port: 9002, priority: 10, weight: 0 },
    ], settings);
    assert.deepEqual(entries.map((entry) => entry.name), ['srv-crm-9001', 'srv-crm-9002', 'srv-wiki']);
  });

  it('makes a safe name of an odd label and keeps within 32 characters', () => {
    const [entry] = backendsFromSrv([{ name: 'Very_Long_Host_Name_For_A_Server_Indeed.test', port: 1, priority: 0, weight: 0 }], settings);
    assert.equal(entry!.name, 'srv-very-long-host-name-for-a-se');
    assert.ok(entry!.name.length <= 32);
  });
});

describe('DNS SRV discovery against a DNS server', () => {
  let dns: SrvDnsServer;
  let backend: HttpBackendProcess;
  let port: number;
  let gateway: RunningGateway;

  before(async () => {
    dns = await startSrvDnsServer();
    backend = await startHttpBackend(backendScripts.v2);
    port = Number(new URL(backend.url).port);
    dns.records.set(SRV_NAME, [{ target: '127.0.0.1', port }]);
    gateway = await startGateway(
      {
        ...gatewayConfig([]),
        // Discovered backends go through the outbound guard (docs/security.md section 3): this test's backends are on loopback.
        outbound: { allow: ['127.0.0.1'], timeoutMs: 10_000, maxResponseBytes: 1_048_576 },
        discovery: { directory: undefined, kubernetes: undefined, dnsSrv: [{ name: SRV_NAME, scheme: 'http', path: '/mcp', backendPrefix: 'tools', intervalSeconds: 1, resolvers: [dns.address], timeoutMs: 5_000 }] },
      },
      { logger: silentLogger, hasAdmin: false },
    );
  });

  after(async () => {
    await gateway?.close();
    await backend?.close();
    await dns?.close();
  });

  it('serves the tools of a backend the SRV record names, and drops it when the record goes', async () => {
    const client = await connectV1(gateway.url);
    try {
      const tools = async () => (await client.listTools()).tools.map((tool) => tool.name).filter((name) => name.endsWith('__echo'));
      await eventually(async () => assert.deepEqual(await tools(), ['tools-127__echo']));
      assert.equal(firstText(await client.callTool({ name: 'tools-127__echo', arguments: { message: 'by SRV' } })), 'by SRV');

      dns.records.delete(SRV_NAME);
      await eventually(async () => assert.deepEqual(await tools(), []));
      assert.ok(dns.questions >= 2);
    } finally {
      await client.close();
    }
  });

  it('keeps the last set while the DNS server does not answer, and reports only changes', async () => {
    const reports: BackendConfig[][] = [];
    const silent = await startSrvDnsServer();
    silent.records.set(SRV_NAME, [{ target: '127.0.0.1', port }]);
    const source = createDnsSrvSource({ name: SRV_NAME, scheme: 'http', path: '/mcp', backendPrefix: 'x', intervalSeconds: 1, resolvers: [silent.address], timeoutMs: 5_000, nameSeparator: '__', logger: silentLogger });
    try {
      await source.start((backends) => reports.push(backends));
      assert.deepEqual(reports.map((set) => set.map((each) => each.name)), [['x-127']]);
      await silent.close();
      await sleep(2_500);
      assert.equal(reports.length, 1, 'a failing lookup must not report an empty set');
    } finally {
      await source.close();
    }
  });
});
