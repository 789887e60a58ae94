// Every kind of authentication failure over real HTTP, against a gateway whose
// company issuer, keys, clock skew, audience and introspection come from
// gatehouse.yaml: the status, the WWW-Authenticate challenge (RFC 6750
// section 3, RFC 9728 section 5.1) and the count in mcp_auth_failures_total.
// Then step-up as the official SDK clients do it against the embedded provider.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { OAuthClientProvider as V1OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from '@modelcontextprotocol/client';
import { InMemoryOAuthClient } from '../fixtures/oauth-client.ts';
import { parseConfig } from '../../src/config/load.ts';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { modernRequest, post, type RawResponse } from '../fixtures/raw-http.ts';
import { startModernEchoBackend } from '../fixtures/modern-echo-backend.ts';
import type { RecordingServer } from '../upstream/fixtures/recording-server.ts';
import { createSigningKey, nowSeconds, startTestIssuer, type TestIssuer } from '../identity/fixtures/test-issuer.ts';
import { DEMO_CRM_TOOL_SCOPES_YAML } from '../fixtures/embedded-default-identity.ts';

const CONFIG = `
gateway: { port: 0, admin_port: 0 }
authentication:
  oauth_issuer: \${ISSUER}
  jwks_uri: \${ISSUER}/jwks
  audience: api://gatehouse-test
  clock_skew_seconds: 5
  introspection:
    endpoint: \${ISSUER}/introspect
    client_id: gateway-rs
    client_secret: introspection-secret
    max_cache_seconds: 30
backends:
  - name: echo
    url: \${ECHO_URL}
`;

