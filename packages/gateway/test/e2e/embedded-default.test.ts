// `npm start`'s path end to end: the CLI starts the gateway on the shipped
// embedded default (demo CRM, demo docs and server-everything over stdio) as a real
// child process with authentication on (its embedded identity provider),
// `gatehouse token` gets an agent's token, and the official MCP Inspector CLI
// lists and calls tools through it with that token.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { gatehouseCli as cli, startGateway, type GatewayProcess } from '@gatehouse/testing/gateway/launch-gateway';

const inspector = createRequire(import.meta.url).resolve('@modelcontextprotocol/inspector/clients/launcher/build/index.js');
const run = promisify(execFile);

describe('the embedded default, driven by the MCP Inspector CLI', () => {
  let gateway: GatewayProcess;
  let authorization: string;

  before(async () => {
    gateway = await startGateway({
      args: ['--port', '0', '--admin-port', '0'],
      // The embedded identity provider follows the gateway onto a free port, so parallel runs never collide.
      env: { GATEHOUSE_LOG_LEVEL: 'warn' },
    });
    // `gatehouse token` finds the embedded provider through the gateway's protected resource metadata; the token is the last line.
    const { stdout } = await run(process.execPath, [cli, 'token', '--agent', 'admin', '--gateway', gateway.url.replace(/\/mcp$/, '')], { timeout: 60_000 });
    authorization = `Authorization: Bearer ${stdout.trim().split('\n').at(-1)}`;
  });
  after(async () => {
    await gateway?.close();
  });

  it('reports every shipped backend ready on /readyz', async () => {
    const readiness = (await (await fetch(`${gateway.adminUrl}/readyz`)).json()) as { status: string; backends: Array<{ name: string; state: string }> };
    assert.equal(readiness.status, 'ready');
    assert.deepEqual(readiness.backends.map((backend) => [backend.name, backend.state]), [['crm', 'ready'], ['docs', 'ready'], ['everything', 'ready']]);
  });

  it('refuses an unauthenticated client: authentication is on by default', async () => {
    const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}' });
    assert.equal(response.status, 401);
  });

  it('lists the tools of both backends through the Inspector CLI', async () => {
    const { stdout } = await run(process.execPath, [inspector, '--cli', gateway.url, '--transport', 'http', '--header', authorization, '--method', 'tools/list'], { timeout: 60_000 });
    const names = (JSON.parse(stdout) as { tools: Array<{ name: string }> }).tools.map((tool) => tool.name);
    assert.ok(names.includes('crm__get_customer'), names.join(', '));
    assert.ok(names.some((name) => name.startsWith('everything__')), names.join(', '));
    assert.ok(names.includes('docs__search_docs'), names.join(', '));
  });

  it('calls the demo documents server (on the server kit) through the Inspector CLI', async () => {
    const { stdout } = await run(
      process.execPath,
      [inspector, '--cli', gateway.url, '--transport', 'http', '--header', authorization, '--method', 'tools/call', '--tool-name', 'docs__search_docs', '--tool-arg', 'query=deploy'],
      { timeout: 60_000 },
    );
    assert.match(stdout, /doc:\/\/engineering\/runbooks\/deploy/);
  });

  it('calls a demo CRM tool through the Inspector CLI', async () => {
    const { stdout } = await run(
      process.execPath,
      [inspector, '--cli', gateway.url, '--transport', 'http', '--header', authorization, '--method', 'tools/call', '--tool-name', 'crm__echo', '--tool-arg', 'message=through the gateway'],
      { timeout: 60_000 },
    );
    assert.match(stdout, /through the gateway/);
  });

  it('stops cleanly on SIGTERM', async () => {
    gateway.process.kill('SIGTERM');
    assert.equal((await gateway.exited).code, 0);
    gateway = undefined as never;
  });
});
