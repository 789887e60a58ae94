// Binds state to the identity it was handed to. A 2025 session belongs to
// the identity that sent `initialize` (the same agent and user, whatever
// token they present later, since tokens are refreshed); a request with
// another identity's token is refused. 2026-07-28 requests stand alone, and
// the MRTR state the gateway hands out is keyed by the same identity.

import { createHash } from 'node:crypto';
import { AuthError } from './auth-error.ts';
import type { Caller } from './caller.ts';

// A Caller is immutable and the verified-token cache hands the same object to
// every request with its token, so its digests are computed once per token,
// not once per request (a SHA-256 each), and go when the Caller does.
const sessionOwners = new WeakMap<Caller, string>();
const requestStateKeys = new WeakMap<Caller, string>();

/**
 * What a session store keeps as the session's owner: a digest of the
 * caller's stable identity (issuer, agent, user), never the token, so a
 * refreshed token of the same identity keeps the session.
 */
export function sessionOwnerOf(caller: Caller): string {
  let owner = sessionOwners.get(caller);
  if (owner === undefined) sessionOwners.set(caller, (owner = digest('session', caller.identityKey)));
  return owner;
}

/** Undefined when `caller` owns the session; else the AuthError to answer with (403). */
export function checkSessionOwner(owner: string | undefined, caller: Caller): AuthError | undefined {
  // A session created before authentication was on (or by an anonymous gateway) has no owner to compare.
  if (owner === undefined || owner === sessionOwnerOf(caller)) return undefined;
  return new AuthError('session_mismatch', 'This Mcp-Session-Id belongs to another identity; a session can only be used with tokens of the agent and user that created it. Send initialize to start your own session');
}

/**
 * The key MRTR (multi round-trip) state is bound to: mix it into the MAC or
 * lookup key of any `requestState` the gateway issues, so state handed to
 * one identity is useless to another.
 */
export function requestStateBindingKey(caller: Caller): string {
  let key = requestStateKeys.get(caller);
  if (key === undefined) requestStateKeys.set(caller, (key = digest('request-state', caller.identityKey)));
  return key;
}

function digest(purpose: string, identityKey: string): string {
  return createHash('sha256').update(purpose).update('\u0000').update(identityKey).digest('base64url');
}
