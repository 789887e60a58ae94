// `WWW-Authenticate: Bearer ...` challenges (RFC 6750 section 3, RFC 9728
// section 5.1) and the whole HTTP answer for an AuthError: 401 pointing at
// the resource metadata and asking for the least scopes, 403
// insufficient_scope naming the scopes the caller holds plus every scope the
// operation needs, so the client steps up in one round without losing what it
// had (MCP authorization, Scope Challenge Handling).

import type { AuthError } from './auth-error.ts';

export interface BearerChallengeParameters {
  /** RFC 9728 section 5.1: where the client finds the authorization server. */
  resourceMetadata?: string;
  error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope';
  errorDescription?: string;
  scopes?: readonly string[];
}

/** RFC 6750 section 3: quoted-string values; error_description limited to visible ASCII without `"` and `\`. */
export function bearerChallenge(parameters: BearerChallengeParameters): string {
  const parts: string[] = [];
  if (parameters.resourceMetadata !== undefined) parts.push(`resource_metadata="${quote(parameters.resourceMetadata)}"`);
  if (parameters.error !== undefined) parts.push(`error="${parameters.error}"`);
  if (parameters.scopes !== undefined && parameters.scopes.length > 0) parts.push(`scope="${quote(parameters.scopes.join(' '))}"`);
  if (parameters.errorDescription !== undefined) parts.push(`error_description="${descriptionText(parameters.errorDescription)}"`);
  return parts.length === 0 ? 'Bearer' : `Bearer ${parts.join(', ')}`;
}

export interface AuthErrorResponse {
  status: number;
  headers: Record<string, string>;
  /** A JSON-RPC error without id (the transport specs allow it on an HTTP-level refusal). */
  body: { jsonrpc: '2.0'; id: null; error: { code: number; message: string; data: Record<string, unknown> } };
}

/** JSON-RPC code on auth refusals: the gateway's policy-denied code, since no spec code exists for them. */
const AUTH_RPC_CODE = -32012;

/**
 * The HTTP answer for `error` at an endpoint whose metadata lives at
 * `resourceMetadataUrl`. `challengeScopes` are put in the 401 challenge so a
 * client's first authorization asks for them (MCP Scope Selection Strategy):
 * the least, read scopes; more come by step-up.
 */
export function authErrorResponse(error: AuthError, resourceMetadataUrl: string, challengeScopes?: readonly string[]): AuthErrorResponse {
  const headers: Record<string, string> = {};
  if (error.status === 401 || error.bearerError === 'insufficient_scope' || error.bearerError === 'invalid_request') {
    const isStepUp = error.bearerError === 'insufficient_scope';
    headers['www-authenticate'] = bearerChallenge({
      resourceMetadata: resourceMetadataUrl,
      ...(error.bearerError === undefined ? {} : { error: error.bearerError }),
      ...(isStepUp ? { scopes: stepUpScopes(error) } : challengeScopes === undefined ? {} : { scopes: challengeScopes }),
      // RFC 6750 section 3.1: no error details when the request simply had no credentials.
      ...(error.code === 'missing' ? {} : { errorDescription: error.message }),
    });
  }
  if (error.isTransient) headers['retry-after'] = '5';
  const data: Record<string, unknown> = { auth_error: error.code };
  if (error.requiredScopes.length > 0) data.required_scopes = error.requiredScopes;
  if (error.missingScopes.length > 0) data.missing_scopes = error.missingScopes;
  return { status: error.status, headers, body: { jsonrpc: '2.0', id: null, error: { code: AUTH_RPC_CODE, message: error.message, data } } };
}

/**
 * MCP authorization, Scope Challenge Handling: a client re-authorizes for
 * exactly the challenge's `scope`, and the new token replaces the old one. So
 * the challenge names what the caller already holds as well as what the
 * operation needs (RFC 6750 section 3.1 lets `scope` be any scope the request
 * needs); otherwise the client that asked for `crm.email.bulk` comes back
 * holding only that, and its catalog empties.
 */
function stepUpScopes(error: AuthError): readonly string[] {
  if (error.grantedScopes.length === 0) return error.requiredScopes;
  return [...new Set([...error.grantedScopes, ...error.requiredScopes])];
}

function quote(value: string): string {
  return value.replace(/[\\"]/g, (character) => `\\${character}`);
}

function descriptionText(value: string): string {
  // %x20-21 / %x23-5B / %x5D-7E (RFC 6750 section 3): drop what cannot appear, keep it to one line.
  return value.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '').slice(0, 300);
}
