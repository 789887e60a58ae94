// `npm start`'s path end to end: the CLI starts the gateway on the shipped
// embedded default (demo CRM and server-everything over stdio) as a real
// child process with authentication on (its embedded identity provider),
// `gatehouse token` gets an agent's token, and the official MCP Inspector CLI
// lists and calls tools through it with that token.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const inspector = createRequire(import.meta.url).resolve('@modelcontextprotocol/inspector/clients/launcher/build/index.js');
const run = promisify(execFile);

function startCli(): Promise<{ child: ChildProcess; url: string; adminUrl: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'start', '--port', '0', '--admin-port', '0'], {
      // Port 0 for the embedded identity provider too, so parallel runs never collide.
      env: { ...process.env, GATEHOUSE_LOG_LEVEL: 'warn', GATEHOUSE_IDP_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    // A gateway that does not come up is killed: a live child would keep this test file from ever exiting.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gateway did not start in time\n${stdout}\n${stderr}`));
    }, 60_000);
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk;
      const url = /listening on (http:\/\/\S+\/mcp)/.exec(stdout)?.[1];
      const adminUrl = /Admin \(health, readiness\): (http:\/\/\S+)\/healthz/.exec(stdout)?.[1];
      if (url !== undefined && adminUrl !== undefined && stdout.includes('Per-backend endpoints')) {
        clearTimeout(timer);
        resolve({ child, url, adminUrl });
      }
    });
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}\n${stdout}\n${stderr}`)));
  });
}

describe('the embedded default, driven by the MCP Inspector CLI', () => {
  let gateway: { child: ChildProcess; url: string; adminUrl: string };
  let authorization: string;

  before(async () => {
    gateway = await startCli();
    // `gatehouse token` finds the embedded provider through the gateway's protected resource metadata; the token is the last line.
    const { stdout } = await run(process.execPath, [cli, 'token', '--agent', 'admin', '--gateway', gateway.url.replace(/\/mcp$/, '')], { timeout: 60_000 });
    authorization = `Authorization: Bearer ${stdout.trim().split('\n').at(-1)}`;
  });
  after(async () => {
    if (gateway === undefined) return;
    const exited = new Promise((resolve) => gateway.child.once('exit', resolve));
    gateway.child.kill('SIGTERM');
    await exited;
  });

  it('reports both shipped backends ready on /readyz', async () => {
    const readiness = (await (await fetch(`${gateway.adminUrl}/readyz`)).json()) as { status: string; backends: Array<{ name: string; state: string }> };
    assert.equal(readiness.status, 'ready');
    assert.deepEqual(readiness.backends.map((backend) => [backend.name, backend.state]), [['crm', 'ready'], ['everything', 'ready']]);
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
    const exited = new Promise<number | null>((resolve) => gateway.child.once('exit', resolve));
    gateway.child.kill('SIGTERM');
    assert.equal(await exited, 0);
    gateway = undefined as never;
  });
});
