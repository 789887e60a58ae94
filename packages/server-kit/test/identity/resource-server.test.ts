// The kit server as an OAuth resource server over real HTTP with the official
// SDK client: RFC 9728 metadata, 401 challenges, JWT verification (audience,
// signature, token exchange), introspection, and the caller in the handler.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';

import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

import { introspectionVerifier, jwtVerifier, type RunningKitServer } from '../../src/index.ts';
import { createOrdersServer } from '../fixtures/orders-server.ts';
import { createTokenIssuer, issuer } from '../fixtures/tokens.ts';

let tokens: Awaited<ReturnType<typeof createTokenIssuer>>;
let running: RunningKitServer;
let fixture: ReturnType<typeof createOrdersServer>;

/** The resource URL is only known after binding, so the server is built in two steps. */
async function startProtected(audienceFor: (port: number) => string) {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const resourceUrl = new URL(`http://127.0.0.1:${port}/mcp`);
  fixture = createOrdersServer({
    auth: {
      resourceUrl,
      authorizationServers: [issuer],
      verifier: jwtVerifier({ issuer, audience: audienceFor(port), keys: tokens.keys, trustedActors: ['gatehouse'] }),
    },
  });
  running = await fixture.kit.listen({ port, drainMs: 500 });
}

async function connectWith(token: string | undefined) {
  const client = new Client({ name: 'resource-server-test', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
  const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
  await client.connect(new StreamableHTTPClientTransport(new URL(running.url), { requestInit: { headers } }));
  return client;
}

before(async () => {
  tokens = await createTokenIssuer();
  await startProtected((port) => `http://127.0.0.1:${port}/mcp`);
});
after(async () => {
  await running.close();
});

describe('resource server', () => {
  it('publishes RFC 9728 metadata naming the authorization server and the declared scopes', async () => {
    const response = await fetch(new URL('/.well-known/oauth-protected-resource/mcp', running.url));
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), {
      resource: running.url,
      authorization_servers: [issuer],
      scopes_supported: ['orders:read', 'orders:write'],
      bearer_methods_supported: ['header'],
    });
  });

  it('answers a request without a token 401 with a challenge pointing at the metadata, counted as an auth failure', async () => {
    const response = await fetch(running.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' });
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate') ?? '', /resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp"/);
    const metrics = await (await fetch(new URL('/metrics', running.url))).text();
    assert.match(metrics, /mcp_auth_failures_total\{server="orders",reason="missing_token"\} [1-9]/);
  });

  it('refuses a token signed by an unknown key, for another audience, or expired', async () => {
    const forged = await tokens.signForged({ sub: 'mallory', aud: running.url, scope: 'orders:read' });
    const otherAudience = await tokens.sign({ sub: 'alice', aud: 'https://other.example/mcp', scope: 'orders:read' });
    const expired = await tokens.sign({ sub: 'alice', aud: running.url, scope: 'orders:read' }, undefined, Math.floor(Date.now() / 1000) - 120);
    for (const token of [forged, otherAudience, expired]) {
      const response = await fetch(running.url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
      assert.equal(response.status, 401);
    }
  });

  it('gives the handler the verified caller, and checks the tool scopes against the token', async () => {
    const token = await tokens.sign({ sub: 'alice@example.com', aud: running.url, scope: 'orders:read', client_id: 'agent-app' });
    const client = await connectWith(token);
    try {
      const read = await client.callTool({ name: 'get_order', arguments: { order_id: 'O-1' } });
      assert.equal((read.structuredContent as { read_by: string }).read_by, 'alice@example.com');
      const write = await client.callTool({ name: 'cancel_order', arguments: { order_id: 'O-1' } });
      assert.equal(write.isError, true);
      assert.equal((write._meta?.['gatehouse.dev/error'] as { scope: string }).scope, 'orders:write');
    } finally {
      await client.close();
    }
  });

  it('accepts a token exchanged by the trusted gateway: the caller is the user, the gateway its actor', async () => {
    const token = await tokens.sign({ sub: 'alice@example.com', aud: running.url, scope: 'orders:read', act: { sub: 'gatehouse' } });
    const client = await connectWith(token);
    try {
      const read = await client.callTool({ name: 'get_order', arguments: { order_id: 'O-2' } });
      assert.deepEqual(read.structuredContent, { order: { id: 'O-2', status: 'open', total_usd: 80 }, read_by: 'alice@example.com', acting_for: 'gatehouse' });
      assert.equal(fixture.audit.records.at(-1)?.caller.agent, 'gatehouse');
    } finally {
      await client.close();
    }
  });

  it('refuses a token exchanged by an actor it does not trust', async () => {
    const token = await tokens.sign({ sub: 'alice@example.com', aud: running.url, scope: 'orders:read', act: { sub: 'some-proxy' } });
    const response = await fetch(running.url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(response.status, 401);
  });
});

describe('introspection verifier', () => {
  let endpoint: URL;
  const active = new Map<string, Record<string, unknown>>([
    ['opaque-good', { active: true, sub: 'dana', aud: 'https://orders.example/mcp', scope: 'orders:read orders:write', exp: Math.floor(Date.now() / 1000) + 600, client_id: 'agent' }],
    ['opaque-elsewhere', { active: true, sub: 'dana', aud: 'https://billing.example/mcp', scope: 'orders:read', exp: Math.floor(Date.now() / 1000) + 600 }],
  ]);
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const isClient = req.headers.authorization === `Basic ${Buffer.from('orders-server:s3cret').toString('base64')}`;
      if (!isClient) return void res.writeHead(401).end();
      const token = new URLSearchParams(body).get('token') ?? '';
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(active.get(token) ?? { active: false }));
    });
  });
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`);
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const verifier = () => introspectionVerifier({ endpoint, clientId: 'orders-server', clientSecret: 's3cret', audience: 'https://orders.example/mcp' });

  it('turns an active token for this resource into the caller', async () => {
    const info = await verifier().verifyAccessToken('opaque-good');
    assert.deepEqual(info.scopes, ['orders:read', 'orders:write']);
    assert.equal((info.extra as { subject: string }).subject, 'dana');
    assert.equal(info.clientId, 'agent');
  });

  it('refuses an inactive token and one issued for another resource', async () => {
    await assert.rejects(verifier().verifyAccessToken('revoked'), /not active/);
    await assert.rejects(verifier().verifyAccessToken('opaque-elsewhere'), /another resource/);
  });
});
