import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import { createTokenVerifier, bearerTokenOf, type TokenVerifier } from '../../src/identity/token-verifier.ts';
import { isAuthError, type AuthErrorCode } from '../../src/identity/auth-error.ts';
import { createSigningKey, nowSeconds, startTestIssuer, type TestIssuer } from './fixtures/test-issuer.ts';

const RESOURCE = 'https://gateway.example/mcp';

describe('token verifier (JWT)', () => {
  let issuer: TestIssuer;
  let verifier: TokenVerifier;

  before(async () => {
    issuer = await startTestIssuer();
    verifier = createTokenVerifier({ issuer: issuer.issuer, audiences: [RESOURCE, 'https://gateway.example'] });
  });
  after(() => issuer.close());

  const claims = (extra: JWTPayload = {}): JWTPayload => ({
    iss: issuer.issuer,
    aud: RESOURCE,
    sub: 'support',
    client_id: 'support',
    scope: 'crm.read crm.invoke',
    exp: nowSeconds() + 300,
    iat: nowSeconds(),
    jti: 'token-1',
    ...extra,
  });

  async function rejection(token: string): Promise<AuthErrorCode> {
    try {
      await verifier.verify(token);
    } catch (error) {
      assert.ok(isAuthError(error), `expected an AuthError, got ${String(error)}`);
      return error.code;
    }
    assert.fail('the token was accepted');
  }

  test('accepts a token signed by the issuer for this resource and builds the caller from it', async () => {
    const caller = await verifier.verify(await issuer.mint(claims()));
    assert.equal(caller.agent, 'support');
    assert.equal(caller.user, undefined);
    assert.deepEqual([...caller.scopes], ['crm.read', 'crm.invoke']);
    assert.equal(caller.tokenId, 'token-1');
    assert.equal(caller.issuer, issuer.issuer);
  });

  test('answers a second presentation of the same token from the cache, synchronously', async () => {
    const token = await issuer.mint(claims({ jti: 'cached' }));
    const first = await verifier.verify(token);
    const second = verifier.verify(token);
    assert.ok(!(second instanceof Promise));
    assert.equal(second, first);
  });

  test('refuses a malformed token as malformed', async () => {
    assert.equal(await rejection('abc.def.ghi'), 'malformed');
  });

  test('refuses an opaque token as malformed when no introspection endpoint is configured', async () => {
    assert.equal(await rejection('opaque-token-value'), 'malformed');
  });

  test('refuses an encrypted (JWE) token as malformed', async () => {
    assert.equal(await rejection('a.b.c.d.e'), 'malformed');
  });

  test('refuses an expired token as expired', async () => {
    assert.equal(await rejection(await issuer.mint(claims({ exp: nowSeconds() - 120 }))), 'expired');
  });

  test('accepts a token expired by less than the clock skew allowance', async () => {
    const caller = await verifier.verify(await issuer.mint(claims({ exp: nowSeconds() - 5, jti: 'skewed' })));
    assert.equal(caller.agent, 'support');
  });

  test('refuses a token whose nbf is in the future as not yet valid', async () => {
    assert.equal(await rejection(await issuer.mint(claims({ nbf: nowSeconds() + 600 }))), 'not_yet_valid');
  });

  test('refuses a token without exp as malformed', async () => {
    const { exp: _exp, ...rest } = claims();
    assert.equal(await rejection(await issuer.mint(rest)), 'malformed');
  });

  test('refuses a token whose audience is another resource', async () => {
    assert.equal(await rejection(await issuer.mint(claims({ aud: 'https://other.example/mcp' }))), 'wrong_audience');
  });

  test('refuses a token from another issuer before looking up any key', async () => {
    const hits = issuer.jwksHits;
    assert.equal(await rejection(await issuer.mint(claims({ iss: 'https://evil.example' }))), 'wrong_issuer');
    assert.equal(issuer.jwksHits, hits);
  });

  test('refuses alg none', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify(claims())).toString('base64url');
    assert.equal(await rejection(`${header}.${payload}.`), 'alg_not_allowed');
  });

  test('refuses a tampered payload as a bad signature', async () => {
    const token = await issuer.mint(claims());
    const [header, , signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify(claims({ scope: 'crm.read crm.invoke crm.admin' }))).toString('base64url');
    assert.equal(await rejection(`${header}.${forged}.${signature}`), 'bad_signature');
  });

  test('refuses a token signed by another key that claims the issuer\'s kid as a bad signature', async () => {
    const attacker = await createSigningKey('RS256', 'key-1');
    assert.equal(await rejection(await issuer.mint(claims(), { key: attacker })), 'bad_signature');
  });

  test('refuses a token signed by a key the issuer does not publish as an unknown key', async () => {
    const stranger = await createSigningKey('ES256', 'stranger');
    assert.equal(await rejection(await issuer.mint(claims(), { key: stranger })), 'unknown_key');
  });

  test('refuses an HS256 token made with the issuer\'s public RSA key as the secret (HS/RS confusion)', async () => {
    const pem = createPublicKey({ key: issuer.published[0]!.publicJwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid: 'key-1' }).sign(new TextEncoder().encode(String(pem)));
    assert.equal(await rejection(token), 'alg_not_allowed');
  });

  test('accepts HS256 only when a shared secret is explicitly configured', async () => {
    const secret = 'a-shared-secret-of-at-least-32-bytes!!';
    const hmacVerifier = createTokenVerifier({ issuer: issuer.issuer, audiences: [RESOURCE], algorithms: ['HS256'], sharedSecret: secret, jwksUri: issuer.jwksUri });
    const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
    assert.equal((await hmacVerifier.verify(token)).agent, 'support');
    assert.throws(() => createTokenVerifier({ issuer: issuer.issuer, audiences: [RESOURCE], algorithms: ['HS256'] }), /sharedSecret/);
    assert.throws(() => createTokenVerifier({ issuer: issuer.issuer, audiences: [RESOURCE], algorithms: ['none'] }), /none/);
  });

  test('refuses an RS256 token when only ES256 is allowed', async () => {
    const strict = createTokenVerifier({ issuer: issuer.issuer, audiences: [RESOURCE], algorithms: ['ES256'] });
    await assert.rejects(async () => strict.verify(await issuer.mint(claims())), (error: unknown) => isAuthError(error) && error.code === 'alg_not_allowed');
  });
});

