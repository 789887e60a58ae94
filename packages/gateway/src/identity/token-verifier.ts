// Turns a bearer token into a Caller or a specific AuthError: JWTs checked
// locally against the issuer's JWKS (OAuth 2.1 section 5.2, RFC 9068), opaque
// tokens through RFC 7662 introspection, both bound to this gateway's resource
// identifiers (RFC 8707). Verified callers are cached by token hash, so a
// message with a known token costs a hash and a map lookup.

import { decodeJwt, decodeProtectedHeader, jwtVerify, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import { AuthError, isAuthError } from './auth-error.ts';
import { discoverAuthorizationServer, type AuthorizationServerMetadata, type Fetch } from './authorization-server-metadata.ts';
import { callerFromClaims, type Caller, type CallerMode, type ClaimMapping } from './caller.ts';
import { introspectToken, type IntrospectionOptions } from './introspection.ts';
import { JwksCache, type JwksCacheOptions } from './jwks-cache.ts';
import { VerifiedTokenCache } from './verified-token-cache.ts';
import type { Logger } from '../telemetry/logger.ts';

/** Asymmetric algorithms only: with these, no public key can be misused as an HMAC secret (RFC 8725 section 2.1). */
const DEFAULT_ALGORITHMS: readonly string[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];
const HMAC_ALGORITHMS = new Set(['HS256', 'HS384', 'HS512']);

export interface TokenVerifierOptions {
  /** The `iss` every token must carry, exactly. */
  issuer: string;
  /** Accepted `aud` values: this gateway's resource identifiers (RFC 8707) and any configured audience. */
  audiences: readonly string[];
  /** Skips discovery when set. */
  jwksUri?: string;
  /** Default DEFAULT_ALGORITHMS. Listing an HS algorithm also needs `sharedSecret`. */
  algorithms?: readonly string[];
  /** Explicit opt-in for HS* tokens; never derived from a JWKS. */
  sharedSecret?: string;
  /** Allowed skew on exp/nbf/iat. Default 30 s. */
  clockToleranceSeconds?: number;
  /** Enables opaque tokens. */
  introspection?: IntrospectionOptions;
  /** Require `aud` in introspection answers (RFC 8707 binding cannot be checked without it). Default true. */
  requireIntrospectionAudience?: boolean;
  /** Default hybrid. */
  mode?: CallerMode;
  claims?: ClaimMapping;
  /** Verified-token cache size. Default 10 000. */
  cacheMaxEntries?: number;
  jwks?: Pick<JwksCacheOptions, 'minRefetchIntervalMs' | 'maxAgeMs' | 'timeoutMs'>;
  fetch?: Fetch;
  logger?: Logger;
  now?: () => number;
}

export interface TokenVerifier {
  /** A Caller (synchronously on a cache hit), or throws / rejects with an AuthError. */
  verify(token: string): Caller | Promise<Caller>;
  /**
   * Same, from an `Authorization` header value (RFC 6750 section 2.1).
   * `connection` (the request's socket) lets a keep-alive connection that
   * sends the same header again skip parsing and hashing it.
   */
  authenticate(authorization: string | undefined, connection?: object): Caller | Promise<Caller>;
  /** Discovers metadata and fetches the JWKS now, so the first request does not pay for it. */
  prefetch(): Promise<void>;
  readonly cache: VerifiedTokenCache;
  readonly jwks: JwksCache;
}

/** RFC 6750 section 2.1 b64token. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const now = options.now ?? Date.now;
  const algorithms = [...(options.algorithms ?? DEFAULT_ALGORITHMS)];
  const allowedAlgorithms = new Set(algorithms);
  for (const alg of algorithms) {
    if (alg === 'none') throw new TypeError('"none" can never be an allowed token algorithm');
    if (HMAC_ALGORITHMS.has(alg) && options.sharedSecret === undefined) throw new TypeError(`${alg} is listed but no sharedSecret is configured`);
  }
  const sharedKey = options.sharedSecret === undefined ? undefined : new TextEncoder().encode(options.sharedSecret);
  const audiences = [...options.audiences];
  const audienceSet = new Set(audiences);
  const clockTolerance = options.clockToleranceSeconds ?? 30;
  const mode = options.mode ?? 'hybrid';
  const fetchOption = options.fetch === undefined ? {} : { fetch: options.fetch };
  const cache = new VerifiedTokenCache({ maxEntries: options.cacheMaxEntries ?? 10_000, now });

  let metadata: Promise<AuthorizationServerMetadata> | undefined;
  const discover = () => {
    metadata ??= discoverAuthorizationServer(options.issuer, fetchOption).catch((error: unknown) => {
      metadata = undefined;
      throw error;
    });
    return metadata;
  };
  const jwks = new JwksCache({
    ...options.jwks,
    ...fetchOption,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    now,
    jwksUri: options.jwksUri ?? (async () => {
      const found = await discover();
      if (typeof found.jwks_uri !== 'string') throw new Error(`issuer ${options.issuer} publishes no jwks_uri`);
      return found.jwks_uri;
    }),
  });

  function verify(token: string): Caller | Promise<Caller> {
    return verifyKeyed(token, VerifiedTokenCache.keyOf(token));
  }

  // Checks under way, by cache key: the messages a client sends at once with a
  // new token (a fleet starting, a refresh) share one signature check or one
  // introspection call instead of each paying for it before the cache fills.
  const checking = new Map<string, Promise<Caller>>();

  function verifyKeyed(token: string, key: string): Caller | Promise<Caller> {
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    const pending = checking.get(key);
    if (pending !== undefined) return pending;
    const dots = countDots(token);
    if (dots === 2) return shared(key, verifyJwt(token, key));
    if (dots === 4) throw new AuthError('malformed', 'Encrypted (JWE) access tokens are not accepted; ask the authorization server for a signed JWT or an opaque token');
    if (options.introspection !== undefined) return shared(key, verifyOpaque(token, key));
    throw new AuthError('malformed', 'The bearer token is not a JWT and this gateway has no introspection endpoint for opaque tokens; get an access token from the authorization server named in the resource metadata');
  }

  function shared(key: string, check: Promise<Caller>): Promise<Caller> {
    checking.set(key, check);
    const settled = () => {
      if (checking.get(key) === check) checking.delete(key);
    };
    check.then(settled, settled);
    return check;
  }

  async function verifyJwt(token: string, cacheKey: string): Promise<Caller> {
    let header: ProtectedHeaderParameters;
    let unverified: JWTPayload;
    try {
      header = decodeProtectedHeader(token);
      unverified = decodeJwt(token);
    } catch (error) {
      // An opaque token may happen to contain two dots: the introspection endpoint has the last word on it.
      if (options.introspection !== undefined) return verifyOpaque(token, cacheKey);
      throw new AuthError('malformed', 'The bearer token is not a well-formed JWT (its header or payload does not decode); get a new token', { cause: error });
    }
    const alg = header.alg;
    if (typeof alg !== 'string' || !allowedAlgorithms.has(alg)) {
      throw new AuthError('alg_not_allowed', `The token is signed with alg "${String(alg)}", which this gateway does not accept (allowed: ${algorithms.join(', ')})`);
    }
    // Checked before any key lookup: a stranger's token must not make us fetch keys. Rejecting on an unverified claim is always safe.
    if (unverified.iss !== options.issuer) {
      throw new AuthError('wrong_issuer', `The token was issued by "${String(unverified.iss)}", not by this gateway's authorization server ${options.issuer}; get a token from ${options.issuer}`);
    }
    const key = HMAC_ALGORITHMS.has(alg) ? sharedKey! : await jwks.resolve({ kid: header.kid, alg });
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key, {
        issuer: options.issuer,
        audience: audiences,
        algorithms,
        clockTolerance,
        requiredClaims: ['exp'],
        currentDate: new Date(now()),
      }));
    } catch (error) {
      throw joseToAuthError(error, audiences);
    }
    const caller = callerFromClaims(payload as Record<string, unknown>, { mode, token, ...(options.claims === undefined ? {} : { mapping: options.claims }) });
    cache.set(cacheKey, caller, caller.expiresAt!);
    return caller;
  }

  async function verifyOpaque(token: string, cacheKey: string): Promise<Caller> {
    const introspection = options.introspection!;
    let endpoint = introspection.endpoint;
    if (endpoint === undefined) {
      let found: AuthorizationServerMetadata;
      try {
        found = await discover();
      } catch (error) {
        throw new AuthError('introspection_failed', `The token could not be checked: the authorization server's metadata is unavailable (${(error as Error).message}); retry shortly`, { cause: error });
      }
      if (typeof found.introspection_endpoint !== 'string') throw new AuthError('introspection_failed', `Issuer ${options.issuer} publishes no introspection_endpoint; configure one`);
      endpoint = found.introspection_endpoint;
    }
    const claims = await introspectToken(endpoint, token, { ...fetchOption, ...introspection });
    const issued = claims.iss ?? options.issuer;
    if (issued !== options.issuer) throw new AuthError('wrong_issuer', `The token was issued by "${String(issued)}", not by ${options.issuer}; get a token from ${options.issuer}`);
    const tokenAudiences = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
    if (tokenAudiences.length === 0 ? options.requireIntrospectionAudience !== false : !tokenAudiences.some((aud) => audienceSet.has(aud as string))) {
      throw wrongAudience(audiences);
    }
    const nowSeconds = now() / 1000;
    if (typeof claims.exp === 'number' && claims.exp + clockTolerance <= nowSeconds) throw new AuthError('expired', 'The token has expired; refresh it or get a new one');
    if (typeof claims.nbf === 'number' && claims.nbf - clockTolerance > nowSeconds) throw new AuthError('not_yet_valid', 'The token is not valid yet (nbf in the future); check the clock or retry shortly');
    const caller = callerFromClaims({ iss: options.issuer, ...claims }, { mode, token, ...(options.claims === undefined ? {} : { mapping: options.claims }) });
    const maxCacheMs = (introspection.maxCacheSeconds ?? 60) * 1000;
    cache.set(cacheKey, caller, Math.min(caller.expiresAt ?? Number.POSITIVE_INFINITY, now() + maxCacheMs));
    return caller;
  }

  // The header a connection last sent and its cache key. A client sends the
  // same token on every message of a connection, so a repeat costs a string
  // comparison instead of the header's parse, its character check and a
  // SHA-256 (most of a cache hit's cost). Only the key is remembered: the
  // cache still decides, so expiry, eviction and clear() apply as before.
  const headerKeys = new WeakMap<object, { authorization: string; key: string }>();

  function authenticate(authorization: string | undefined, connection?: object): Caller | Promise<Caller> {
    if (connection === undefined) return verify(bearerTokenOf(authorization));
    const known = headerKeys.get(connection);
    if (known !== undefined && known.authorization === authorization) {
      const cached = cache.get(known.key);
      if (cached !== undefined) return cached;
    }
    const token = bearerTokenOf(authorization);
    const key = VerifiedTokenCache.keyOf(token);
    headerKeys.set(connection, { authorization: authorization!, key });
    return verifyKeyed(token, key);
  }

  return {
    verify,
    authenticate,
    async prefetch() {
      if (options.jwksUri === undefined || options.introspection?.endpoint === undefined) await discover().catch(() => undefined);
      await jwks.refresh();
    },
    cache,
    jwks,
  };
}

/** The token from an `Authorization: Bearer ...` header; AuthError `missing` or `invalid_request` otherwise. */
export function bearerTokenOf(authorization: string | undefined): string {
  if (authorization === undefined || authorization.length === 0) {
    throw new AuthError('missing', 'This gateway requires an OAuth access token: send Authorization: Bearer <token>; the resource metadata names the authorization server to get one from');
  }
  const space = authorization.indexOf(' ');
  const scheme = space === -1 ? authorization : authorization.slice(0, space);
  if (scheme.toLowerCase() !== 'bearer') {
    throw new AuthError('missing', `The Authorization header uses the "${scheme}" scheme; this gateway accepts only Bearer access tokens`);
  }
  const token = authorization.slice(space + 1).trim();
  if (space === -1 || token.length === 0 || !B64TOKEN.test(token)) {
    throw new AuthError('invalid_request', 'The Authorization header is not "Bearer <token>" with one token of RFC 6750 characters; send exactly one bearer token');
  }
  return token;
}

function countDots(token: string): number {
  let dots = 0;
  for (let index = token.indexOf('.'); index !== -1; index = token.indexOf('.', index + 1)) dots++;
  return dots;
}

function wrongAudience(audiences: readonly string[]): AuthError {
  return new AuthError('wrong_audience', `The token was not issued for this gateway (its audience is not ${audiences.join(' or ')}); request it with resource=${audiences[0] ?? '(the gateway URL)'} (RFC 8707)`);
}

/** jose reports by `code`; each maps to one of our codes. */
function joseToAuthError(error: unknown, audiences: readonly string[]): AuthError {
  if (isAuthError(error)) return error;
  const coded = error as { code?: string; claim?: string; reason?: string; message?: string };
  switch (coded.code) {
    case 'ERR_JWT_EXPIRED':
      return new AuthError('expired', 'The token has expired; refresh it or get a new one from the authorization server', { cause: error });
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return new AuthError('bad_signature', 'The token\'s signature does not verify with the issuer\'s key (tampered, or signed by another key); get a new token', { cause: error });
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return new AuthError('alg_not_allowed', `The token's algorithm is not accepted (${coded.message ?? ''})`, { cause: error });
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (coded.claim === 'aud') return wrongAudience(audiences);
      if (coded.claim === 'iss') return new AuthError('wrong_issuer', `The token's issuer is not this gateway's authorization server (${coded.message ?? ''})`, { cause: error });
      if (coded.claim === 'nbf') return new AuthError('not_yet_valid', 'The token is not valid yet (nbf in the future); check the clock or retry shortly', { cause: error });
      return new AuthError('malformed', `The token's "${coded.claim ?? '?'}" claim is ${coded.reason === 'missing' ? 'missing' : 'invalid'}; get a new token`, { cause: error });
    default:
      return new AuthError('malformed', `The token is not a valid JWT (${coded.message ?? String(error)}); get a new token`, { cause: error });
  }
}
