import { after, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTokenVerifier, type TokenVerifier } from '../../src/identity/token-verifier.ts';
import { isAuthError } from '../../src/identity/auth-error.ts';
import { createSigningKey, nowSeconds, startTestIssuer, type TestIssuer } from './fixtures/test-issuer.ts';

const RESOURCE = 'https://gateway.example/mcp';

describe('JWKS cache', () => {
  let issuer: TestIssuer;
  let verifier: TokenVerifier;
  let clock: number;

  beforeEach(async () => {
    await issuer?.close();
    issuer = await startTestIssuer();
    clock = Date.now();
    verifier = createTokenVerifier({
      issuer: issuer.issuer,
      audiences: [RESOURCE],
      now: () => clock,
      jwks: { minRefetchIntervalMs: 30_000, maxAgeMs: 600_000 },
    });
  });
  after(() => issuer.close());

  let sequence = 0;
  const token = (key = issuer.published[0]!) =>
    issuer.mint({ iss: issuer.issuer, aud: RESOURCE, sub: 'research', client_id: 'research', exp: nowSeconds() + 3600, jti: `t-${sequence++}` }, { key });

  const codeOf = async (tokenText: string) => {
    try {
      await verifier.verify(tokenText);
      return 'accepted';
    } catch (error) {
      return isAuthError(error) ? error.code : String(error);
    }
  };

  test('picks up a rotated key when a token names a kid it has not seen', async () => {
    assert.equal(await codeOf(await token()), 'accepted');
    const rotated = await createSigningKey('ES256', 'key-2');
    issuer.published = [issuer.published[0]!, rotated];
    clock += 31_000;
    assert.equal(await codeOf(await token(rotated)), 'accepted');
    assert.equal(issuer.jwksHits, 2);
  });

  test('refetches for unknown kids at most once per floor interval', async () => {
    assert.equal(await codeOf(await token()), 'accepted');
    const hits = issuer.jwksHits;
    for (let i = 0; i < 5; i++) {
      const stranger = await createSigningKey('ES256', `forged-${i}`);
      assert.equal(await codeOf(await token(stranger)), 'unknown_key');
    }
    assert.equal(issuer.jwksHits, hits, 'no refetch within the floor after the first fetch');
    clock += 31_000;
    const late = await createSigningKey('ES256', 'late');
    assert.equal(await codeOf(await token(late)), 'unknown_key');
    assert.equal(issuer.jwksHits, hits + 1);
  });

  test('keeps verifying with cached keys while the JWKS endpoint is down, and refuses unknown keys', async () => {
    assert.equal(await codeOf(await token()), 'accepted');
    issuer.isJwksDown = true;
    clock += 700_000;
    assert.equal(await codeOf(await token()), 'accepted', 'a stale set keeps serving while its refresh fails');
    const rotated = await createSigningKey('ES256', 'during-outage');
    issuer.published = [issuer.published[0]!, rotated];
    clock += 31_000;
    assert.equal(await codeOf(await token(rotated)), 'unknown_key');
    assert.equal(await codeOf(await token()), 'accepted');
    assert.ok(verifier.jwks.stats.failures >= 1);
  });

  test('fails closed when the JWKS has never been reachable', async () => {
    issuer.isJwksDown = true;
    assert.equal(await codeOf(await token()), 'unknown_key');
  });

  test('drops a key the issuer stopped publishing once the set is refreshed', async () => {
    const retired = issuer.published[0]!;
    assert.equal(await codeOf(await token(retired)), 'accepted');
    const replacement = await createSigningKey('RS256', 'key-3');
    issuer.published = [replacement];
    await verifier.jwks.refresh();
    assert.equal(await codeOf(await token(retired)), 'unknown_key');
    assert.equal(await codeOf(await token(replacement)), 'accepted');
  });

  test('refreshes an old key set in the background without delaying a request', async () => {
    assert.equal(await codeOf(await token()), 'accepted');
    clock += 700_000;
    assert.equal(await codeOf(await token()), 'accepted');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(issuer.jwksHits, 2);
  });
});
