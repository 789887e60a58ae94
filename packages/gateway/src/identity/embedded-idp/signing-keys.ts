// Signing keys of the embedded OpenID Provider: an ES256 key for access
// tokens and an RS256 key for ID tokens (OpenID Connect's default alg), made
// per process unless given (key-generation.ts), so tokens do not survive a
// restart of the dev IdP.

import { importJWK, SignJWT, type JWK, type JWTPayload } from 'jose';
import { generateSigningJwks } from './key-generation.ts';

export interface SigningKeys {
  /** Private JWKs for oidc-provider's `jwks`. */
  privateJwks: JWK[];
  /** The ES256 private key and its kid, for tokens this IdP signs itself (token exchange). */
  accessTokenKey: { key: CryptoKeyLike; publicKey: CryptoKeyLike; kid: string };
}

type CryptoKeyLike = Awaited<ReturnType<typeof importJWK>>;

/** `given`: keys to keep, or the ones a start began to generate early; default new ones now. */
export async function createSigningKeys(given?: readonly JWK[] | Promise<readonly JWK[]>): Promise<SigningKeys> {
  const privateJwks = (await (given ?? generateSigningJwks())).map((jwk) => ({ ...jwk }));
  const es256 = privateJwks.find((jwk) => jwk.alg === 'ES256' || (jwk.kty === 'EC' && jwk.crv === 'P-256'));
  if (es256?.kid === undefined) throw new TypeError('the embedded IdP needs an ES256 (P-256) private key with a kid');
  const { d: _secret, ...publicJwk } = es256;
  return {
    privateJwks,
    accessTokenKey: { key: await importJWK(es256, 'ES256'), publicKey: await importJWK(publicJwk, 'ES256'), kid: es256.kid },
  };
}

/**
 * An RFC 9068 access token (`typ: at+jwt`) signed with the provider's access
 * token key: what the custom grants (token exchange, ID-JAG) issue, in the
 * same form oidc-provider issues its own, so the gateway verifies them alike.
 */
export function signAccessToken(keys: SigningKeys, token: { issuer: string; audience: string; claims: JWTPayload; issuedAt: number; expiresAt: number }): Promise<string> {
  return new SignJWT(token.claims)
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: keys.accessTokenKey.kid })
    .setIssuer(token.issuer)
    .setAudience(token.audience)
    .setIssuedAt(token.issuedAt)
    .setExpirationTime(token.expiresAt)
    .sign(keys.accessTokenKey.key);
}
