// RFC 8693 token exchange for the embedded OpenID Provider, registered as an
// oidc-provider grant type: an authenticated client presents a user's (or
// agent's) access token issued here and gets a token for another resource
// (a backend, or the gateway itself) for the same subject, never with more
// scope than the subject token had, recording the actor in `act` (section 4.1).
// The subject keeps its kind: an app-only subject gives an app-only token.

import { randomUUID } from 'node:crypto';
import { jwtVerify, type JWTPayload } from 'jose';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import { ACCESS_TOKEN_TYPE } from '../backend-credentials.ts';
import { signAccessToken, type SigningKeys } from './signing-keys.ts';

export const TOKEN_EXCHANGE_PARAMETERS = [
  'subject_token',
  'subject_token_type',
  'actor_token',
  'actor_token_type',
  'requested_token_type',
  'resource',
  'audience',
  'scope',
] as const;

export interface TokenExchangeGrantOptions {
  issuer: string;
  keys: SigningKeys;
  /** Whether a subject token's audience is one this IdP issued for a resource it serves (the gateway). */
  isAcceptedSubjectAudience(audience: string): boolean;
  /** The scopes a target resource may carry, or undefined when the target is not served. */
  targetScopes(resource: string): ReadonlySet<string> | undefined;
  accessTokenTtlSeconds: number;
  /** Whether a verified subject token was issued to a client for itself (client credentials, or exchanged from such a token). */
  isAppOnlySubject(claims: JWTPayload): boolean;
  now?: () => number;
}

/**
 * The claim that marks a token as app-only, the way Entra ID marks its
 * application tokens. The gateway (caller.ts) reads it, so a token whose
 * subject is an agent never counts as acting for a user, whoever exchanged it.
 */
export const APP_ONLY_CLAIMS = { idtyp: 'app' } as const;

/** oidc-provider grant handler: `provider.registerGrantType(TOKEN_EXCHANGE_GRANT, handler, TOKEN_EXCHANGE_PARAMETERS)`. */
export function createTokenExchangeGrant(options: TokenExchangeGrantOptions) {
  const now = options.now ?? Date.now;

  async function verifyIssued(token: string, what: string): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(token, options.keys.accessTokenKey.publicKey, {
        issuer: options.issuer,
        algorithms: ['ES256'],
        currentDate: new Date(now()),
      });
      return payload;
    } catch (error) {
      throw new errors.InvalidGrant(`${what} is not a valid access token issued by ${options.issuer} (${(error as Error).message})`);
    }
  }

  return async function tokenExchange(ctx: KoaContextWithOIDC): Promise<void> {
    const params = ctx.oidc.params as Record<string, string | undefined>;
    const client = ctx.oidc.client!;
    if (params.subject_token === undefined) throw new errors.InvalidRequest('subject_token is required');
    if (params.subject_token_type !== ACCESS_TOKEN_TYPE) throw new errors.InvalidRequest(`subject_token_type must be ${ACCESS_TOKEN_TYPE}`);
    if (params.requested_token_type !== undefined && params.requested_token_type !== ACCESS_TOKEN_TYPE) {
      throw new errors.InvalidRequest(`requested_token_type must be ${ACCESS_TOKEN_TYPE}`);
    }
    const subject = await verifyIssued(params.subject_token, 'subject_token');
    const subjectAudiences = typeof subject.aud === 'string' ? [subject.aud] : subject.aud ?? [];
    if (!subjectAudiences.some((aud) => options.isAcceptedSubjectAudience(aud))) {
      throw new errors.InvalidGrant('subject_token was not issued for a resource this server exchanges tokens of');
    }
    // The authenticated client is the actor; an actor_token, when sent, must be that same client's (section 2.1).
    const actor = client.clientId;
    if (params.actor_token !== undefined) {
      if (params.actor_token_type !== ACCESS_TOKEN_TYPE) throw new errors.InvalidRequest(`actor_token_type must be ${ACCESS_TOKEN_TYPE}`);
      const actorClaims = await verifyIssued(params.actor_token, 'actor_token');
      if (actorClaims.client_id !== client.clientId) throw new errors.InvalidGrant('actor_token was not issued to the client making this request');
    }
    const target = params.resource ?? params.audience;
    if (target === undefined) throw new errors.InvalidTarget('name the target with resource (RFC 8707) or audience');
    const allowed = options.targetScopes(target);
    if (allowed === undefined) throw new errors.InvalidTarget(`${target} is not a resource this server issues tokens for`);
    // Section 2.1: the requested scope narrows; it can never add to what the subject token carried.
    // A scope outside it is refused (RFC 6749 section 5.2), never dropped in silence: a client that
    // gets less than it asked for keeps asking (MCP step-up) instead of learning it cannot have it.
    const subjectScopes = new Set(typeof subject.scope === 'string' ? subject.scope.split(' ').filter(Boolean) : []);
    if (params.scope !== undefined) {
      const requested = params.scope.split(' ').filter(Boolean);
      const beyondSubject = requested.filter((scope) => !subjectScopes.has(scope));
      if (beyondSubject.length > 0) throw new errors.InvalidScope(`the subject token does not carry ${beyondSubject.join(', ')}, and an exchange never adds scope: ask for at most "${[...subjectScopes].join(' ')}"`, beyondSubject.join(' '));
      const notServed = requested.filter((scope) => !allowed.has(scope));
      if (notServed.length > 0) throw new errors.InvalidScope(`${target} does not accept ${notServed.join(', ')}`, notServed.join(' '));
    }
    const scopes = params.scope === undefined ? [...subjectScopes].filter((scope) => allowed.has(scope)) : params.scope.split(' ').filter(Boolean);
    const issuedAt = Math.floor(now() / 1000);
    const expiresAt = Math.min(issuedAt + options.accessTokenTtlSeconds, typeof subject.exp === 'number' ? subject.exp : Number.POSITIVE_INFINITY);
    const act: Record<string, unknown> = { sub: actor };
    if (subject.act !== undefined) act.act = subject.act;
    const claims: JWTPayload = {
      sub: subject.sub,
      client_id: client.clientId,
      scope: scopes.join(' '),
      act,
      jti: randomUUID(),
    };
    if (subject.roles !== undefined) claims.roles = subject.roles;
    // An exchange never turns an agent into a user: the subject stays the client that got the first token.
    if (options.isAppOnlySubject(subject)) Object.assign(claims, APP_ONLY_CLAIMS);
    const accessToken = await signAccessToken(options.keys, { issuer: options.issuer, audience: target, claims: claims, issuedAt, expiresAt });
    ctx.body = {
      access_token: accessToken,
      issued_token_type: ACCESS_TOKEN_TYPE,
      token_type: 'Bearer',
      expires_in: Math.max(0, expiresAt - issuedAt),
      scope: scopes.join(' '),
    };
  };
}
