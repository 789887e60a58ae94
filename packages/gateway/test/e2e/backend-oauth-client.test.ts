// The gateway as the OAuth client of a backend that requires authorization,
// over real HTTP: an SDK client on /mcp calls a tool of a backend whose own
// authorization server the gateway discovers from the 401, registers with,
// gets consent from (an auto-approving user agent here, the operator's
// `gatehouse backend authorize` in production) and keeps the tokens of:
// step-up on 403 insufficient_scope, refresh before expiry and after a 401,
// a protected resource metadata `resource` for another server refused, the
// discovered authorization server behind the outbound guard, and the CLI's
// one-time consent used by a gateway started later.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Command } from 'commander';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { parseConfig } from '../../src/config/load.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { MemoryOAuthClientStateStore, type OAuthClientStateStore } from '../../src/upstream/oauth-client/client-state-store.ts';
import { SqliteOAuthClientStateStore } from '../../src/upstream/oauth-client/sqlite-client-state-store.ts';
import type { BackendAuthorizer } from '../../src/upstream/oauth-client/oauth-backend-credentials.ts';
import { registerBackendCommand } from '../../src/cli/commands/backend-authorize.ts';
import { freePort } from '../fixtures/redis.ts';
import { startOAuthProtectedBackend, type OAuthProtectedBackend, type OAuthProtectedBackendOptions } from '../fixtures/oauth-protected-backend.ts';

/** The person who clicks "allow": follows the authorization URL and returns where the server redirected. */
const autoApprove: BackendAuthorizer = async ({ authorizationUrl }) => {
  const response = await fetch(authorizationUrl, { redirect: 'manual' });
  const location = response.headers.get('location');
  assert.ok(location !== null, `the authorization endpoint answered ${response.status} without a redirect`);
  return new URL(location);
};

function configFor(backend: OAuthProtectedBackend, options: { allowLoopback?: boolean; redirectPort?: number } = {}) {
  const yaml = `gateway: { host: 127.0.0.1, port: 0 }
${options.allowLoopback === false ? '' : "outbound: { allow: ['127.0.0.1'] }"}
backends:
  - name: reports
    url: ${backend.url}
    retry: { max_attempts: 1 }
    circuit_breaker: false
    health_check: { interval_seconds: 0 }
    auth: { type: oauth${options.redirectPort === undefined ? '' : `, redirect_uri: "http://127.0.0.1:${options.redirectPort}/callback"`} }
`;
  return parseConfig(yaml, 'gatehouse.yaml', {}).config;
}

async function callTool(gateway: RunningGateway, name: string): Promise<{ text: string; isError: boolean }> {
  const client = new Client({ name: 'oauth-client-test', version: '1.0.0' });
  try {
    await client.connect(new StreamableHTTPClientTransport(new URL(gateway.url)));
    const result = await client.callTool({ name, arguments: {} }) as { content: { type: string; text: string }[]; isError?: boolean };
    return { text: result.content.map((part) => part.text).join(''), isError: result.isError === true };
  } finally {
    await client.close();
  }
}

async function callError(gateway: RunningGateway, name: string): Promise<string> {
  try {
    const { text, isError } = await callTool(gateway, name);
    return isError ? text : `no error: ${text}`;
  } catch (error) {
    return (error as Error).message;
  }
}

async function started(backendOptions: OAuthProtectedBackendOptions, gatewayOptions: { authorizer?: BackendAuthorizer; store?: OAuthClientStateStore; allowLoopback?: boolean } = {}) {
  const backend = await startOAuthProtectedBackend(backendOptions);
  const gateway = await startGateway(configFor(backend, { ...(gatewayOptions.allowLoopback === undefined ? {} : { allowLoopback: gatewayOptions.allowLoopback }) }), {
    logger: silentLogger,
    hasAdmin: false,
    oauthClientStore: gatewayOptions.store ?? new MemoryOAuthClientStateStore(),
    ...(gatewayOptions.authorizer === undefined ? {} : { backendAuthorizer: gatewayOptions.authorizer }),
  });
  await gateway.settled();
  return { backend, gateway };
}

