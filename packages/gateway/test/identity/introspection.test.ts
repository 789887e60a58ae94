import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTokenVerifier, type TokenVerifier } from '../../src/identity/token-verifier.ts';
import { isAuthError, type AuthErrorCode } from '../../src/identity/auth-error.ts';
import { nowSeconds, startTestIssuer, type TestIssuer } from './fixtures/test-issuer.ts';

const RESOURCE = 'https://gateway.example/mcp';

describe('opaque tokens through RFC 7662 introspection', () => {
  let issuer: TestIssuer;
  let verifier: TokenVerifier;
  let clock: number;

  before(async () => {
    issuer = await startTestIssuer();
  });
  beforeEach(() => {
    clock = Date.now();
    issuer.isIntrospectionDown = false;
    verifier = createTokenVerifier({
      issuer: issuer.issuer,
      audiences: [RESOURCE],
      now: () => clock,
      introspection: { client: issuer.introspectionClient, maxCacheSeconds: 60 },
    });
  });
  after(() => issuer.close());

  const activeAnswer = (extra: Record<string, unknown> = {}) => ({
    active: true,
    iss: issuer.issuer,
    aud: RESOURCE,
    client_id: 'support',
    sub: 'alice',
    scope: 'crm.read crm.invoke',
    exp: nowSeconds() + 600,
    token_type: 'Bearer',
    ...extra,
  });

  async function rejection(token: string): Promise<AuthErrorCode> {
    try {
      await verifier.verify(token);
    } catch (error) {
      assert.ok(isAuthError(error));
      return error.code;
    }
    assert.fail('accepted');
  }

  test('accepts an active opaque token found through discovery and reads the caller from the answer', async () => {
    issuer.opaqueTokens.set('opaque-active', activeAnswer());
    const caller = await verifier.verify('opaque-active');
    assert.equal(caller.agent, 'support');
    assert.equal(caller.user, 'alice');
    assert.ok(caller.scopes.has('crm.invoke'));
  });

  test('asks the endpoint once and then serves the token from the cache', async () => {
    issuer.opaqueTokens.set('opaque-cached', activeAnswer());
    const hits = issuer.introspectionHits;
    await verifier.verify('opaque-cached');
    const second = verifier.verify('opaque-cached');
    assert.ok(!(second instanceof Promise));
    assert.equal(issuer.introspectionHits, hits + 1);
  });

  test('asks again once the cache bound passes, and sees a revocation', async () => {
    issuer.opaqueTokens.set('opaque-revoked', activeAnswer());
    await verifier.verify('opaque-revoked');
    issuer.opaqueTokens.set('opaque-revoked', { active: false });
    clock += 61_000;
    assert.equal(await rejection('opaque-revoked'), 'inactive');
  });

  test('never caches an answer past the token\'s own expiry', async () => {
    issuer.opaqueTokens.set('opaque-short', activeAnswer({ exp: nowSeconds() + 10 }));
    await verifier.verify('opaque-short');
    clock += 45_000;
    const hits = issuer.introspectionHits;
    await assert.rejects(async () => verifier.verify('opaque-short'));
    assert.equal(issuer.introspectionHits, hits + 1);
  });

  test('refuses an inactive token as inactive', async () => {
    assert.equal(await rejection('opaque-unknown'), 'inactive');
  });

  test('refuses an active token for another resource as wrong audience', async () => {
    issuer.opaqueTokens.set('opaque-other', activeAnswer({ aud: 'https://other.example' }));
    assert.equal(await rejection('opaque-other'), 'wrong_audience');
  });

  test('refuses an active token that names no audience, since the RFC 8707 binding cannot be checked', async () => {
    const { aud: _aud, ...withoutAudience } = activeAnswer();
    issuer.opaqueTokens.set('opaque-no-aud', withoutAudience);
    assert.equal(await rejection('opaque-no-aud'), 'wrong_audience');
  });

  test('refuses an active token of another issuer as wrong issuer', async () => {
    issuer.opaqueTokens.set('opaque-foreign', activeAnswer({ iss: 'https://evil.example' }));
    assert.equal(await rejection('opaque-foreign'), 'wrong_issuer');
  });

  test('reports an unreachable endpoint as a transient introspection failure (503), not a bad token', async () => {
    issuer.opaqueTokens.set('opaque-outage', activeAnswer());
    issuer.isIntrospectionDown = true;
    try {
      await verifier.verify('opaque-outage');
      assert.fail('accepted');
    } catch (error) {
      assert.ok(isAuthError(error));
      assert.equal(error.code, 'introspection_failed');
      assert.equal(error.status, 503);
      assert.equal(error.isTransient, true);
    }
  });

  test('authenticates to the endpoint with the configured client', async () => {
    const wrongClient = createTokenVerifier({
      issuer: issuer.issuer,
      audiences: [RESOURCE],
      introspection: { endpoint: issuer.introspectionEndpoint, client: { clientId: 'gateway-rs', clientSecret: 'wrong' } },
    });
    issuer.opaqueTokens.set('opaque-auth', activeAnswer());
    await assert.rejects(async () => wrongClient.verify('opaque-auth'), (error: unknown) => isAuthError(error) && error.code === 'introspection_failed');
  });
});
