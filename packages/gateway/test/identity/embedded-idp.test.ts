import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as oauth from 'oauth4webapi';
import { Client, ClientCredentialsProvider, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { InMemoryOAuthClient } from '../fixtures/oauth-client.ts';
import { startEmbeddedIdp, type EmbeddedIdp } from '../../src/identity/embedded-idp.ts';
import { createTokenVerifier, type TokenVerifier } from '../../src/identity/token-verifier.ts';
import { compileAuthorization } from '../../src/identity/authorization.ts';
import { gatewayResourceIdentifiers } from '../../src/identity/resource-metadata.ts';
import { DEMO_AUTHORIZATION_RULES, DEMO_SCOPE_HIERARCHY } from '../fixtures/embedded-default-identity.ts';
import { requestToken } from '../../src/identity/oauth-token-client.ts';
import { ACCESS_TOKEN_TYPE, TOKEN_EXCHANGE_GRANT } from '../../src/identity/backend-credentials.ts';
import { isOAuthRequestError } from '../../src/identity/oauth-token-client.ts';
import { followAuthorization } from './fixtures/browser.ts';
import { startProtectedResource, type ProtectedResource } from './fixtures/protected-resource.ts';

const insecure = { [oauth.allowInsecureRequests]: true } as const;
const REDIRECT = 'http://127.0.0.1:47011/callback';

describe('embedded identity provider', () => {
  let resource: ProtectedResource;
  let idp: EmbeddedIdp;
  let verifier: TokenVerifier;
  let as: oauth.AuthorizationServer;
  let tokenEndpoint: string;
  const authorization = compileAuthorization(DEMO_AUTHORIZATION_RULES);

  before(async () => {
    resource = await startProtectedResource();
    idp = await startEmbeddedIdp({ gatewayBaseUrl: resource.baseUrl });
    verifier = createTokenVerifier({ issuer: idp.issuer, audiences: gatewayResourceIdentifiers(resource.baseUrl, ['crm']), claims: { scopeHierarchy: DEMO_SCOPE_HIERARCHY } });
    resource.configure({ verifier, authorization, authorizationServers: [idp.issuer] });
    const issuerUrl = new URL(idp.issuer);
    as = await oauth.processDiscoveryResponse(issuerUrl, await oauth.discoveryRequest(issuerUrl, { algorithm: 'oauth2', ...insecure }));
    tokenEndpoint = as.token_endpoint!;
  });
  after(async () => {
    await resource.close();
    await idp.close();
  });

  const agentToken = (agent: string, parameters: Record<string, string> = {}) =>
    requestToken(tokenEndpoint, { grant_type: 'client_credentials', ...parameters }, { clientId: agent, clientSecret: `${agent}-dev-secret` });

  /** RFC 8693 token exchange at the embedded IdP: `agent` trades `subjectToken` for a token to the gateway resource. */
  const exchangeToken = (agent: string, subjectToken: string, parameters: Record<string, string> = {}) =>
    requestToken(tokenEndpoint, {
      grant_type: TOKEN_EXCHANGE_GRANT,
      subject_token: subjectToken,
      subject_token_type: ACCESS_TOKEN_TYPE,
      resource: resource.mcpUrl,
      ...parameters,
    }, { clientId: agent, clientSecret: `${agent}-dev-secret` });

  async function userToken(clientId: string, clientAuth: oauth.ClientAuth, scope: string): Promise<string> {
    const client: oauth.Client = { client_id: clientId };
    const codeVerifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint!);
    for (const [name, value] of Object.entries({
      client_id: clientId,
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope,
      state,
      resource: resource.mcpUrl,
      code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    })) url.searchParams.set(name, value);
    const callback = await followAuthorization(url, REDIRECT);
    // RFC 9207: oauth4webapi checks `iss` against the issuer since the metadata says it is sent.
    assert.equal(callback.searchParams.get('iss'), idp.issuer);
    const parameters = oauth.validateAuthResponse(as, client, callback, state);
    const response = await oauth.authorizationCodeGrantRequest(as, client, clientAuth, parameters, REDIRECT, codeVerifier, {
      additionalParameters: { resource: resource.mcpUrl },
      ...insecure,
    });
    const result = await oauth.processAuthorizationCodeResponse(as, client, response);
    return result.access_token;
  }

  test('advertises what MCP clients look for: RFC 8414 metadata, PKCE S256, the iss parameter, metadata documents and registration', async () => {
    const response = await fetch(`${idp.issuer}/.well-known/oauth-authorization-server`);
    const metadata = await response.json() as Record<string, unknown>;
    assert.equal(metadata.issuer, idp.issuer);
    assert.deepEqual(metadata.code_challenge_methods_supported, ['S256']);
    assert.equal(metadata.authorization_response_iss_parameter_supported, true);
    assert.equal(metadata.client_id_metadata_document_supported, true);
    assert.equal(typeof metadata.registration_endpoint, 'string');
    assert.ok((metadata.grant_types_supported as string[]).includes(TOKEN_EXCHANGE_GRANT));
    assert.ok(!(metadata.grant_types_supported as string[]).includes('implicit'), 'OAuth 2.1 has no implicit grant');
  });

  test('issues a client-credentials JWT over HTTP whose audience is the gateway resource, and the verifier accepts it', async () => {
    const issued = await agentToken('research');
    const caller = await verifier.verify(issued.access_token);
    assert.deepEqual(caller.audience, [resource.mcpUrl]);
    assert.equal(caller.agent, 'research');
    assert.equal(caller.user, undefined);
    assert.deepEqual([...caller.roles], ['research']);
    assert.deepEqual([...caller.scopes].sort(), ['crm.customers.read', 'crm.invoke', 'crm.read']);
  });

  test('grants an agent only what it asks for', async () => {
    const issued = await agentToken('research', { scope: 'crm.read' });
    assert.equal(issued.scope, 'crm.read');
  });

  test('refuses an agent a scope outside its configuration with invalid_scope, instead of a narrower token', async () => {
    await assert.rejects(agentToken('research', { scope: 'crm.read crm.customers.write' }), (error: unknown) => isOAuthRequestError(error) && error.oauthError === 'invalid_scope' && /crm\.customers\.write/.test(error.message));
  });

  test('refuses a token for a resource that is not the gateway', async () => {
    await assert.rejects(agentToken('research', { resource: 'https://elsewhere.example/mcp' }), (error: unknown) => isOAuthRequestError(error) && error.oauthError === 'invalid_target');
  });

  test('refuses a wrong agent secret', async () => {
    await assert.rejects(requestToken(tokenEndpoint, { grant_type: 'client_credentials' }, { clientId: 'admin', clientSecret: 'guess' }), (error: unknown) => isOAuthRequestError(error) && error.oauthError === 'invalid_client');
  });

  test('gives two agents with different roles different catalogs', async () => {
    const tools = ['get_customer', 'search_customers', 'update_customer', 'send_email', 'send_mass_email', 'echo'].map((name) => ({ name }));
    const catalogOf = async (agent: string) => {
      const caller = await verifier.verify((await agentToken(agent)).access_token);
      return authorization.filter(caller, tools, (tool) => ({ backend: 'crm', kind: 'tool', name: tool.name })).map((tool) => tool.name);
    };
    assert.deepEqual(await catalogOf('research'), ['get_customer', 'search_customers', 'echo']);
    assert.deepEqual(await catalogOf('support'), ['get_customer', 'search_customers', 'update_customer', 'send_email', 'echo']);
    assert.deepEqual(await catalogOf('admin'), tools.map((tool) => tool.name));
  });

  test('completes authorization code + PKCE for the demo user, and the token acts for that user through the agent', async () => {
    const token = await userToken('support', oauth.ClientSecretBasic('support-dev-secret'), 'crm.read crm.invoke crm.customers.write');
    const caller = await verifier.verify(token);
    assert.equal(caller.user, 'alice');
    assert.equal(caller.agent, 'support');
    assert.equal(caller.mode, 'hybrid');
    assert.equal(caller.rootPrincipal, 'user:alice');
    assert.deepEqual([...caller.scopes].sort(), ['crm.customers.write', 'crm.invoke', 'crm.read']);
  });

  test('answers a request for a scope the user cannot delegate with invalid_scope at the redirect, instead of a narrower token', async () => {
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({ client_id: 'admin', redirect_uri: REDIRECT, response_type: 'code', scope: 'crm.read crm.invoke crm.email.bulk', state: 'bulk', resource: resource.mcpUrl, code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' }).toString();
    const callback = await followAuthorization(url, REDIRECT);
    assert.equal(callback.searchParams.get('error'), 'invalid_scope');
    assert.match(callback.searchParams.get('error_description') ?? '', /alice cannot delegate crm\.email\.bulk/);
    assert.equal(callback.searchParams.get('code'), null);
  });

  test('answers an authorization request for a scope the client may not hold with invalid_scope', async () => {
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({ client_id: 'research', redirect_uri: REDIRECT, response_type: 'code', scope: 'crm.read crm.customers.write', state: 'write', resource: resource.mcpUrl, code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' }).toString();
    const callback = await followAuthorization(url, REDIRECT);
    assert.equal(callback.searchParams.get('error'), 'invalid_scope');
    assert.equal(callback.searchParams.get('code'), null);
  });

  test('registers a public client dynamically (RFC 7591) and completes the flow with it', async () => {
    const response = await fetch(as.registration_endpoint!, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'older MCP client', redirect_uris: [REDIRECT], application_type: 'native', token_endpoint_auth_method: 'none', grant_types: ['authorization_code'], response_types: ['code'] }),
    });
    assert.equal(response.status, 201);
    const registered = await response.json() as { client_id: string };
    const caller = await verifier.verify(await userToken(registered.client_id, oauth.None(), 'crm.read'));
    assert.equal(caller.user, 'alice');
    assert.equal(caller.agent, registered.client_id);
    assert.deepEqual([...caller.scopes], ['crm.read']);
  });

  test('exchanges a user token for an agent acting on the user\'s behalf (RFC 8693), recording the actor', async () => {
    const aliceToken = await userToken('support', oauth.ClientSecretBasic('support-dev-secret'), 'crm.read crm.invoke crm.customers.read');
    const exchanged = await exchangeToken('research', aliceToken, { scope: 'crm.read crm.customers.read' });
    assert.equal(exchanged.issued_token_type, ACCESS_TOKEN_TYPE);
    const caller = await verifier.verify(exchanged.access_token);
    assert.equal(caller.user, 'alice');
    assert.equal(caller.agent, 'research');
    assert.deepEqual(caller.actors, ['research']);
    assert.equal(caller.rootPrincipal, 'user:alice');
    assert.deepEqual([...caller.grantedScopes], ['crm.read', 'crm.customers.read']);
  });

  test('refuses an exchange asking for a scope the subject token lacks with invalid_scope, instead of a narrower token', async () => {
    const aliceToken = await userToken('support', oauth.ClientSecretBasic('support-dev-secret'), 'crm.read crm.invoke crm.customers.read');
    await assert.rejects(exchangeToken('research', aliceToken, { scope: 'crm.read crm.customers.read crm.admin' }), (error: unknown) => isOAuthRequestError(error) && error.oauthError === 'invalid_scope' && /crm\.admin/.test(error.message));
  });

  test('keeps a self-exchanged agent token app-only: no user, the agent at the root, the actor in act', async () => {
    const own = await agentToken('research');
    const exchanged = await exchangeToken('research', own.access_token);
    const claims = JSON.parse(Buffer.from(exchanged.access_token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    assert.equal(claims.sub, 'research');
    assert.equal(claims.idtyp, 'app', 'the token says it is app-only');
    assert.deepEqual(claims.act, { sub: 'research' });
    const caller = await verifier.verify(exchanged.access_token);
    assert.equal(caller.user, undefined, 'an exchange never turns an agent into a user');
    assert.equal(caller.rootPrincipal, 'agent:research');
    assert.deepEqual(caller.actors, ['research']);
  });

  test('keeps an agent token app-only when another agent exchanges it: the first agent stays the root', async () => {
    const own = await agentToken('research');
    const exchanged = await exchangeToken('support', own.access_token);
    const caller = await verifier.verify(exchanged.access_token);
    assert.equal(caller.user, undefined);
    assert.equal(caller.agent, 'support');
    assert.equal(caller.rootPrincipal, 'agent:research');
    assert.deepEqual([...caller.grantedScopes].sort(), ['crm.customers.read', 'crm.invoke', 'crm.read'], 'no more than research had');
  });

  test('refuses to exchange a token it did not issue', async () => {
    await assert.rejects(exchangeToken('research', 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'), (error: unknown) => isOAuthRequestError(error) && error.oauthError === 'invalid_grant');
  });

  test('lets the official SDK client complete the OAuth flow by itself from a 401 (resource metadata, AS metadata, registration, PKCE)', async () => {
    const provider = new InMemoryOAuthClient(REDIRECT);
    const first = new Client({ name: 'sdk-oauth-test', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(resource.mcpUrl), { authProvider: provider });
    await assert.rejects(first.connect(transport), (error: unknown) => error instanceof UnauthorizedError);
    assert.ok(provider.authorizationUrl !== undefined, 'the SDK sent the user to the authorization endpoint');
    assert.equal(provider.authorizationUrl.searchParams.get('resource'), resource.mcpUrl);
    assert.ok(provider.authorizationUrl.searchParams.get('scope')?.split(' ').includes('crm.read'), 'the scope comes from the 401 challenge');
    const callback = await followAuthorization(provider.authorizationUrl, REDIRECT);
    await transport.finishAuth(callback.searchParams);

    const client = new Client({ name: 'sdk-oauth-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(resource.mcpUrl), { authProvider: provider }));
    const { tools } = await client.listTools();
    assert.ok(tools.some((tool) => tool.name === 'get_customer'));
    assert.equal(resource.callers.at(-1)?.user, 'alice');
    await client.close();
  });

  test('lets an SDK agent with client credentials step up to the scope a tool needs after a 403 insufficient_scope', async () => {
    const client = new Client({ name: 'sdk-agent-test', version: '1.0.0' });
    const authProvider = new ClientCredentialsProvider({ clientId: 'research', clientSecret: 'research-dev-secret', expectedIssuer: idp.issuer });
    await client.connect(new StreamableHTTPClientTransport(new URL(resource.mcpUrl), { authProvider }));
    const result = await client.callTool({ name: 'get_customer', arguments: { customer_id: 'C-1001' } });
    assert.notEqual(result.isError, true);
    const caller = resource.callers.at(-1)!;
    assert.equal(caller.agent, 'research');
    assert.ok(caller.scopes.has('crm.customers.read'), 'the stepped-up token carries the tool scope');
    await client.close();
  });
});

describe('step-up challenge at a protected resource', () => {
  let resource: ProtectedResource;
  let idp: EmbeddedIdp;

  before(async () => {
    resource = await startProtectedResource();
    idp = await startEmbeddedIdp({ gatewayBaseUrl: resource.baseUrl });
    const verifier = createTokenVerifier({ issuer: idp.issuer, audiences: [resource.mcpUrl] });
    resource.configure({ verifier, authorization: compileAuthorization(DEMO_AUTHORIZATION_RULES), authorizationServers: [idp.issuer] });
  });
  after(async () => {
    await resource.close();
    await idp.close();
  });

  test('answers a call outside the token\'s scopes with 403 insufficient_scope naming the scopes it holds plus every scope the tool needs', async () => {
    const metadata = await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json() as { token_endpoint: string };
    const { access_token } = await requestToken(metadata.token_endpoint, { grant_type: 'client_credentials' }, { clientId: 'research', clientSecret: 'research-dev-secret' });
    const response = await fetch(resource.mcpUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'update_customer', arguments: {} } }),
    });
    assert.equal(response.status, 403);
    const challenge = response.headers.get('www-authenticate')!;
    assert.match(challenge, /^Bearer /);
    assert.match(challenge, /error="insufficient_scope"/);
    assert.match(challenge, /scope="crm\.read crm\.invoke crm\.customers\.read crm\.customers\.write"/, 'research keeps what it holds when it steps up');
    assert.match(challenge, new RegExp(`resource_metadata="${resource.baseUrl}/.well-known/oauth-protected-resource/mcp"`));
    const body = await response.json() as { error: { message: string; data: { missing_scopes: string[] } } };
    assert.deepEqual(body.error.data.missing_scopes, ['crm.customers.write']);
    assert.match(body.error.message, /crm\.customers\.write/);
  });

  test('answers a request without a token with 401 and a challenge pointing at the resource metadata', async () => {
    const response = await fetch(resource.mcpUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), `Bearer resource_metadata="${resource.baseUrl}/.well-known/oauth-protected-resource/mcp", scope="crm.read"`);
    const metadata = await (await fetch(`${resource.baseUrl}/.well-known/oauth-protected-resource/mcp`)).json() as Record<string, unknown>;
    assert.equal(metadata.resource, resource.mcpUrl);
    assert.deepEqual(metadata.authorization_servers, [idp.issuer]);
  });
});

describe('embedded identity provider without auto-login', () => {
  let idp: EmbeddedIdp;
  before(async () => {
    idp = await startEmbeddedIdp({ gatewayBaseUrl: 'http://127.0.0.1:48082', isAutoLogin: false });
  });
  after(() => idp.close());

  test('asks the user to sign in and to allow the client on minimal pages, showing the redirect host, then redirects with a code and iss', async () => {
    const cookies = new Map<string, string>();
    const go = async (url: string, init: RequestInit = {}) => {
      const response = await fetch(new URL(url, idp.issuer), { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') } });
      for (const line of response.headers.getSetCookie()) {
        const pair = line.split(';', 1)[0]!;
        cookies.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
      }
      return response;
    };
    const post = (action: string, body: string) => go(action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    const url = new URL(`${idp.issuer}/auth`);
    url.search = new URLSearchParams({ client_id: 'support', redirect_uri: REDIRECT, response_type: 'code', scope: 'crm.read', state: 's1', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' }).toString();

    const login = await go((await go(url.href)).headers.get('location')!);
    const loginPage = await login.text();
    assert.match(loginPage, /Development only/);
    const afterLogin = await post(/action="([^"]+)"/.exec(loginPage)![1]!, 'user=alice');
    const consent = await go((await go(afterLogin.headers.get('location')!)).headers.get('location')!);
    const consentPage = await consent.text();
    assert.match(consentPage, /127\.0\.0\.1:47011/);
    const afterConsent = await post(/action="([^"]+)"/.exec(consentPage)![1]!, '');
    const callback = new URL((await go(afterConsent.headers.get('location')!)).headers.get('location')!);
    assert.equal(callback.origin + callback.pathname, REDIRECT);
    assert.ok(callback.searchParams.get('code'));
    assert.equal(callback.searchParams.get('iss'), idp.issuer);
  });
});