describe('authentication failures: status, challenge and count for each kind', () => {
  let issuer: TestIssuer;
  let echo: RecordingServer;
  let gateway: RunningGateway;
  let resource: string;
  let metadataUrl: string;

  before(async () => {
    issuer = await startTestIssuer();
    echo = await startModernEchoBackend();
    const { config } = parseConfig(CONFIG, 'gatehouse.yaml', { ISSUER: issuer.issuer, ECHO_URL: echo.url }, { hostname: 'test' });
    gateway = await startGateway(config, { logger: silentLogger, adminPort: 0 });
    resource = gateway.url;
    metadataUrl = `${gateway.url.replace(/\/mcp$/, '')}/.well-known/oauth-protected-resource/mcp`;
  });
  after(async () => {
    await gateway?.close();
    await echo?.close();
    await issuer?.close();
  });

  const claims = (extra: Record<string, unknown> = {}) => ({ iss: issuer.issuer, aud: resource, azp: 'agent-1', sub: 'agent-1', scope: 'echo.read echo.invoke', exp: nowSeconds() + 300, ...extra });

  async function listTools(authorization: string | undefined): Promise<RawResponse> {
    const { body, headers } = modernRequest(1, 'tools/list');
    return post(gateway.url, body, { ...headers, ...(authorization === undefined ? {} : { authorization }) });
  }

  async function failures(reason: string): Promise<number> {
    const text = await (await fetch(`${gateway.adminUrl}/metrics`)).text();
    const line = text.split('\n').find((each) => each.startsWith(`mcp_auth_failures_total{server="_gatehouse",reason="${reason}"}`));
    return line === undefined ? 0 : Number(line.split(' ').at(-1));
  }

  /** Sends `authorization`, checks the answer, and that the refusal was counted once under `code`. */
  async function expectRefusal(authorization: string | undefined, status: number, code: string, challenge: RegExp | null): Promise<void> {
    const before = await failures(code);
    const response = await listTools(authorization);
    assert.equal(response.status, status, response.text);
    assert.equal(response.body.error.data.auth_error, code);
    const header = response.headers.get('www-authenticate');
    if (challenge === null) assert.equal(header, null);
    else assert.match(header ?? '', challenge);
    assert.equal(await failures(code), before + 1, `one refusal counted as ${code}`);
  }

  const invalidToken = (description: RegExp) => new RegExp(`^Bearer resource_metadata="[^"]+/mcp", error="invalid_token", scope="echo\\.read", error_description="[^"]*${description.source}`);

  it('accepts a valid token, one for the configured audience, and an active opaque token', async () => {
    assert.equal((await listTools(`Bearer ${await issuer.mint(claims())}`)).status, 200);
    assert.equal((await listTools(`Bearer ${await issuer.mint(claims({ aud: 'api://gatehouse-test' }))}`)).status, 200);
    issuer.opaqueTokens.set('opaque-token-1', { active: true, iss: issuer.issuer, aud: resource, client_id: 'agent-2', scope: 'echo.read', exp: nowSeconds() + 300 });
    assert.equal((await listTools('Bearer opaque-token-1')).status, 200);
  });

  it('missing token: 401 with the metadata URL and scope, no error code', async () => {
    await expectRefusal(undefined, 401, 'missing', /^Bearer resource_metadata="[^"]+\/\.well-known\/oauth-protected-resource\/mcp", scope="echo\.read"$/);
    assert.match((await listTools(undefined)).headers.get('www-authenticate')!, new RegExp(metadataUrl.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
  });

  it('another scheme: 401 as if missing', async () => {
    await expectRefusal('Basic YWdlbnQ6c2VjcmV0', 401, 'missing', /^Bearer resource_metadata="[^"]+", scope="echo\.read"$/);
  });

  it('two tokens in one header: 400 invalid_request', async () => {
    await expectRefusal('Bearer one two', 400, 'invalid_request', /^Bearer resource_metadata="[^"]+", error="invalid_request", scope="echo\.read", error_description=/);
  });

  it('an encrypted or otherwise unreadable token: 401 invalid_token (malformed)', async () => {
    await expectRefusal('Bearer a.b.c.d.e', 401, 'malformed', invalidToken(/Encrypted \(JWE\)/));
  });

  it('expired beyond the configured 5 s skew: 401 invalid_token (expired)', async () => {
    // Inside the default 30 s skew, so this also proves clock_skew_seconds reached the verifier.
    await expectRefusal(`Bearer ${await issuer.mint(claims({ exp: nowSeconds() - 15 }))}`, 401, 'expired', invalidToken(/The token has expired/));
  });

  it('not valid yet: 401 invalid_token (not_yet_valid)', async () => {
    await expectRefusal(`Bearer ${await issuer.mint(claims({ nbf: nowSeconds() + 120 }))}`, 401, 'not_yet_valid', invalidToken(/The token is not valid yet/));
  });

  it('another audience: 401 invalid_token (wrong_audience)', async () => {
    await expectRefusal(`Bearer ${await issuer.mint(claims({ aud: 'https://other.example/mcp' }))}`, 401, 'wrong_audience', invalidToken(/The token was not issued for this gateway/));
  });

  it('another issuer: 401 invalid_token (wrong_issuer)', async () => {
    await expectRefusal(`Bearer ${await issuer.mint(claims({ iss: 'https://stranger.example' }))}`, 401, 'wrong_issuer', invalidToken(/The token was issued by/));
  });

  it('alg none: 401 invalid_token (alg_not_allowed)', async () => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    await expectRefusal(`Bearer ${encode({ alg: 'none', typ: 'at+jwt' })}.${encode(claims())}.`, 401, 'alg_not_allowed', invalidToken(/The token is signed with alg none/));
  });

  it('tampered claims: 401 invalid_token (bad_signature)', async () => {
    const [header, , signature] = (await issuer.mint(claims())).split('.');
    const forged = Buffer.from(JSON.stringify(claims({ scope: 'echo.read echo.invoke admin' }))).toString('base64url');
    await expectRefusal(`Bearer ${header}.${forged}.${signature}`, 401, 'bad_signature', invalidToken(/signature does not verify/));
  });

  it('a key the issuer never published: 401 invalid_token (unknown_key)', async () => {
    const stranger = await createSigningKey('RS256', 'not-published');
    await expectRefusal(`Bearer ${await issuer.mint(claims(), { key: stranger })}`, 401, 'unknown_key', invalidToken(/signing key not-published is unknown/));
  });

  it('an opaque token the issuer does not know: 401 invalid_token (inactive)', async () => {
    await expectRefusal('Bearer revoked-opaque-token', 401, 'inactive', invalidToken(/The token is not active/));
  });

  it('a scope short of the call: 403 insufficient_scope naming the scopes held plus the one to step up to', async () => {
    const token = await issuer.mint(claims({ scope: 'echo.read' }));
    const { body, headers } = modernRequest(2, 'tools/call', { name: 'echo__echo', arguments: { message: 'x' } });
    const before = await failures('insufficient_scope');
    const response = await post(gateway.url, body, { ...headers, authorization: `Bearer ${token}` });
    assert.equal(response.status, 403, response.text);
    assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer resource_metadata="[^"]+", error="insufficient_scope", scope="echo\.read echo\.invoke", error_description=/);
    assert.equal(await failures('insufficient_scope'), before + 1);
  });

  it('introspection endpoint down: 503 with Retry-After and no challenge (the token may be fine)', async () => {
    issuer.isIntrospectionDown = true;
    try {
      const before = await failures('introspection_failed');
      const response = await listTools('Bearer another-opaque-token');
      assert.equal(response.status, 503, response.text);
      assert.equal(response.headers.get('www-authenticate'), null);
      assert.equal(response.headers.get('retry-after'), '5');
      assert.equal(await failures('introspection_failed'), before + 1);
    } finally {
      issuer.isIntrospectionDown = false;
    }
  });
});