describe('the gateway as the OAuth client of a backend', () => {
  let backend: OAuthProtectedBackend;
  let gateway: RunningGateway;
  before(async () => ({ backend, gateway } = await started({}, { authorizer: autoApprove })));
  after(async () => {
    await gateway?.close();
    await backend?.close();
  });

  it('discovers the authorization server from the 401, registers, gets consent, and calls the tool with its own token', async () => {
    const { text, isError } = await callTool(gateway, 'reports__whoami');
    assert.equal(isError, false, text);
    assert.match(text, / reports:read$/);
    assert.deepEqual(backend.events.filter((event) => !event.startsWith('mcp')).slice(0, 3), ['register', 'authorize scope=reports:read', 'token authorization_code']);
  });

  it('steps up on 403 insufficient_scope, asking for the granted and the challenged scopes together', async () => {
    const { text, isError } = await callTool(gateway, 'reports__admin_report');
    assert.equal(isError, false, text);
    assert.equal(text, 'admin report');
    assert.ok(backend.events.includes('mcp 403'));
    assert.ok(backend.events.includes('authorize scope=reports:read reports:admin'), backend.events.join('\n'));
  });

  it('refreshes after a 401 for a revoked token, without asking for consent again', async () => {
    const consents = backend.events.filter((event) => event.startsWith('authorize')).length;
    backend.revokeAccessTokens();
    const { text, isError } = await callTool(gateway, 'reports__whoami');
    assert.equal(isError, false, text);
    assert.ok(backend.events.includes('token refresh_token'), backend.events.join('\n'));
    assert.equal(backend.events.filter((event) => event.startsWith('authorize')).length, consents);
  });
});

describe('a backend token close to expiry', () => {
  let backend: OAuthProtectedBackend;
  let gateway: RunningGateway;
  before(async () => ({ backend, gateway } = await started({ tokenLifetimeSeconds: 3 }, { authorizer: autoApprove })));
  after(async () => {
    await gateway?.close();
    await backend?.close();
  });

  it('is refreshed before it is sent, so the backend never refuses it', async () => {
    const first = await callTool(gateway, 'reports__whoami');
    // Three quarters of the 3 s life have passed: the gateway refreshes before it sends anything.
    await delay(2500);
    const before = backend.events.length;
    const second = await callTool(gateway, 'reports__whoami');
    assert.notEqual(first.text.split(' ')[0], second.text.split(' ')[0], 'a new access token');
    const during = backend.events.slice(before);
    assert.equal(during[0], 'token refresh_token', during.join('\n'));
    assert.ok(!during.includes('mcp 401'), during.join('\n'));
  });
});

describe('a backend whose protected resource metadata names another resource', () => {
  let backend: OAuthProtectedBackend;
  let gateway: RunningGateway;
  before(async () => ({ backend, gateway } = await started({ resourceOverride: 'https://elsewhere.example.com/mcp' }, { authorizer: autoApprove })));
  after(async () => {
    await gateway?.close();
    await backend?.close();
  });

  it('is refused: no authorization is asked for a resource that is not the backend', async () => {
    const message = await callError(gateway, 'reports__whoami');
    assert.doesNotMatch(message, /^no error/);
    assert.ok(!backend.events.some((event) => event.startsWith('authorize') || event.startsWith('token')), backend.events.join('\n'));
  });
});

describe('a discovered authorization server on an internal address the operator did not allow', () => {
  let backend: OAuthProtectedBackend;
  let gateway: RunningGateway;
  before(async () => ({ backend, gateway } = await started({}, { authorizer: autoApprove, allowLoopback: false })));
  after(async () => {
    await gateway?.close();
    await backend?.close();
  });

  it('is not contacted: the outbound guard refuses it', async () => {
    const message = await callError(gateway, 'reports__whoami');
    assert.doesNotMatch(message, /^no error/);
    assert.ok(!backend.events.includes('register'), backend.events.join('\n'));
  });
});

