// Verifies opaque access tokens by asking the authorization server (RFC 7662
// token introspection), for issuers whose tokens are not JWTs or when
// revocation must take effect at once. The same `act` rule as JWTs applies.

import { OAuthError, OAuthErrorCode, type AuthInfo, type OAuthTokenVerifier } from '@modelcontextprotocol/server';
import type { JWTPayload } from 'jose';

import type { CallerExtra } from './caller.ts';
import { actorOfClaims, scopesOfClaims } from './jwt-verifier.ts';

export interface IntrospectionVerifierOptions {
  endpoint: URL;
  /** This server's credentials at the authorization server (client_secret_basic, RFC 7662 section 2.1). */
  clientId: string;
  clientSecret: string;
  /** This server's resource identifier; an answer whose `aud` does not include it is refused. */
  audience: string;
  trustedActors?: readonly string[];
  fetch?: typeof fetch;
}

export function introspectionVerifier(options: IntrospectionVerifierOptions): OAuthTokenVerifier {
  const send = options.fetch ?? fetch;
  const basic = Buffer.from(`${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`).toString('base64');
  return {
    async verifyAccessToken(token: string): Promise<AuthInfo> {
      const response = await send(options.endpoint, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
      });
      if (!response.ok) throw new OAuthError(OAuthErrorCode.ServerError, `Token introspection answered HTTP ${response.status}`);
      const answer = (await response.json()) as JWTPayload & { active?: boolean };
      if (answer.active !== true) throw new OAuthError(OAuthErrorCode.InvalidToken, 'The access token is not active');
      const audiences = Array.isArray(answer.aud) ? answer.aud : answer.aud === undefined ? [] : [answer.aud];
      if (!audiences.includes(options.audience)) throw new OAuthError(OAuthErrorCode.InvalidToken, 'The access token was issued for another resource');
      if (typeof answer.sub !== 'string') throw new OAuthError(OAuthErrorCode.InvalidToken, 'The introspection answer names no subject');
      const actor = actorOfClaims(answer, options.trustedActors);
      const extra: CallerExtra = { subject: answer.sub, claims: answer as Record<string, unknown>, ...(actor !== undefined && { actor }) };
      return {
        token,
        clientId: typeof answer.client_id === 'string' ? answer.client_id : answer.sub,
        scopes: scopesOfClaims(answer),
        expiresAt: answer.exp,
        resource: new URL(options.audience),
        extra: extra as unknown as Record<string, unknown>,
      };
    },
  };
}
