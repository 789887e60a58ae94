import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpAuthentication, type HttpAuthentication } from '../../src/identity/http-authentication.ts';
import { createTokenVerifier } from '../../src/identity/token-verifier.ts';
import type { AuthErrorCode } from '../../src/identity/auth-error.ts';
import { nowSeconds, startTestIssuer, type TestIssuer } from './fixtures/test-issuer.ts';

const PUBLIC = 'https://gw.example';

describe('HTTP authentication at the MCP endpoints', () => {
  let issuer: TestIssuer;
  let server: Server;
  let url: string;
  let authentication: HttpAuthentication;
  const refusals: AuthErrorCode[] = [];

  before(async () => {
    issuer = await startTestIssuer();
    authentication = createHttpAuthentication({
      verifier: createTokenVerifier({ issuer: issuer.issuer, audiences: [`${PUBLIC}/mcp`, `${PUBLIC}/servers/crm/mcp`] }),
      publicBaseUrl: PUBLIC,
      challengeScopes: (backend) => (backend === undefined ? ['crm.read', 'everything.read'] : [`${backend}.read`]),
      onRefusal: (error) => refusals.push(error.code),
    });
    server = createServer(async (request, response) => {
      const backend = request.url === '/servers/crm/mcp' ? 'crm' : undefined;
      const caller = await authentication.authenticate(request, response, backend);
      if (caller === undefined) return;
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ agent: caller.agent }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await issuer.close();
  });

  const send = (path: string, authorization?: string) => fetch(`${url}${path}`, { method: 'POST', headers: authorization === undefined ? {} : { authorization } });

  test('passes a request with a valid token through with its caller', async () => {
    const token = await issuer.mint({ iss: issuer.issuer, aud: `${PUBLIC}/mcp`, client_id: 'research', sub: 'research', exp: nowSeconds() + 60 });
    const response = await send('/mcp', `Bearer ${token}`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { agent: 'research' });
  });

  test('challenges a request without a token with the metadata URL of its own endpoint and counts the refusal', async () => {
    const response = await send('/servers/crm/mcp');
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), `Bearer resource_metadata="${PUBLIC}/.well-known/oauth-protected-resource/servers/crm/mcp", scope="crm.read"`);
    assert.equal(response.headers.get('access-control-expose-headers'), 'WWW-Authenticate');
    assert.equal(refusals.at(-1), 'missing');
  });

  test('refuses a token issued for another resource with 401 invalid_token and the specific code', async () => {
    const token = await issuer.mint({ iss: issuer.issuer, aud: 'https://other.example/mcp', client_id: 'research', exp: nowSeconds() + 60 });
    const response = await send('/mcp', `Bearer ${token}`);
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate')!, /error="invalid_token"/);
    const body = await response.json() as { error: { data: { auth_error: string } } };
    assert.equal(body.error.data.auth_error, 'wrong_audience');
  });

  test('gives every request the anonymous caller when no verifier is configured (allow_anonymous)', async () => {
    const anonymous = createHttpAuthentication({ verifier: undefined, publicBaseUrl: PUBLIC });
    const caller = anonymous.authenticate({ headers: {} } as never, {} as never, undefined);
    assert.equal((caller as { isAnonymous: boolean }).isAnonymous, true);
  });
});