describe('gatehouse backend authorize', () => {
  let backend: OAuthProtectedBackend;
  let gateway: RunningGateway | undefined;
  let directory: string;
  before(async () => {
    backend = await startOAuthProtectedBackend();
    directory = mkdtempSync(join(tmpdir(), 'gatehouse-backend-oauth-'));
  });
  after(async () => {
    await gateway?.close();
    await backend?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('stores the consent an operator gives once, which a gateway started later uses without asking', async () => {
    const database = join(directory, 'backend-oauth.db');
    // A port the kernel just handed out and released: a random one collided with ephemeral ports under a loaded CI run.
    const port = await freePort();
    const configPath = join(directory, 'gatehouse.yaml');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(configPath, `gateway: { host: 127.0.0.1, port: 0 }\noutbound: { allow: ['127.0.0.1'] }\nbackends:\n  - name: reports\n    url: ${backend.url}\n    auth: { type: oauth, redirect_uri: "http://127.0.0.1:${port}/callback" }\n`);
    const lines: string[] = [];
    const errors: string[] = [];
    const io = {
      out: (line: string) => {
        lines.push(line);
        // The operator opens the printed URL; the browser follows the redirect to the CLI's loopback port.
        const url = line.split('\n').find((part) => part.startsWith(backend.issuer));
        if (url !== undefined) void fetch(url).then((response) => response.text());
      },
      err: (line: string) => errors.push(line),
      fail: () => errors.push('failed'),
      env: { ...process.env, GATEHOUSE_BACKEND_OAUTH_DB: database },
    };
    const program = new Command().exitOverride();
    registerBackendCommand(program, io);
    await program.parseAsync(['node', 'gatehouse', 'backend', 'authorize', 'reports', '--config', configPath]);
    assert.deepEqual(errors, []);
    assert.match(lines.at(-1) ?? '', /authorized/);

    const consents = backend.events.filter((event) => event.startsWith('authorize')).length;
    const store = new SqliteOAuthClientStateStore(database);
    gateway = await startGateway(configFor(backend), { logger: silentLogger, hasAdmin: false, oauthClientStore: store });
    const { text, isError } = await callTool(gateway, 'reports__whoami');
    assert.equal(isError, false, text);
    assert.equal(backend.events.filter((event) => event.startsWith('authorize')).length, consents);
    await store.close();
  });

  it('a running gateway without consent names the command that gives it', async () => {
    const fresh = await started({});
    try {
      const reports = fresh.gateway.backends.find((candidate) => candidate.name === 'reports')!;
      await assert.rejects(reports.connect(), /needs a person's consent .*gatehouse backend authorize reports/);
      assert.ok(!fresh.backend.events.some((event) => event.startsWith('token')), fresh.backend.events.join('\n'));
    } finally {
      await fresh.gateway.close();
      await fresh.backend.close();
    }
  });
});

describe("the gateway's Client ID Metadata Document", () => {
  let backend: OAuthProtectedBackend;
  let gateway: RunningGateway;
  const documentUrl = 'https://gateway.example.com/.well-known/oauth-client/gatehouse.json';
  before(async () => {
    backend = await startOAuthProtectedBackend();
    const yaml = `gateway: { host: 127.0.0.1, port: 0 }\nbackends:\n  - name: reports\n    url: ${backend.url}\n    health_check: { interval_seconds: 0 }\n    auth: { type: oauth, client_id_metadata_url: "${documentUrl}" }\n`;
    gateway = await startGateway(parseConfig(yaml, 'gatehouse.yaml', {}).config, { logger: silentLogger, hasAdmin: false, oauthClientStore: new MemoryOAuthClientStateStore() });
  });
  after(async () => {
    await gateway?.close();
    await backend?.close();
  });

  it('is served on the gateway at its stable path, with client_id equal to its URL and the loopback redirect', async () => {
    const response = await fetch(new URL('/.well-known/oauth-client/gatehouse.json', gateway.url));
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /application\/json/);
    const document = await response.json() as Record<string, unknown>;
    assert.equal(document.client_id, documentUrl);
    assert.deepEqual(document.redirect_uris, ['http://127.0.0.1:33418/callback']);
    assert.equal(document.token_endpoint_auth_method, 'none');
  });
});