describe('bearer header parsing', () => {
  const codeOf = (header: string | undefined) => {
    try {
      bearerTokenOf(header);
      return 'accepted';
    } catch (error) {
      return isAuthError(error) ? error.code : 'other';
    }
  };

  test('reads the token of a Bearer header in any letter case', () => {
    assert.equal(bearerTokenOf('bearer abc.def-ghi_'), 'abc.def-ghi_');
  });

  test('treats an absent header or another scheme as missing credentials', () => {
    assert.equal(codeOf(undefined), 'missing');
    assert.equal(codeOf('Basic dXNlcjpwYXNz'), 'missing');
  });

  test('treats an empty or multi-part Bearer value as an invalid request', () => {
    assert.equal(codeOf('Bearer'), 'invalid_request');
    assert.equal(codeOf('Bearer a b'), 'invalid_request');
    assert.equal(codeOf('Bearer a"b'), 'invalid_request');
  });
});

describe('token verifier, a connection repeating its Authorization header', () => {
  let issuer: TestIssuer;
  let clock: number;
  let verifier: TokenVerifier;

  before(async () => {
    issuer = await startTestIssuer();
    clock = Date.now();
    verifier = createTokenVerifier({ issuer: issuer.issuer, audiences: [RESOURCE], now: () => clock });
  });
  after(() => issuer.close());

  const mint = (extra: JWTPayload = {}) => issuer.mint({ iss: issuer.issuer, aud: RESOURCE, sub: 'support', client_id: 'support', scope: 'crm.read', exp: Math.floor(clock / 1000) + 120, ...extra });

  async function codeOf(run: () => unknown): Promise<string> {
    try {
      await run();
      return 'accepted';
    } catch (error) {
      return isAuthError(error) ? error.code : 'other';
    }
  }

  test('answers the repeat from the cache, synchronously, with the same caller', async () => {
    const connection = {};
    const header = `Bearer ${await mint({ jti: 'repeat' })}`;
    const first = await verifier.authenticate(header, connection);
    const second = verifier.authenticate(`${header}`, connection);
    assert.ok(!(second instanceof Promise));
    assert.equal(second, first);
  });

  test('still refuses the token once it has expired', async () => {
    const connection = {};
    const header = `Bearer ${await mint({ jti: 'expiring' })}`;
    await verifier.authenticate(header, connection);
    const started = clock;
    try {
      clock += 121_000 + 31_000; // past exp and the 30 s skew allowance
      assert.equal(await codeOf(() => verifier.authenticate(header, connection)), 'expired');
    } finally {
      clock = started;
    }
  });

  test('verifies another header on the same connection on its own', async () => {
    const connection = {};
    const first = await verifier.authenticate(`Bearer ${await mint({ sub: 'alice', jti: 'a' })}`, connection);
    const second = await verifier.authenticate(`Bearer ${await mint({ sub: 'bob', jti: 'b' })}`, connection);
    assert.notEqual(second, first);
    assert.equal(second.user, 'bob');
    assert.equal(await codeOf(() => verifier.authenticate('Bearer not.a.jwt', connection)), 'malformed');
    assert.equal(await codeOf(() => verifier.authenticate(undefined, connection)), 'missing');
  });

  test('shares one check among presentations of a new token that arrive together', async () => {
    const token = await mint({ jti: 'together' });
    const first = verifier.verify(token);
    const second = verifier.verify(token);
    assert.ok(first instanceof Promise);
    assert.equal(second, first);
    assert.equal(await second, await first);
    const stranger = await issuer.mint({ iss: issuer.issuer, aud: 'https://elsewhere.example', sub: 'x', client_id: 'x', exp: Math.floor(clock / 1000) + 120 });
    const refusals = await Promise.all([codeOf(() => verifier.verify(stranger)), codeOf(() => verifier.verify(stranger))]);
    assert.deepEqual(refusals, ['wrong_audience', 'wrong_audience']);
    // A refused check is not remembered: the next presentation is checked again.
    assert.equal(await codeOf(() => verifier.verify(stranger)), 'wrong_audience');
  });

  test('verifies the header again after the cache is cleared', async () => {
    const connection = {};
    const header = `Bearer ${await mint({ jti: 'cleared' })}`;
    const first = await verifier.authenticate(header, connection);
    verifier.cache.clear();
    const again = verifier.authenticate(header, connection);
    assert.ok(again instanceof Promise);
    assert.notEqual(await again, first);
  });
});
