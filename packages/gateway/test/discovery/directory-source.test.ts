// Discovery from a watched directory: a backend file dropped in appears in
// tools/list of a running gateway, a changed file reconfigures it, a deleted
// file takes it away, and a bad file is refused with its name and key.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { backendScripts, startHttpBackend, type HttpBackendProcess } from '@gatehouse/testing/backends/launch';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { parseBackendFile } from '../../src/discovery/backend-entry.ts';
import { isConfigError } from '../../src/config/errors.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { gatewayConfig, httpBackend } from '../fixtures/gateway-config.ts';
import { connectV2, firstText } from '../fixtures/clients.ts';
import { connectInteractiveV2 } from '@gatehouse/testing/clients/interactive-v2';
import { eventually } from '../fixtures/eventually.ts';

describe('parseBackendFile', () => {
  it('reads one backends entry with the config defaults', () => {
    const backend = parseBackendFile('name: crm\nurl: http://crm.internal/mcp\n', '/etc/gatehouse/backends.d/crm.yaml', '__');
    assert.equal(backend.name, 'crm');
    assert.equal(backend.kind, 'http');
    assert.equal(backend.timeoutMs, 30_000);
  });

  it('names the file and the key of an unknown key, with a suggestion', () => {
    assert.throws(() => parseBackendFile('name: crm\nurl: http://crm.internal/mcp\ntiemout_ms: 5\n', 'backends.d/crm.yaml', '__'), (error: unknown) => {
      assert.ok(isConfigError(error));
      assert.match(error.message, /^backends\.d\/crm\.yaml: tiemout_ms: unknown key \(did you mean "timeout_ms"\?\)$/);
      return true;
    });
  });

  it('names the file and the line of a YAML syntax error', () => {
    assert.throws(() => parseBackendFile('name: crm\nurl: [oops\n', 'backends.d/crm.yaml', '__'), / backends\.d\/crm\.yaml:\d+:\d+: /);
  });

  it('refuses a name that contains the separator and a file that is a list', () => {
    assert.throws(() => parseBackendFile('name: my-crm\nurl: http://crm/mcp\n', 'a.yaml', '-'), / a\.yaml: name: .*contains "-"/);
    assert.throws(() => parseBackendFile('- name: crm\n', 'b.yaml', '__'), /b\.yaml: expected one backend/);
  });
});

describe('a watched directory of backend files', () => {
  let backend: HttpBackendProcess;
  let directory: string;
  let gateway: RunningGateway;

  before(async () => {
    backend = await startHttpBackend(backendScripts.v2);
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-backends-d-'));
    gateway = await startGateway(
      {
        ...gatewayConfig([httpBackend('static', backend.url)]),
        discovery: { directory: { path: directory }, dnsSrv: [], kubernetes: undefined },
        // Discovered backends go through the outbound guard (docs/security.md section 3): this test's backends are on loopback.
        outbound: { allow: ['127.0.0.1'], timeoutMs: 10_000, maxResponseBytes: 1_048_576 },
      },
      { logger: silentLogger, hasAdmin: false },
    );
  });

  after(async () => {
    await gateway?.close();
    await backend?.close();
    if (directory !== undefined) await rm(directory, { recursive: true, force: true });
  });

  it('adds, changes and removes backends as files come and go, keeping a broken file\'s last good version', async () => {
    const client = await connectV2(gateway.url, 'legacy');
    // A 2026-07-28 client listening for list changes hears the backend arrive too.
    const modern = await connectInteractiveV2(gateway.url, 'auto');
    const names = async () => (await client.listTools()).tools.map((tool) => tool.name).filter((name) => name.endsWith('__echo'));
    try {
      assert.equal(modern.era, 'modern');
      const listening = await modern.subscribe({ toolsListChanged: true });
      assert.deepEqual(await names(), ['static__echo']);
      const before = modern.notifications.entries.length;

      await writeFile(join(directory, 'wiki.yaml'), `name: wiki\nurl: ${backend.url}\n`);
      await eventually(async () => assert.deepEqual(await names(), ['static__echo', 'wiki__echo']));
      await modern.notifications.waitFor('notifications/tools/list_changed', { after: before });
      assert.ok((await modern.listToolNames()).includes('wiki__echo'));
      await listening.close();
      assert.equal(firstText(await client.callTool({ name: 'wiki__echo', arguments: { message: 'found by file' } })), 'found by file');

      const oldWiki = gateway.backends.find((each) => each.name === 'wiki');
      await writeFile(join(directory, 'wiki.yaml'), `name: wiki\nurl: ${backend.url}\ntimeout_ms: 7000\n`);
      await eventually(async () => assert.notEqual(gateway.backends.find((each) => each.name === 'wiki'), oldWiki));

      // Broken: the last good version stays; a file that never validated adds nothing; a name clash with the config loses.
      await writeFile(join(directory, 'wiki.yaml'), `name: wiki\nurl: ${backend.url}\ntimeout: 5\n`);
      await writeFile(join(directory, 'bad.yml'), 'name: bad\n');
      await writeFile(join(directory, 'static.yaml'), `name: static\nurl: http://127.0.0.1:9/mcp\n`);
      await writeFile(join(directory, 'notes.txt'), 'not a backend');
      await sleep(600);
      await gateway.settled();
      assert.deepEqual(await names(), ['static__echo', 'wiki__echo']);
      assert.equal(firstText(await client.callTool({ name: 'static__echo', arguments: { message: 'config wins' } })), 'config wins');

      await unlink(join(directory, 'wiki.yaml'));
      await eventually(async () => assert.deepEqual(await names(), ['static__echo']));
    } finally {
      await client.close();
      await modern.close();
    }
  });
});