/**
 * Step-up with the official SDK clients' own OAuth support, against the
 * embedded provider (docs/identity.md): the first token holds the read
 * scope only; each 403 names the scopes held plus the new ones, so a client
 * that re-authorizes for exactly the challenge keeps its catalog; a scope the
 * user cannot delegate is refused (invalid_scope), never silently dropped.
 */
const STEP_UP_CONFIG = `
gateway: { port: 0, admin_port: 0 }
authentication:
  embedded_idp:
    port: 0
    users:
      - { id: dana, name: Dana Campaigns, roles: [admin], scopes: [crm.read, crm.invoke, crm.customers.read, crm.email.bulk] }
      - { id: carol, name: Carol Support, roles: [support], scopes: [crm.read, crm.invoke, crm.customers.read] }
backends:
  - name: crm
    command: \${NODE}
    args: ["\${DEMO_CRM}", "--stdio"]
${DEMO_CRM_TOOL_SCOPES_YAML}`;

const STEP_UP_REDIRECT = 'http://127.0.0.1:47012/callback';

interface SdkSession {
  listToolNames(): Promise<string[]>;
  callTool(name: string, args: Record<string, unknown>): Promise<unknown>;
  finishAuth(callback: URL): Promise<void>;
  close(): Promise<void>;
}

type SdkKind = 'sdk v1 (2025-11-25)' | 'sdk v2 (2026-07-28)';

