// The `auth` forms that used to be accepted and ignored, over real HTTP: a
// named credential read from the environment at load reaches the backend as
// its bearer token, and the caller's own token is passed on only to a backend
// declared for the gateway's audience, and only when the token carries that
// audience (a token for another of the gateway's audiences is refused with a
// JSON-RPC error and never reaches the backend). A rotated secret file is
// read again on reload.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { loadConfig, parseConfig } from '../../src/config/load.ts';
import { createTempDirectory, type TempDirectory } from '../fixtures/config-files.ts';
import { writeFile } from 'node:fs/promises';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { agentToken } from '../../src/cli/commands/token.ts';
import { gatewayConfig, httpBackend } from '../fixtures/gateway-config.ts';
import { useEmbeddedIdentity } from '../fixtures/embedded-default-identity.ts';
import { modernRequest, post } from '../fixtures/raw-http.ts';
import type { RecordingServer } from '../upstream/fixtures/recording-server.ts';
import { startModernEchoBackend } from '../fixtures/modern-echo-backend.ts';

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  return port;
}

async function echoThrough(url: string, name: string, headers: Record<string, string> = {}) {
  const { body, headers: meta } = modernRequest(1, 'tools/call', { name, arguments: { message: 'hello' } });
  return post(url, body, { ...meta, ...headers });
}

describe('a named backend credential from the environment', () => {
  let backend: RecordingServer;
  let gateway: RunningGateway;

  before(async () => {
    backend = await startModernEchoBackend();
    const yaml = `backends:\n  - name: vault\n    url: ${backend.url}\n    auth: service-account-vault\n`;
    const { config } = parseConfig(yaml, 'gatehouse.yaml', { GATEHOUSE_CREDENTIAL_SERVICE_ACCOUNT_VAULT: 'vault-named-secret' });
    config.gateway = gatewayConfig([]).gateway;
    gateway = await startGateway(config, { logger: silentLogger, hasAdmin: false });
  });
  after(async () => {
    await gateway?.close();
    await backend?.close();
  });

  it('reaches the backend as its bearer token on every request', async () => {
    const answer = await echoThrough(gateway.url, 'vault__echo');
    assert.equal(answer.body?.result?.content?.[0]?.text, 'hello', answer.text);
    const posts = backend.requests.filter((request) => request.method === 'POST');
    assert.ok(posts.length > 0);
    for (const request of posts) assert.equal(request.headers.authorization, 'Bearer vault-named-secret');
  });
});

describe('a named credential read from a secret file', () => {
  const variable = 'GATEHOUSE_CREDENTIAL_SERVICE_ACCOUNT_ROTATED_FILE';
  let backend: RecordingServer;
  let gateway: RunningGateway;
  let directory: TempDirectory;
  let secretFile: string;

  before(async () => {
    backend = await startModernEchoBackend();
    directory = await createTempDirectory();
    secretFile = await directory.write('rotated.token', 'first-token\n');
    // A reload reads the gateway's own environment, as `gatehouse start` does.
    process.env[variable] = secretFile;
    const configPath = await directory.write('gatehouse.yaml', `gateway:\n  host: 127.0.0.1\n  port: 0\nbackends:\n  - name: vault\n    url: ${backend.url}\n    auth: service-account-rotated\n`);
    const { config } = await loadConfig(configPath);
    gateway = await startGateway(config, { logger: silentLogger, hasAdmin: false, configPath });
  });
  after(async () => {
    delete process.env[variable];
    await gateway?.close();
    await backend?.close();
    await directory?.remove();
  });

  it('sends the token the file holds, and the rotated one after a reload', async () => {
    assert.equal((await echoThrough(gateway.url, 'vault__echo')).body?.result?.content?.[0]?.text, 'hello');
    const lastAuthorization = () => backend.requests.filter((request) => request.method === 'POST').at(-1)?.headers.authorization;
    assert.equal(lastAuthorization(), 'Bearer first-token');
    await writeFile(secretFile, 'second-token\n');
    const report = await gateway.reload();
    assert.equal(report.outcome, 'applied', JSON.stringify(report));
    await gateway.settled();
    const answer = await echoThrough(gateway.url, 'vault__echo');
    assert.equal(answer.body?.result?.content?.[0]?.text, 'hello', answer.text);
    assert.equal(lastAuthorization(), 'Bearer second-token');
  });
});

describe("passing the caller's token to a backend declared for the gateway's audience", () => {
  let backend: RecordingServer;
  let gateway: RunningGateway;
  let audience: string;

  before(async () => {
    backend = await startModernEchoBackend();
    const port = await freePort();
    audience = `http://127.0.0.1:${port}/mcp`;
    const config = gatewayConfig([httpBackend('everything', backend.url, { auth: { type: 'oauth_passthrough', audience } })]);
    config.gateway.port = port;
    useEmbeddedIdentity(config, { audience });
    gateway = await startGateway(config, { logger: silentLogger, hasAdmin: false });
  });
  after(async () => {
    await gateway?.close();
    await backend?.close();
  });

  it('forwards a token issued for that audience as it came', async () => {
    const { token } = await agentToken(gateway.url.replace(/\/mcp$/, ''), 'admin', 'admin-dev-secret');
    const answer = await echoThrough(gateway.url, 'everything__echo', { authorization: `Bearer ${token}` });
    assert.equal(answer.body?.result?.content?.[0]?.text, 'hello', answer.text);
    const calls = backend.requests.filter((request) => request.method === 'POST' && JSON.stringify(request.body).includes('tools/call'));
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.headers.authorization, `Bearer ${token}`);
  });

  it("refuses a token the gateway accepts for another of its audiences, and the backend never sees it", async () => {
    const perBackend = gateway.url.replace(/\/mcp$/, '/servers/everything/mcp');
    const { token, resource } = await agentToken(perBackend, 'admin', 'admin-dev-secret');
    assert.notEqual(resource, audience);
    const answer = await echoThrough(perBackend, 'echo', { authorization: `Bearer ${token}` });
    assert.equal(answer.body?.error?.code, -32600, answer.text);
    assert.equal(answer.body?.error?.data?.reason, 'caller_token_refused');
    assert.match(answer.body?.error?.message, /accepts only tokens issued for audience .*token passthrough, which MCP authorization forbids/);
    assert.ok(!JSON.stringify(backend.requests).includes(token), 'the refused token never reached the backend');
  });
});
