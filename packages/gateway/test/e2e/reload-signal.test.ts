// SIGHUP on a real `gatehouse start` process: the config file is re-read
// and applied (a backend added shows up in tools/list of a session opened
// before), and a bad file is refused with a log line naming the file and
// the key while the process keeps serving the old config.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backendScripts, startHttpBackend, type HttpBackendProcess } from '@gatehouse/testing/backends/launch';
import { startGateway, type GatewayProcess } from '@gatehouse/testing/gateway/launch-gateway';
import { connectV1, firstText } from '../fixtures/clients.ts';
import { eventually } from '../fixtures/eventually.ts';

function configText(url: string, names: string[], extra = ''): string {
  return `gateway:\n  port: 0\n  admin_port: 0\nbackends:\n${names.map((name) => `  - name: ${name}\n    url: ${url}\n`).join('')}${extra}`;
}

describe('SIGHUP reloads a running gatehouse start', () => {
  let backend: HttpBackendProcess;
  let directory: string;
  let configPath: string;
  let gateway: GatewayProcess;

  before(async () => {
    backend = await startHttpBackend(backendScripts.v2);
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-sighup-'));
    configPath = join(directory, 'gatehouse.yaml');
    await writeFile(configPath, configText(backend.url, ['a']));
    gateway = await startGateway({ args: ['--config', configPath], env: { GATEHOUSE_LOG_LEVEL: 'info' } });
  });

  after(async () => {
    gateway?.process.kill('SIGKILL');
    await backend?.close();
    if (directory !== undefined) await rm(directory, { recursive: true, force: true });
  });

  it('adds a backend on SIGHUP without dropping the open session, and refuses a bad file', async () => {
    const session = await connectV1(gateway.url);
    const names = async () => (await session.listTools()).tools.map((tool) => tool.name);
    assert.ok((await names()).includes('a__echo'));
    assert.ok(!(await names()).includes('b__echo'));

    await writeFile(configPath, configText(backend.url, ['a', 'b']));
    gateway.process.kill('SIGHUP');
    await eventually(async () => assert.ok((await names()).includes('b__echo')));
    assert.equal(firstText(await session.callTool({ name: 'b__echo', arguments: { message: 'via b' } })), 'via b');
    const later = await connectV1(gateway.url);
    assert.match(later.getInstructions() ?? '', /federates 2 MCP servers \(a, b\)/);
    await later.close();

    await writeFile(configPath, configText(backend.url, ['a'], 'backends_dir: ./more\n'));
    gateway.process.kill('SIGHUP');
    await eventually(async () => assert.match(gateway.stderr(), /config reload refused/));
    assert.match(gateway.stderr(), /gatehouse\.yaml: backends_dir: unknown key/);
    assert.ok((await names()).includes('b__echo'), 'the refused file would remove b; the running config must stay');
    assert.equal(gateway.process.exitCode, null);
    await session.close();
  });
});
