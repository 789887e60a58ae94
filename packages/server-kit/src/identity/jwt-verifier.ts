// Verifies JWT access tokens locally with jose (RFC 9068 shape): signature
// against the issuer's JWKS, issuer, audience = this server (RFC 8707), and
// expiry. A token-exchange token (RFC 8693) carries `act`: the service
// acting for the user; it is accepted only from actors the server trusts
// (the gateway's service identity), and the caller is then the user.

import { OAuthError, OAuthErrorCode, type AuthInfo, type OAuthTokenVerifier } from '@modelcontextprotocol/server';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';

import type { CallerExtra } from './caller.ts';

export interface JwtVerifierOptions {
  /** The authorization server's issuer identifier (`iss`). */
  issuer: string;
  /** This server's resource identifier; tokens must name it in `aud`. */
  audience: string;
  /** Where the issuer publishes its keys; or pass `keys`. */
  jwksUrl?: URL;
  /** A key resolver (e.g. jose's createLocalJWKSet), for tests and pinned keys. */
  keys?: JWTVerifyGetKey;
  /** Subjects of services allowed to act for users (RFC 8693 `act.sub`), e.g. the gateway's client id. */
  trustedActors?: readonly string[];
  clockToleranceSeconds?: number;
}

/** `scope` (RFC 9068, space-separated) or `scp` (an array, as some issuers write it). */
export function scopesOfClaims(payload: JWTPayload): string[] {
  if (typeof payload.scope === 'string') return payload.scope.split(' ').filter((scope) => scope.length > 0);
  if (Array.isArray(payload.scp)) return payload.scp.filter((scope): scope is string => typeof scope === 'string');
  return [];
}

/** The acting party of a delegated token, checked against the trusted list; throws for an untrusted one. */
export function actorOfClaims(payload: JWTPayload, trustedActors: readonly string[] | undefined): string | undefined {
  const act = payload.act as { sub?: unknown } | undefined;
  if (act === undefined) return undefined;
  const actor = typeof act.sub === 'string' ? act.sub : undefined;
  if (actor === undefined || trustedActors === undefined || !trustedActors.includes(actor)) {
    throw new OAuthError(OAuthErrorCode.InvalidToken, `The token was exchanged by "${actor ?? 'an unnamed party'}", which this server does not trust to act for users`);
  }
  return actor;
}

export function jwtVerifier(options: JwtVerifierOptions): OAuthTokenVerifier {
  const keys = options.keys ?? (options.jwksUrl === undefined ? undefined : createRemoteJWKSet(options.jwksUrl));
  if (keys === undefined) throw new TypeError('jwtVerifier needs jwksUrl or keys');
  return {
    async verifyAccessToken(token: string): Promise<AuthInfo> {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keys, {
          issuer: options.issuer,
          audience: options.audience,
          clockTolerance: options.clockToleranceSeconds ?? 30,
          requiredClaims: ['exp', 'sub'],
        }));
      } catch (error) {
        const reason = error instanceof joseErrors.JOSEError ? error.code : 'unverifiable';
        throw new OAuthError(OAuthErrorCode.InvalidToken, `The access token was refused (${reason})`);
      }
      const actor = actorOfClaims(payload, options.trustedActors);
      const extra: CallerExtra = { subject: payload.sub!, claims: payload as Record<string, unknown>, ...(actor !== undefined && { actor }) };
      return {
        token,
        clientId: typeof payload.client_id === 'string' ? payload.client_id : typeof payload.azp === 'string' ? payload.azp : payload.sub!,
        scopes: scopesOfClaims(payload),
        expiresAt: payload.exp,
        resource: new URL(options.audience),
        extra: extra as unknown as Record<string, unknown>,
      };
    },
  };
}
