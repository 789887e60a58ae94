// The parties of a caller's delegation chain as principal ids: the subject,
// the client the token was issued to, and every actor of the RFC 8693 `act`
// chain, each scoped to the issuer that named it. Separation of duties
// (policy/approval-decision.ts) compares these, never display strings.

import type { Caller } from './caller.ts';

/** RFC 8693 section 4.1 allows nesting without limit; a hostile token gets this many links. */
const MAX_ACTORS = 16;

/**
 * A principal id: the raw identifier scoped to its issuer. A client id and a
 * subject with the same raw value at the same issuer are one principal: with
 * client credentials the subject is the client (oidc-provider, Okta), so
 * `agent:admin` and `user:admin` are the same party.
 */
export function principalId(issuer: string, id: string): string {
  // JSON keeps the two parts apart whatever characters they hold (as identityKeyOf does).
  return JSON.stringify([issuer, id]);
}

/** The raw identifier of a principal id, for messages; the id itself when it is not one. */
export function principalName(principal: string): string {
  try {
    const parsed: unknown = JSON.parse(principal);
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[1] === 'string') return parsed[1];
  } catch {
    // not a principal id: shown as it is
  }
  return principal;
}

const ANONYMOUS_PRINCIPAL = principalId('', 'anonymous');

/** Who a decision by this caller is attributed to: the user when there is one, else the agent. */
export function principalOf(caller: Caller): string {
  if (caller.isAnonymous) return ANONYMOUS_PRINCIPAL;
  return principalId(caller.issuer, caller.user ?? caller.agent);
}

/**
 * Every principal that took part in the caller's token: the subject (`sub`
 * even when the token is app-only), the mapped user, the client (`azp`,
 * `client_id` and the mapped agent), and each actor of the `act` chain with
 * its own `iss` when it names one. More parties only make separation of
 * duties stricter, so every claim that could name one counts.
 */
export function delegationParties(caller: Caller): ReadonlySet<string> {
  if (caller.isAnonymous) return new Set([ANONYMOUS_PRINCIPAL]);
  const issuer = caller.issuer;
  const parties = new Set<string>();
  const add = (id: unknown, scope: string = issuer) => {
    if (typeof id === 'string' && id.length > 0) parties.add(principalId(scope, id));
  };
  add(caller.agent);
  add(caller.user);
  add(caller.claims.sub);
  add(caller.claims.azp);
  add(caller.claims.client_id);
  for (const actor of caller.actors) add(actor);
  let current: unknown = caller.claims.act;
  for (let depth = 0; depth < MAX_ACTORS && typeof current === 'object' && current !== null; depth++) {
    const actor = current as Record<string, unknown>;
    const actorIssuer = typeof actor.iss === 'string' && actor.iss.length > 0 ? actor.iss : issuer;
    add(actor.sub, actorIssuer);
    add(actor.client_id, actorIssuer);
    current = actor.act;
  }
  return parties;
}
