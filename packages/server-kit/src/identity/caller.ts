// Who is calling a tool: the subject the token names, the client it was
// issued to, its scopes, and (for a token-exchange token, RFC 8693 section
// 4.1 `act`) the service acting for that subject, e.g. the gateway. Built
// from the SDK's AuthInfo, which the resource server's verifier fills.

import type { AuthInfo } from '@modelcontextprotocol/server';

export interface Caller {
  /** The user or service the call is for (the token's `sub`). */
  readonly subject: string;
  /** The OAuth client the token was issued to. */
  readonly clientId: string;
  readonly scopes: readonly string[];
  /** The service that acts for `subject` (RFC 8693 `act.sub`), when the token was exchanged. */
  readonly actor?: string;
  /** Whether the server has no resource-server config, so nobody was authenticated and scopes are not checked. */
  readonly isUnauthenticated: boolean;
  /** Every claim of a JWT or field of an introspection answer, as verified. */
  readonly claims: Readonly<Record<string, unknown>>;
}

/** What a verifier puts in `AuthInfo.extra` so that the caller can be rebuilt from it. */
export interface CallerExtra {
  subject: string;
  actor?: string;
  claims: Record<string, unknown>;
}

export const anonymousCaller: Caller = Object.freeze({
  subject: 'anonymous',
  clientId: 'anonymous',
  scopes: [],
  isUnauthenticated: true,
  claims: {},
});

export function callerFromAuthInfo(authInfo: AuthInfo | undefined): Caller {
  if (authInfo === undefined) return anonymousCaller;
  const extra = (authInfo.extra ?? {}) as Partial<CallerExtra>;
  return {
    subject: extra.subject ?? authInfo.clientId,
    clientId: authInfo.clientId,
    scopes: authInfo.scopes,
    ...(extra.actor !== undefined && { actor: extra.actor }),
    isUnauthenticated: false,
    claims: extra.claims ?? {},
  };
}

/** The declared scopes the caller lacks; an unauthenticated caller (no auth configured) lacks none. */
export function missingScopes(caller: Caller, required: readonly string[]): string[] {
  if (caller.isUnauthenticated) return [];
  return required.filter((scope) => !caller.scopes.includes(scope));
}
