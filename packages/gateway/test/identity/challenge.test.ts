import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthError } from '../../src/identity/auth-error.ts';
import { authErrorResponse, bearerChallenge } from '../../src/identity/challenge.ts';
import { createResourceMetadataResponder, gatewayResourceIdentifiers, resourceMetadataUrl } from '../../src/identity/resource-metadata.ts';

const PRM = 'https://gw.example/.well-known/oauth-protected-resource/mcp';

describe('WWW-Authenticate challenges', () => {
  test('answers a missing token with 401 naming the metadata and the first scopes, and no error code (RFC 6750 section 3.1)', () => {
    const answer = authErrorResponse(new AuthError('missing', 'no token'), PRM, ['crm.read']);
    assert.equal(answer.status, 401);
    assert.equal(answer.headers['www-authenticate'], `Bearer resource_metadata="${PRM}", scope="crm.read"`);
  });

  test('answers an invalid token with 401 invalid_token and a description', () => {
    const answer = authErrorResponse(new AuthError('expired', 'The token has expired; refresh it'), PRM);
    assert.equal(answer.status, 401);
    assert.equal(answer.headers['www-authenticate'], `Bearer resource_metadata="${PRM}", error="invalid_token", error_description="The token has expired; refresh it"`);
    assert.equal(answer.body.error.data.auth_error, 'expired');
  });

  test('answers insufficient scope with 403 and every scope the operation needs', () => {
    const error = new AuthError('insufficient_scope', 'need more', { requiredScopes: ['crm.invoke', 'crm.customers.write'], missingScopes: ['crm.customers.write'] });
    const answer = authErrorResponse(error, PRM, ['crm.read']);
    assert.equal(answer.status, 403);
    assert.equal(answer.headers['www-authenticate'], `Bearer resource_metadata="${PRM}", error="insufficient_scope", scope="crm.invoke crm.customers.write", error_description="need more"`);
    assert.deepEqual(answer.body.error.data.missing_scopes, ['crm.customers.write']);
  });

  test('names the scopes the caller holds plus the ones the operation needs, so a client re-authorizing for the challenge keeps what it had', () => {
    const error = new AuthError('insufficient_scope', 'missing crm.email.bulk', { requiredScopes: ['crm.invoke', 'crm.email.bulk'], missingScopes: ['crm.email.bulk'], grantedScopes: ['crm.read', 'crm.invoke', 'crm.customers.read'] });
    const answer = authErrorResponse(error, 'https://gw.example/.well-known/oauth-protected-resource/mcp');
    assert.match(answer.headers['www-authenticate']!, /scope="crm\.read crm\.invoke crm\.customers\.read crm\.email\.bulk"/);
    assert.deepEqual(answer.body.error.data.required_scopes, ['crm.invoke', 'crm.email.bulk'], 'the body still says what the operation itself needs');
  });

  test('answers an unreachable introspection endpoint with 503 and Retry-After, without a challenge', () => {
    const answer = authErrorResponse(new AuthError('introspection_failed', 'down'), PRM);
    assert.equal(answer.status, 503);
    assert.equal(answer.headers['www-authenticate'], undefined);
    assert.equal(answer.headers['retry-after'], '5');
  });

  test('escapes quotes in values and drops characters RFC 6750 forbids in error_description', () => {
    assert.equal(bearerChallenge({ resourceMetadata: 'https://x/"a"', errorDescription: 'say "hi"\\\nbye' }), 'Bearer resource_metadata="https://x/\\"a\\"", error_description="say hibye"');
  });
});

describe('protected resource metadata (RFC 9728)', () => {
  const respond = createResourceMetadataResponder(
    { publicBaseUrl: 'https://gw.example', authorizationServers: ['https://idp.example'], scopesSupported: ['crm.read', 'offline_access'] },
    (path) => path === '/mcp' || path === '/servers/crm/mcp',
  );

  test('serves the root form for the gateway as a whole', () => {
    const document = JSON.parse(respond('/.well-known/oauth-protected-resource')!.body);
    assert.equal(document.resource, 'https://gw.example');
    assert.deepEqual(document.authorization_servers, ['https://idp.example']);
  });

  test('serves the path-suffixed form for /mcp and each backend endpoint, naming that endpoint as the resource', () => {
    assert.equal(JSON.parse(respond('/.well-known/oauth-protected-resource/mcp')!.body).resource, 'https://gw.example/mcp');
    const backend = JSON.parse(respond('/.well-known/oauth-protected-resource/servers/crm/mcp')!.body);
    assert.equal(backend.resource, 'https://gw.example/servers/crm/mcp');
    assert.deepEqual(backend.bearer_methods_supported, ['header']);
  });

  test('never advertises offline_access as a resource scope', () => {
    assert.deepEqual(JSON.parse(respond('/.well-known/oauth-protected-resource/mcp')!.body).scopes_supported, ['crm.read']);
  });

  test('leaves unknown paths to the router', () => {
    assert.equal(respond('/.well-known/oauth-protected-resource/servers/nope/mcp'), undefined);
    assert.equal(respond('/.well-known/openid-configuration'), undefined);
  });

  test('puts the well-known segment between host and path when the gateway lives under a path', () => {
    assert.equal(resourceMetadataUrl('https://corp.example/gatehouse', '/mcp'), 'https://corp.example/.well-known/oauth-protected-resource/gatehouse/mcp');
    const underPath = createResourceMetadataResponder({ publicBaseUrl: 'https://corp.example/gatehouse', authorizationServers: ['https://idp.example'] }, (path) => path === '/mcp');
    assert.equal(JSON.parse(underPath('/.well-known/oauth-protected-resource/gatehouse/mcp')!.body).resource, 'https://corp.example/gatehouse/mcp');
  });

  test('lists every resource identifier of the gateway as an accepted audience', () => {
    assert.deepEqual(gatewayResourceIdentifiers('http://127.0.0.1:8080/', ['crm']), ['http://127.0.0.1:8080', 'http://127.0.0.1:8080/mcp', 'http://127.0.0.1:8080/servers/crm/mcp']);
  });
});
