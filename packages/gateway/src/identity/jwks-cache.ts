// The issuer's signing keys, fetched from its jwks_uri and kept in memory so a
// signature check needs no I/O. Rotation is picked up by a background refresh
// when the set is old and by a refetch when a token names an unknown `kid`,
// with a floor on how often that can happen; a JWKS endpoint that is down
// leaves the cached keys working and unknown keys failing closed.

import { importJWK, type CryptoKey, type JWK } from 'jose';
import { AuthError } from './auth-error.ts';
import type { Fetch } from './authorization-server-metadata.ts';
import type { Logger } from '../telemetry/logger.ts';

export interface JwksCacheOptions {
  /** The JWKS URL, or a function that finds it (discovery) on first use. */
  jwksUri: string | (() => Promise<string>);
  fetch?: Fetch;
  /** At most one fetch per this interval for unknown `kid`s, so forged kids cannot flood the issuer. Default 30 s. */
  minRefetchIntervalMs?: number;
  /** A set older than this is refreshed in the background while it keeps serving. Default 10 min. */
  maxAgeMs?: number;
  timeoutMs?: number;
  logger?: Logger;
  now?: () => number;
}

export interface JwsHeaderForKey {
  kid?: string | undefined;
  alg: string;
}

type VerificationKey = CryptoKey | Uint8Array;

/** Asymmetric key types only: an `oct` key in a JWKS would let HS256 tokens be forged with public data. */
const SIGNING_KEY_TYPES = new Set(['RSA', 'EC', 'OKP']);

export class JwksCache {
  readonly #options: JwksCacheOptions;
  readonly #now: () => number;
  readonly #minRefetchIntervalMs: number;
  readonly #maxAgeMs: number;
  #keys = new Map<string, JWK>();
  readonly #imported = new Map<string, VerificationKey>();
  #fetchedAt = Number.NEGATIVE_INFINITY;
  #attemptedAt = Number.NEGATIVE_INFINITY;
  #inFlight: Promise<void> | undefined;
  #jwksUri: string | undefined;
  /** Counts for tests and metrics. */
  readonly stats = { fetches: 0, failures: 0 };

  constructor(options: JwksCacheOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#minRefetchIntervalMs = options.minRefetchIntervalMs ?? 30_000;
    this.#maxAgeMs = options.maxAgeMs ?? 600_000;
    if (typeof options.jwksUri === 'string') this.#jwksUri = options.jwksUri;
  }

  /** The key for a token's header; synchronous once that key has been used before. */
  resolve(header: JwsHeaderForKey): VerificationKey | Promise<VerificationKey> {
    const now = this.#now();
    if (this.#fetchedAt !== Number.NEGATIVE_INFINITY && now - this.#fetchedAt > this.#maxAgeMs) this.#refreshInBackground(now);
    const cacheKey = `${header.kid ?? ''}\u0000${header.alg}`;
    const imported = this.#imported.get(cacheKey);
    if (imported !== undefined && this.#keys.has(header.kid ?? '')) return imported;
    return this.#resolveSlow(header, cacheKey);
  }

  async #resolveSlow(header: JwsHeaderForKey, cacheKey: string): Promise<VerificationKey> {
    let jwk = this.#find(header);
    if (jwk === undefined) {
      const now = this.#now();
      if (this.#inFlight !== undefined) {
        await this.#inFlight;
      } else if (now - this.#attemptedAt >= this.#minRefetchIntervalMs) {
        await this.refresh();
      } else {
        throw this.#unknownKey(header, 'the key set was refetched moments ago');
      }
      jwk = this.#find(header);
      if (jwk === undefined) throw this.#unknownKey(header, this.#fetchedAt === Number.NEGATIVE_INFINITY ? 'the issuer\'s JWKS could not be fetched' : 'it is not in the issuer\'s current JWKS');
    }
    let key: VerificationKey;
    try {
      key = await importJWK(jwk, header.alg);
    } catch (error) {
      throw new AuthError('alg_not_allowed', `The token's alg "${header.alg}" does not fit its key "${header.kid ?? '(no kid)'}" (kty ${jwk.kty}); sign with the algorithm the key was made for`, { cause: error });
    }
    this.#imported.set(cacheKey, key);
    return key;
  }

  #find(header: JwsHeaderForKey): JWK | undefined {
    if (header.kid !== undefined) {
      const jwk = this.#keys.get(header.kid);
      return jwk !== undefined && fitsAlgorithm(jwk, header.alg) ? jwk : undefined;
    }
    // No kid: usable only when exactly one key could have made this signature.
    let match: JWK | undefined;
    for (const jwk of this.#keys.values()) {
      if (!fitsAlgorithm(jwk, header.alg)) continue;
      if (match !== undefined) return undefined;
      match = jwk;
    }
    return match;
  }

  #unknownKey(header: JwsHeaderForKey, why: string): AuthError {
    return new AuthError('unknown_key', `The token's signing key "${header.kid ?? '(no kid)'}" is unknown: ${why}; get a fresh token from the authorization server`);
  }

  #refreshInBackground(now: number): void {
    if (this.#inFlight !== undefined || now - this.#attemptedAt < this.#minRefetchIntervalMs) return;
    this.refresh().catch(() => undefined);
  }

  /** Fetches the set now (single flight). On failure the cached keys stay. */
  refresh(): Promise<void> {
    if (this.#inFlight !== undefined) return this.#inFlight;
    this.#attemptedAt = this.#now();
    this.#inFlight = this.#fetch().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  async #fetch(): Promise<void> {
    this.stats.fetches++;
    try {
      const uri = this.#jwksUri ?? (this.#jwksUri = await (this.#options.jwksUri as () => Promise<string>)());
      const response = await (this.#options.fetch ?? globalThis.fetch)(uri, {
        headers: { accept: 'application/jwk-set+json, application/json' },
        signal: AbortSignal.timeout(this.#options.timeoutMs ?? 5000),
      });
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new Error(`HTTP ${response.status} from ${uri}`);
      }
      const body = (await response.json()) as { keys?: unknown };
      if (!Array.isArray(body.keys)) throw new Error(`${uri} is not a JWK Set (no "keys" array)`);
      const keys = new Map<string, JWK>();
      for (const candidate of body.keys as JWK[]) {
        if (typeof candidate !== 'object' || candidate === null || !SIGNING_KEY_TYPES.has(candidate.kty ?? '')) continue;
        if (candidate.use !== undefined && candidate.use !== 'sig') continue;
        keys.set(candidate.kid ?? '', candidate);
      }
      // Keys gone from the set are revoked: the imported copies go with them.
      this.#keys = keys;
      for (const cacheKey of this.#imported.keys()) {
        if (!keys.has(cacheKey.slice(0, cacheKey.indexOf('\u0000')))) this.#imported.delete(cacheKey);
      }
      this.#fetchedAt = this.#now();
    } catch (error) {
      this.stats.failures++;
      this.#options.logger?.warn({ err: error }, 'JWKS fetch failed; cached signing keys stay in use, unknown keys are refused');
    }
  }
}

/** A key can check a signature of `alg` only if its declared alg (if any) and its type agree (RFC 7517 section 4.4). */
function fitsAlgorithm(jwk: JWK, alg: string): boolean {
  if (jwk.alg !== undefined && jwk.alg !== alg) return false;
  switch (jwk.kty) {
    case 'RSA':
      return alg.startsWith('RS') || alg.startsWith('PS');
    case 'EC':
      return alg.startsWith('ES');
    case 'OKP':
      return alg === 'EdDSA' || alg === 'Ed25519';
    default:
      return false;
  }
}
