// A discovered record is not the operator: a backend file, SRV record or
// Service that points at loopback, a private address or a metadata service
// is refused by the outbound guard and no connection reaches it, while the
// config file's own backends on loopback keep working, and an address opened
// in outbound.allow is reached.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { backendScripts, startHttpBackend, type HttpBackendProcess } from '@gatehouse/testing/backends/launch';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { OutboundGuard, type Resolve } from '../../src/outbound/outbound-guard.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { gatewayConfig, httpBackend } from '../fixtures/gateway-config.ts';
import { connectV2 } from '../fixtures/clients.ts';
import { eventually } from '../fixtures/eventually.ts';
import { startCountingListener, type CountingListener } from '../fixtures/counting-listener.ts';

const resolverOf = (table: Record<string, string[]>): Resolve => async (hostname) => {
  const addresses = table[hostname];
  if (addresses === undefined) throw Object.assign(new Error(`${hostname} not found`), { code: 'ENOTFOUND' });
  return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

async function startWithDirectory(directory: string, staticUrl: string, outbound: OutboundGuard): Promise<RunningGateway> {
  return startGateway(
    { ...gatewayConfig([httpBackend('static', staticUrl)]), discovery: { directory: { path: directory }, dnsSrv: [], kubernetes: undefined } },
    { logger: silentLogger, hasAdmin: false, outbound },
  );
}

describe('discovered backends go through the outbound guard', () => {
  let backend: HttpBackendProcess;
  let trap: CountingListener;
  const cleanups: Array<() => Promise<unknown>> = [];

  before(async () => {
    backend = await startHttpBackend(backendScripts.v2);
    trap = await startCountingListener();
  });
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await trap?.close();
    await backend?.close();
  });

  async function directoryWith(files: Record<string, string>): Promise<string> {
    const directory = await mkdtemp(join(tmpdir(), 'gatehouse-guarded-d-'));
    cleanups.push(() => rm(directory, { recursive: true, force: true }));
    for (const [name, text] of Object.entries(files)) await writeFile(join(directory, name), text);
    return directory;
  }

  it('refuses a discovered backend on loopback, a metadata name and a name resolving to loopback; no connection arrives', async () => {
    const directory = await directoryWith({
      'loopback.yaml': `name: loopback\nurl: http://127.0.0.1:${trap.port}/mcp\n`,
      'decimal.yaml': `name: decimal\nurl: http://2130706433:${trap.port}/mcp\n`,
      'metadata.yaml': `name: metadata\nurl: http://metadata.google.internal:${trap.port}/mcp\n`,
      'imds.yaml': 'name: imds\nurl: http://169.254.169.254/mcp\n',
      'rebound.yaml': `name: rebound\nurl: http://rebound.test:${trap.port}/mcp\n`,
    });
    const outbound = new OutboundGuard({ resolve: resolverOf({ 'metadata.google.internal': ['127.0.0.1'], 'rebound.test': ['127.0.0.1'] }) });
    const gateway = await startWithDirectory(directory, backend.url, outbound);
    cleanups.push(() => outbound.close(), () => gateway.close());
    await gateway.settled();
    await sleep(500);
    const client = await connectV2(gateway.url, 'legacy');
    try {
      // The operator's own backend on loopback still serves.
      const names = (await client.listTools()).tools.map((tool) => tool.name).filter((name) => name.endsWith('__echo'));
      assert.deepEqual(names, ['static__echo']);
    } finally {
      await client.close();
    }
    // A name is only checked once resolved: the backend exists but can never connect.
    const running = gateway.backends.map((each) => each.name).sort();
    assert.deepEqual(running, ['rebound', 'static']);
    assert.notEqual(gateway.backends.find((each) => each.name === 'rebound')!.state, 'ready');
    assert.equal(trap.accepted(), 0);
  });

  it('never fetches a token endpoint a discovered record names on an internal address, literal or resolved', async () => {
    const port = new URL(backend.url).port;
    const auth = (tokenUrl: string) => `auth:\n  type: oauth_client_credentials\n  token_url: ${tokenUrl}\n  client_id: wiki\n  client_secret: wiki-secret\n`;
    const directory = await directoryWith({
      'literal.yaml': `name: literal\nurl: http://tools.test:${port}/mcp\n${auth(`http://127.0.0.1:${trap.port}/token`)}`,
      'resolved.yaml': `name: resolved\nurl: http://tools.test:${port}/mcp\n${auth(`http://idp.test:${trap.port}/token`)}`,
    });
    const outbound = new OutboundGuard({ allow: ['tools.test'], resolve: resolverOf({ 'tools.test': ['127.0.0.1'], 'idp.test': ['127.0.0.1'] }) });
    const gateway = await startWithDirectory(directory, backend.url, outbound);
    cleanups.push(() => outbound.close(), () => gateway.close());
    await gateway.settled();
    await sleep(500);
    // The literal one is left out before anything runs; the resolved one runs but its token request is refused after DNS.
    assert.deepEqual(gateway.backends.map((each) => each.name).sort(), ['resolved', 'static']);
    assert.notEqual(gateway.backends.find((each) => each.name === 'resolved')!.state, 'ready');
    assert.equal(trap.accepted(), 0);
  });

  it('reaches a discovered backend once its address is allowed in outbound.allow', async () => {
    const port = new URL(backend.url).port;
    const directory = await directoryWith({ 'wiki.yaml': `name: wiki\nurl: http://127.0.0.1:${port}/mcp\n` });
    const outbound = new OutboundGuard({ allow: ['127.0.0.0/8'] });
    const gateway = await startWithDirectory(directory, backend.url, outbound);
    cleanups.push(() => outbound.close(), () => gateway.close());
    const client = await connectV2(gateway.url, 'legacy');
    try {
      await eventually(async () => {
        const names = (await client.listTools()).tools.map((tool) => tool.name).filter((name) => name.endsWith('__echo'));
        assert.deepEqual(names, ['static__echo', 'wiki__echo']);
      });
    } finally {
      await client.close();
    }
  });
});