function openSession(kind: SdkKind, url: string, provider: InMemoryOAuthClient): { session: SdkSession; connect(): Promise<void> } {
  if (kind === 'sdk v1 (2025-11-25)') {
    const client = new V1Client({ name: 'step-up-v1', version: '1.0.0' });
    const transport = new V1Transport(new URL(url), { authProvider: provider as unknown as V1OAuthClientProvider });
    return {
      connect: () => client.connect(transport),
      session: {
        listToolNames: async () => (await client.listTools()).tools.map((tool) => tool.name),
        callTool: (name, args) => client.callTool({ name, arguments: args }),
        finishAuth: (callback) => transport.finishAuth(callback.searchParams.get('code')!),
        close: () => client.close(),
      },
    };
  }
  const client = new V2Client({ name: 'step-up-v2', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
  const transport = new V2Transport(new URL(url), { authProvider: provider });
  return {
    connect: () => client.connect(transport),
    session: {
      listToolNames: async () => (await client.listTools()).tools.map((tool) => tool.name),
      callTool: (name, args) => client.callTool({ name, arguments: args }),
      finishAuth: (callback) => transport.finishAuth(callback.searchParams),
      close: () => client.close(),
    },
  };
}

describe('step-up with the official SDK clients keeps the scopes a client had', () => {
  let gateway: RunningGateway;
  let base: string;

  before(async () => {
    const { config } = parseConfig(STEP_UP_CONFIG, 'gatehouse.yaml', { NODE: process.execPath, DEMO_CRM: fileURLToPath(new URL('../../../demo-crm/src/main.ts', import.meta.url)) }, { hostname: 'test' });
    gateway = await startGateway(config, { logger: silentLogger, hasAdmin: false });
    base = gateway.url.replace(/\/mcp$/, '');
  });
  after(() => gateway?.close());

  /** Runs `action`; when the SDK sends the user to authorize (401 or 403 step-up), signs `user` in and runs it again. Returns the scopes asked for. */
  async function authorizing(provider: InMemoryOAuthClient, session: SdkSession, user: string, action: () => Promise<unknown>): Promise<string[]> {
    try {
      await action();
    } catch (error) {
      if (provider.authorizationUrl === undefined) throw error;
      const requested = provider.requestedScopes();
      const callback = await provider.signIn(user);
      assert.ok(callback.searchParams.get('code'), `signed in: ${callback.search}`);
      await session.finishAuth(callback);
      await action();
      return requested;
    }
    assert.fail('the SDK was not asked to authorize');
  }

  /** Connects, letting the SDK authorize from the 401, and steps up to read customers; returns the session and the catalog it then has. */
  async function connected(kind: SdkKind, url: string, user: string, prefix: string) {
    const provider = new InMemoryOAuthClient(STEP_UP_REDIRECT);
    const first = openSession(kind, url, provider);
    await assert.rejects(first.connect());
    assert.deepEqual(provider.requestedScopes(), ['crm.read'], 'least privilege first: the 401 asks for the read scope only');
    const callback = await provider.signIn(user);
    await first.session.finishAuth(callback);
    const { session, connect } = openSession(kind, url, provider);
    await connect();
    const readCustomers = await authorizing(provider, session, user, () => session.callTool(`${prefix}get_customer`, { customer_id: 'C-1001' }));
    assert.deepEqual([...readCustomers].sort(), ['crm.customers.read', 'crm.invoke', 'crm.read']);
    const catalog = await session.listToolNames();
    assert.ok(catalog.includes(`${prefix}get_customer`) && catalog.includes(`${prefix}search_customers`), catalog.join(', '));
    return { provider, session, catalog };
  }

  const massEmail = { segment: 'enterprise', subject: 'Launch', body: 'Our new plan is out.', recipient_count: 4 };

  for (const kind of ['sdk v1 (2025-11-25)', 'sdk v2 (2026-07-28)'] as const) {
    for (const endpoint of ['/mcp', '/servers/crm/mcp'] as const) {
      it(`${kind} at ${endpoint}: after a refused send_mass_email the client re-authorizes and tools/list still has its whole catalog`, async () => {
        const prefix = endpoint === '/mcp' ? 'crm__' : '';
        const { provider, session, catalog } = await connected(kind, `${base}${endpoint}`, 'dana', prefix);
        try {
          assert.ok(!catalog.includes(`${prefix}send_mass_email`));
          const stepUp = await authorizing(provider, session, 'dana', () => session.callTool(`${prefix}send_mass_email`, massEmail));
          for (const scope of ['crm.read', 'crm.invoke', 'crm.customers.read', 'crm.email.bulk']) assert.ok(stepUp.includes(scope), `the step-up asked for ${scope}: ${stepUp.join(' ')}`);
          const after = await session.listToolNames();
          for (const name of catalog) assert.ok(after.includes(name), `${name} is still listed after the step-up: ${after.join(', ')}`);
          assert.ok(after.includes(`${prefix}send_mass_email`), after.join(', '));
        } finally {
          await session.close();
        }
      });
    }

    it(`${kind}: a step-up to a scope the user cannot delegate is refused with invalid_scope, and the client keeps its token and catalog`, async () => {
      const { provider, session, catalog } = await connected(kind, `${base}/mcp`, 'carol', 'crm__');
      try {
        await assert.rejects(session.callTool('crm__send_mass_email', massEmail));
        assert.ok(provider.requestedScopes().includes('crm.email.bulk'));
        const callback = await provider.signIn('carol');
        assert.equal(callback.searchParams.get('error'), 'invalid_scope', callback.search);
        assert.match(callback.searchParams.get('error_description') ?? '', /carol cannot delegate crm\.email\.bulk/);
        assert.deepEqual(await session.listToolNames(), catalog, 'no narrower token replaced the one the client had');
      } finally {
        await session.close();
      }
    });
  }
});
