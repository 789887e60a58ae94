// The embedded provider's signing keys as a start generates them early
// (embedded-idp/key-generation.ts, node:crypto): JWKs that jose and
// oidc-provider take as they took jose's own, each able to sign a token its
// public half verifies.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { importJWK, jwtVerify, SignJWT } from 'jose';
import { generateSigningJwks } from '../../src/identity/embedded-idp/key-generation.ts';
import { createSigningKeys } from '../../src/identity/embedded-idp/signing-keys.ts';
import { embeddedIdpKeysInAdvance } from '../../src/identity/gateway-identity.ts';
import { parseConfig } from '../../src/config/load.ts';

const PUBLIC_MEMBERS: Record<string, string[]> = { EC: ['kty', 'crv', 'x', 'y'], RSA: ['kty', 'n', 'e'] };

describe('the embedded provider\'s signing key generation', () => {
  it('makes an ES256 (P-256) and an RS256 (2048-bit) private JWK, each with its own kid', async () => {
    const [es256, rs256] = await generateSigningJwks();
    assert.equal(es256!.alg, 'ES256');
    assert.equal(es256!.crv, 'P-256');
    assert.equal(rs256!.alg, 'RS256');
    assert.equal(Buffer.from(rs256!.n!, 'base64url').length * 8, 2048);
    for (const jwk of [es256!, rs256!]) {
      assert.equal(jwk.use, 'sig');
      assert.ok(typeof jwk.d === 'string' && jwk.d.length > 0, 'a private key');
    }
    assert.notEqual(es256!.kid, rs256!.kid);
    const [again] = await generateSigningJwks();
    assert.notEqual(again!.kid, es256!.kid, 'new keys per call');
  });

  it('signs tokens that the public half verifies', async () => {
    for (const jwk of await generateSigningJwks()) {
      const token = await new SignJWT({ sub: 'agent' }).setProtectedHeader({ alg: jwk.alg!, kid: jwk.kid! }).sign(await importJWK(jwk, jwk.alg));
      const publicJwk = Object.fromEntries(PUBLIC_MEMBERS[jwk.kty!]!.map((member) => [member, jwk[member as keyof typeof jwk]]));
      const { payload } = await jwtVerify(token, await importJWK(publicJwk, jwk.alg));
      assert.equal(payload.sub, 'agent');
    }
  });

  it('hands keys begun early to the provider, and begins none when the config runs no provider', async () => {
    const embedded = parseConfig('authentication:\n  embedded_idp: {}\nbackends: []\n', 'embedded.yaml').config;
    const early = embeddedIdpKeysInAdvance(embedded, false);
    assert.ok(early !== undefined);
    const keys = await createSigningKeys(early);
    assert.deepEqual(keys.privateJwks.map((jwk) => jwk.kid), (await early).map((jwk) => jwk.kid));
    assert.equal(embeddedIdpKeysInAdvance(embedded, true), undefined, '--allow-anonymous runs no provider');
    assert.equal(embeddedIdpKeysInAdvance(parseConfig('backends: []\n', 'plain.yaml').config, false), undefined);
  });
});
