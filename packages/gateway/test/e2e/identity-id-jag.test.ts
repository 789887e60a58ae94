// Enterprise-managed authorization end to end: a company identity provider
// (a real HTTP server publishing its keys) signs an ID-JAG for one of its
// users and a client registered at the gateway; the client trades it at the
// embedded provider's token endpoint (RFC 7523 JWT bearer grant) for an
// access token, and an official SDK client calls tools with it. Every rule of
// the extension's section 5.1 is tried with a grant that breaks it.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { stdioCommand } from '@gatehouse/testing/backends/launch';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { parseConfig } from '../../src/config/load.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';

const v2Script = fileURLToPath(import.meta.resolve('@gatehouse/testing/backends/v2-server'));

/** The company's IdP: a signing key and a JWKS endpoint over real HTTP. */
async function startCompanyIdp(): Promise<{ issuer: string; key: CryptoKey; server: Server }> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'company-1', alg: 'ES256', use: 'sig' };
  const server = createServer((request, response) => {
    if (request.url !== '/jwks') return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { issuer: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, key: privateKey, server };
}

describe('enterprise-managed authorization: ID-JAGs from a company IdP', () => {
  let directory: string;
  let gateway: RunningGateway;
  let company: Awaited<ReturnType<typeof startCompanyIdp>>;
  let base: string;
  let authorizationServer: string;
  let tokenEndpoint: string;

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-id-jag-'));
    company = await startCompanyIdp();
    const { command, args } = stdioCommand(v2Script);
    const yaml = `gateway:
  port: 0
  admin_port: 0
authentication:
  embedded_idp:
    port: 0
    agents:
      - { name: copilot, secret: copilot-secret, scopes: [echo.read] }
      - { name: stranger, secret: stranger-secret, scopes: [echo.read] }
    enterprise_idps:
      - issuer: ${company.issuer}
        jwks_uri: ${company.issuer}/jwks
        clients: [copilot]
        scopes: [echo.read, echo.invoke]
backends:
  - name: echo
    command: ${JSON.stringify(command)}
    args: ${JSON.stringify(args)}
    scopes: { read: echo.read, invoke: echo.invoke }
`;
    const { config } = parseConfig(yaml, join(directory, 'gatehouse.yaml'), {});
    gateway = await startGateway(config, { logger: silentLogger });
    base = gateway.url.replace(/\/mcp$/, '');
    const resourceMetadata = (await (await fetch(`${base}/.well-known/oauth-protected-resource/mcp`)).json()) as { authorization_servers: string[] };
    authorizationServer = resourceMetadata.authorization_servers[0]!;
    const metadata = (await (await fetch(`${authorizationServer}/.well-known/oauth-authorization-server`)).json()) as { token_endpoint: string; grant_types_supported: string[] };
    assert.ok(metadata.grant_types_supported.includes('urn:ietf:params:oauth:grant-type:jwt-bearer'), 'the provider announces the JWT bearer grant');
    tokenEndpoint = metadata.token_endpoint;
  });
  after(async () => {
    await gateway?.close();
    company?.server.close();
    await rm(directory, { recursive: true, force: true });
  });

  /** An ID-JAG as the company IdP issues it, with `change` breaking one rule. */
  async function idJag(change: { claims?: JWTPayload; typ?: string; key?: CryptoKey } = {}): Promise<string> {
    const claims: JWTPayload = {
      iss: company.issuer, sub: 'U019488227', aud: authorizationServer, resource: `${base}/mcp`, client_id: 'copilot',
      jti: randomUUID(), scope: 'echo.read echo.invoke hr.salaries.read', email: 'dana@corp.example',
      iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 300,
      ...change.claims,
    };
    return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'company-1', typ: change.typ ?? 'oauth-id-jag+jwt' }).sign(change.key ?? company.key);
  }

  async function trade(assertion: string, client = 'copilot', extra: Record<string, string> = {}): Promise<{ status: number; body: Record<string, any> }> {
    const response = await fetch(tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client}:${client}-secret`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion, ...extra }).toString(),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  }

  it('trades an ID-JAG for a token of that user, narrowed to what the gateway serves and the IdP may grant, and calls a tool with it', async () => {
    const { status, body } = await trade(await idJag());
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.scope, 'echo.read echo.invoke', 'hr.salaries.read is no scope of this gateway');
    const claims = decodeJwt(body.access_token);
    assert.equal(claims.sub, 'U019488227');
    assert.equal(claims.client_id, 'copilot');
    assert.equal(claims.idp, company.issuer);
    assert.equal(claims.aud, `${base}/mcp`);

    const client = new Client({ name: 'copilot', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(gateway.url), { requestInit: { headers: { authorization: `Bearer ${body.access_token}` } } }));
    try {
      assert.ok((await client.listTools()).tools.some((tool) => tool.name === 'echo__echo'));
      const result = await client.callTool({ name: 'echo__echo', arguments: { message: 'from the company IdP' } });
      assert.equal((result.content as Array<{ text: string }>)[0]!.text, 'from the company IdP');
    } finally {
      await client.close();
    }
  });

  it('narrows further to a requested scope, and refuses one the grant does not carry', async () => {
    const narrowed = await trade(await idJag(), 'copilot', { scope: 'echo.read' });
    assert.equal(narrowed.body.scope, 'echo.read');
    const beyond = await trade(await idJag({ claims: { scope: 'echo.read' } }), 'copilot', { scope: 'echo.invoke' });
    assert.equal(beyond.status, 400);
    assert.equal(beyond.body.error, 'invalid_scope');
  });

  const refusals: Array<[string, () => Promise<string>, string | undefined, RegExp]> = [
    ['another JWT type (an ID token passed off as a grant)', () => idJag({ typ: 'JWT' }), undefined, /typ/],
    ['an audience other than this authorization server', () => idJag({ claims: { aud: 'https://auth.elsewhere.example' } }), undefined, /aud/],
    ['a grant issued to another client', () => idJag({ claims: { client_id: 'stranger' } }), undefined, /issued to client "stranger", not to copilot/],
    ['a client the IdP may not grant to here', () => idJag({ claims: { client_id: 'stranger' } }), 'stranger', /may not grant access to client stranger/],
    ['a resource that is not this gateway', () => idJag({ claims: { resource: 'https://mcp.elsewhere.example/mcp' } }), undefined, /not this gateway's/],
    ['an expired grant', () => idJag({ claims: { exp: Math.floor(Date.now() / 1000) - 60, iat: Math.floor(Date.now() / 1000) - 600 } }), undefined, /exp/],
    ['a grant signed with another key', async () => idJag({ key: (await generateKeyPair('ES256')).privateKey }), undefined, /signature/],
    ['an issuer nobody configured', () => idJag({ claims: { iss: 'https://idp.unknown.example' } }), undefined, /not an enterprise identity provider this server trusts/],
  ];
  for (const [what, grant, client, reason] of refusals) {
    it(`refuses ${what}`, async () => {
      const { status, body } = await trade(await grant(), client);
      assert.equal(status, 400, JSON.stringify(body));
      assert.match(body.error, /invalid_grant|invalid_target/);
      assert.match(body.error_description, reason);
    });
  }

  it('accepts each grant once: a replayed ID-JAG is refused', async () => {
    const assertion = await idJag();
    assert.equal((await trade(assertion)).status, 200);
    const replay = await trade(assertion);
    assert.equal(replay.status, 400);
    assert.match(replay.body.error_description, /already used/);
  });
});
