import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt } from 'jose';
import { createBackendCredentials, isBackendCredentialError, type CredentialHeaders } from '../../src/identity/backend-credentials.ts';
import { startEmbeddedIdp, type EmbeddedIdp } from '../../src/identity/embedded-idp.ts';
import { createTokenVerifier, type TokenVerifier } from '../../src/identity/token-verifier.ts';
import { requestToken } from '../../src/identity/oauth-token-client.ts';
import { presentedTokenOf, type Caller } from '../../src/identity/caller.ts';
import { DEMO_GATEWAY_CLIENT } from '../../src/identity/embedded-idp/demo-directory.ts';

const GATEWAY = 'http://127.0.0.1:48081';

describe('backend credentials', () => {
  let idp: EmbeddedIdp;
  let backend: Server;
  let backendUrl: string;
  let verifier: TokenVerifier;
  let tokenUrl: string;
  const received: (string | undefined)[] = [];
  let tokenRequests = 0;
  const countingFetch: typeof fetch = (input, init) => {
    tokenRequests++;
    return fetch(input, init);
  };
  const gatewayClient = { clientId: DEMO_GATEWAY_CLIENT.name, clientSecret: DEMO_GATEWAY_CLIENT.secret };

  before(async () => {
    backend = createServer((request, response) => {
      received.push(request.headers.authorization);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}/mcp`;
    idp = await startEmbeddedIdp({ gatewayBaseUrl: GATEWAY, backendResources: { [backendUrl]: ['crm.read', 'crm.invoke', 'crm.customers.read'] } });
    tokenUrl = `${idp.issuer}/token`;
    verifier = createTokenVerifier({ issuer: idp.issuer, audiences: [`${GATEWAY}/mcp`] });
  });
  after(async () => {
    await idp.close();
    backend.closeAllConnections();
    await new Promise((resolve) => backend.close(resolve));
  });

  const callerFor = async (agent: string): Promise<Caller> => {
    const { access_token } = await requestToken(tokenUrl, { grant_type: 'client_credentials' }, { clientId: agent, clientSecret: `${agent}-dev-secret` });
    return verifier.verify(access_token);
  };
  const tokenIn = (headers: CredentialHeaders) => headers.authorization!.replace(/^Bearer /, '');
  const callBackend = (headers: CredentialHeaders) => fetch(backendUrl, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{}' });

  test('adds nothing for a backend without credentials', () => {
    assert.deepEqual(createBackendCredentials({ type: 'none' }).headersFor(), {});
  });

  test('adds a static header from a secret, synchronously', () => {
    const headers = createBackendCredentials({ type: 'static_header', header: 'X-Api-Key', value: 'from-a-secret' }).headersFor();
    assert.deepEqual(headers, { 'x-api-key': 'from-a-secret' });
  });

  test('sends the backend the gateway\'s own service token, not the client\'s', async () => {
    const caller = await callerFor('support');
    const credentials = createBackendCredentials(
      { type: 'oauth_client_credentials', tokenUrl, client: gatewayClient, resource: backendUrl, scope: 'crm.read' },
      { backend: 'crm' },
    );
    await callBackend(await credentials.headersFor(caller));
    const sent = received.at(-1)!.replace(/^Bearer /, '');
    assert.notEqual(sent, presentedTokenOf(caller));
    const claims = decodeJwt(sent);
    assert.equal(claims.aud, backendUrl);
    assert.equal(claims.client_id, DEMO_GATEWAY_CLIENT.name);
    assert.equal(claims.scope, 'crm.read');
  });

  test('caches the service token and answers later calls synchronously with one token request', async () => {
    tokenRequests = 0;
    const credentials = createBackendCredentials({ type: 'oauth_client_credentials', tokenUrl, client: gatewayClient, resource: backendUrl }, { fetch: countingFetch });
    const first = await credentials.headersFor();
    for (let i = 0; i < 20; i++) {
      const again = credentials.headersFor();
      assert.ok(!(again instanceof Promise));
      assert.equal(again, first);
    }
    assert.equal(tokenRequests, 1);
  });

  test('refreshes the service token before it expires, serving the old one meanwhile', async () => {
    let clock = Date.now();
    tokenRequests = 0;
    const credentials = createBackendCredentials(
      { type: 'oauth_client_credentials', tokenUrl, client: gatewayClient, resource: backendUrl },
      { fetch: countingFetch, now: () => clock },
    );
    const first = await credentials.headersFor();
    clock += 460_000; // past three quarters of the 600 s life, before its end
    const during = credentials.headersFor();
    assert.equal(during, first, 'the still-valid token serves while the refresh runs');
    // The refresh runs in the background: wait for its answer (slow on a loaded machine), not a fixed time.
    let after = credentials.headersFor();
    for (let waited = 0; !(after instanceof Promise) && tokenIn(after) === tokenIn(first) && waited < 10_000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      after = credentials.headersFor();
    }
    assert.ok(!(after instanceof Promise));
    assert.notEqual(tokenIn(after), tokenIn(first));
    assert.equal(tokenRequests, 2);
    clock += 10_000_000;
    const expired = credentials.headersFor();
    assert.ok(expired instanceof Promise, 'an expired token is never served');
    await expired;
  });

  test('reports an unreachable token endpoint as a transient credential failure', async () => {
    const credentials = createBackendCredentials({ type: 'oauth_client_credentials', tokenUrl: 'http://127.0.0.1:9/token', client: gatewayClient }, { backend: 'crm' });
    await assert.rejects(async () => credentials.headersFor(), (error: unknown) => isBackendCredentialError(error) && error.isTransient && /Backend "crm" was not called/.test(error.message));
  });

  test('exchanges the caller\'s token for a backend token on their behalf (RFC 8693), cached per caller', async () => {
    tokenRequests = 0;
    const credentials = createBackendCredentials({ type: 'token_exchange', tokenUrl, client: gatewayClient, resource: backendUrl }, { fetch: countingFetch });
    const support = await callerFor('support');
    const research = await callerFor('research');
    const forSupport = await credentials.headersFor(support);
    const claims = decodeJwt(tokenIn(forSupport));
    assert.equal(claims.sub, 'support');
    assert.equal(claims.aud, backendUrl);
    assert.deepEqual(claims.act, { sub: DEMO_GATEWAY_CLIENT.name });
    assert.equal(claims.scope, 'crm.read crm.invoke crm.customers.read', 'the backend token keeps only scopes the backend serves');
    assert.notEqual(tokenIn(forSupport), presentedTokenOf(support));
    assert.equal(credentials.headersFor(support), forSupport, 'a second call for the same caller is served from the cache');
    const forResearch = await credentials.headersFor(research);
    assert.notEqual(tokenIn(forResearch), tokenIn(forSupport));
    assert.equal(tokenRequests, 2);
  });

  test('refuses token exchange for a request without a caller token', async () => {
    const credentials = createBackendCredentials({ type: 'token_exchange', tokenUrl, client: gatewayClient, resource: backendUrl });
    await assert.rejects(async () => credentials.headersFor(), (error: unknown) => isBackendCredentialError(error) && error.code === 'no_subject_token');
  });
});
