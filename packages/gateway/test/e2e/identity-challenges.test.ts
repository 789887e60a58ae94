// Every kind of authentication failure over real HTTP, against a gateway whose
// company issuer, keys, clock skew, audience and introspection come from
// gatehouse.yaml: the status, the WWW-Authenticate challenge (RFC 6750
// section 3, RFC 9728 section 5.1) and the count in mcp_auth_failures_total.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.ts';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { modernRequest, post, type RawResponse } from '../fixtures/raw-http.ts';
import { startModernEchoBackend } from '../fixtures/modern-echo-backend.ts';
import type { RecordingServer } from '../upstream/fixtures/recording-server.ts';
import { createSigningKey, nowSeconds, startTestIssuer, type TestIssuer } from '../identity/fixtures/test-issuer.ts';

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
