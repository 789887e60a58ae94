// The Caller: who sent a request, built once per token from its verified
// claims (JWT or introspection) and kept in the verified-token cache. Every
// later stage (authorization, session binding, audit, backend credentials)
// reads this shape, never raw claims.

import { AuthError } from './auth-error.ts';

/**
 * The trust model a caller was admitted under (docs/identity.md, callers and modes):
 * agent_as_service: the agent's own identity and scopes, no user attribution;
 * on_behalf_of: the agent acts for a user and needs one in the token;
 * hybrid: the agent's own identity, with operations marked `requires_user` needing a user.
 */
export type CallerMode = 'agent_as_service' | 'on_behalf_of' | 'hybrid';

export interface Caller {
  readonly isAnonymous: boolean;
  /** The client the token was issued to (`azp` / `client_id`). */
  readonly agent: string;
  /** The human the agent acts for, when there is one (`sub` of a user token, or the subject of a token exchange). */
  readonly user: string | undefined;
  /** RFC 8693 section 4.1 `act` chain: the current actor first, then whom it acted for, and so on. */
  readonly actors: readonly string[];
  /**
   * The principal at the root of the delegation chain, `user:{id}` or
   * `agent:{client}`: the original subject, which no exchange changes (for an
   * app-only token, the client whose own token it was). Rate limits, step
   * budgets and cost ceilings count against it, so exchanging a token never
   * buys a fresh allowance.
   */
  readonly rootPrincipal: string;
  /** Granted scopes with the configured hierarchy applied (a broader scope adds the narrower ones it implies). */
  readonly scopes: ReadonlySet<string>;
  /** Scopes exactly as the token carried them, for audit. */
  readonly grantedScopes: readonly string[];
  readonly roles: ReadonlySet<string>;
  /**
   * The tenant the token binds its caller to (the `tenants.claim` claim,
   * docs/tenants.md); undefined when the gateway has no tenants or the token
   * names none. The exchange's tenant (exchange.ts) starts from this one.
   */
  readonly tenant: string | undefined;
  /** `jti`. */
  readonly tokenId: string | undefined;
  /** `sid`: the authorization server's login session, a hint only. */
  readonly sessionHint: string | undefined;
  /** Epoch milliseconds; `undefined` only for anonymous callers. */
  readonly expiresAt: number | undefined;
  readonly issuer: string;
  readonly audience: readonly string[];
  readonly mode: CallerMode;
  /** Stable across token refreshes: issuer, agent and user (session-binding.ts). */
  readonly identityKey: string;
  /** Equal for callers whose scopes, roles and user presence are equal: keys per-caller catalog caches. */
  readonly profileKey: string;
  readonly claims: Readonly<Record<string, unknown>>;
}

/** How claims become a Caller; defaults fit oidc-provider, Okta, Auth0, Keycloak and Entra ID (docs/identity.md). */
export interface ClaimMapping {
  /** First present wins. Default `azp`, `client_id`, `appid` (Entra v1), `cid` (Okta). */
  agentClaims?: readonly string[];
  /** Default `sub`. */
  userClaim?: string;
  /** Space-delimited strings or arrays; all are merged. Default `scope`, `scp`. */
  scopeClaims?: readonly string[];
  /** Claim names (tried literally first, then as dotted paths such as `realm_access.roles`). Default `roles`. */
  roleClaims?: readonly string[];
  /** IdP value -> gateway role (group names, Entra app role values); unmapped values pass through. */
  roleMap?: Readonly<Record<string, string>>;
  /** Broader scope -> scopes it implies; an entry ending in `*` implies every scope with that prefix. */
  scopeHierarchy?: Readonly<Record<string, readonly string[]>>;
  /** The claim naming the caller's tenant (`tenants.claim`); undefined when the gateway has no tenants, so no claim is read. */
  tenantClaim?: string;
  /** Overrides the rule that decides a token carries no user (client credentials, and tokens exchanged from one). */
  isAppOnly?: (claims: Readonly<Record<string, unknown>>, agent: string, actors: readonly string[]) => boolean;
}

export interface CallerContext {
  mode: CallerMode;
  mapping?: ClaimMapping;
  /** The presented token, kept out of enumerable fields (never logged) for RFC 8693 exchange. */
  token?: string;
}

const DEFAULT_AGENT_CLAIMS = ['azp', 'client_id', 'appid', 'cid'] as const;
const DEFAULT_SCOPE_CLAIMS = ['scope', 'scp'] as const;
const DEFAULT_ROLE_CLAIMS = ['roles'] as const;

const presentedTokens = new WeakMap<Caller, string>();

/** The bearer token this caller presented, for token exchange only; never forward it (MCP: token passthrough is forbidden). */
export function presentedTokenOf(caller: Caller): string | undefined {
  return presentedTokens.get(caller);
}

/** Builds the Caller from verified claims, or fails with `user_required` when the mode needs a user and the token has none. */
export function callerFromClaims(claims: Readonly<Record<string, unknown>>, context: CallerContext): Caller {
  const mapping = context.mapping ?? {};
  const actors = actorChain(claims.act);
  const subject = stringClaim(claims, mapping.userClaim ?? 'sub');
  const agent = firstStringClaim(claims, mapping.agentClaims ?? DEFAULT_AGENT_CLAIMS) ?? actors[0] ?? subject;
  if (agent === undefined) throw new AuthError('malformed', 'The token names no client (azp, client_id) and no subject; ask the authorization server for an access token issued to your client');
  // An `act` chain never makes a subject a user: an exchanged app-only token is still app-only (RFC 8693 section 1.1: the subject stays who it was).
  const isAppOnly = (mapping.isAppOnly ?? isAppOnlyByDefault)(claims, agent, actors);
  const user = isAppOnly ? undefined : subject;
  if (context.mode === 'on_behalf_of' && user === undefined) {
    throw new AuthError('user_required', `This gateway only accepts tokens that act for a user (mode on_behalf_of), and the token of client "${agent}" carries none; sign in a user (authorization code flow) or exchange a user token (RFC 8693)`);
  }
  const grantedScopes = scopeList(claims, mapping.scopeClaims ?? DEFAULT_SCOPE_CLAIMS);
  const scopes = expandScopes(grantedScopes, mapping.scopeHierarchy);
  const roles = roleSet(claims, mapping.roleClaims ?? DEFAULT_ROLE_CLAIMS, mapping.roleMap);
  const issuer = stringClaim(claims, 'iss') ?? '';
  const tenant = mapping.tenantClaim === undefined ? undefined : stringClaim(claims, mapping.tenantClaim);
  const exp = claims.exp;
  const caller: Caller = {
    isAnonymous: false,
    agent,
    user,
    actors,
    rootPrincipal: rootPrincipalOf({ subject, agent, actors, isAppOnly }),
    scopes,
    grantedScopes,
    roles,
    tenant,
    tokenId: stringClaim(claims, 'jti'),
    sessionHint: stringClaim(claims, 'sid'),
    expiresAt: typeof exp === 'number' ? exp * 1000 : undefined,
    issuer,
    audience: audienceList(claims.aud),
    mode: context.mode,
    identityKey: identityKeyOf(issuer, agent, user, tenant),
    profileKey: profileKeyOf(scopes, roles, user !== undefined),
    claims,
  };
  if (context.token !== undefined) presentedTokens.set(caller, context.token);
  return caller;
}

/** The caller of a gateway started with `--allow-anonymous`: audit shows it as anonymous; authorization lets it through. */
export const ANONYMOUS_CALLER: Caller = Object.freeze({
  isAnonymous: true,
  agent: 'anonymous',
  user: undefined,
  actors: [],
  rootPrincipal: 'anonymous',
  scopes: new Set<string>(),
  grantedScopes: [],
  roles: new Set<string>(),
  tenant: undefined,
  tokenId: undefined,
  sessionHint: undefined,
  expiresAt: undefined,
  issuer: '',
  audience: [],
  mode: 'agent_as_service' as const,
  identityKey: 'anonymous',
  profileKey: 'anonymous',
  claims: {},
});

/** The audit record's `caller` fields (docs/audit.md): `identity` is the user when there is one ("user U via agent X"), else the agent. */
export function describeCaller(caller: Caller): { identity: string; agent: string; on_behalf_of: string | undefined; scopes: readonly string[] } {
  if (caller.isAnonymous) return { identity: 'anonymous', agent: 'anonymous', on_behalf_of: undefined, scopes: [] };
  return {
    identity: caller.user === undefined ? `agent:${caller.agent}` : `user:${caller.user}`,
    agent: caller.agent,
    on_behalf_of: caller.user,
    scopes: caller.grantedScopes,
  };
}

function identityKeyOf(issuer: string, agent: string, user: string | undefined, tenant?: string): string {
  // JSON keeps the parts unambiguous whatever characters they hold. A tenant is part of who a caller is:
  // the same client id in two tenants owns neither the other's sessions nor its sealed states.
  return JSON.stringify(tenant === undefined ? [issuer, agent, user ?? null] : [issuer, agent, user ?? null, tenant]);
}

function profileKeyOf(scopes: ReadonlySet<string>, roles: ReadonlySet<string>, hasUser: boolean): string {
  return `${hasUser ? 'u' : 'a'}|${[...scopes].sort().join(' ')}|${[...roles].sort().join(' ')}`;
}

/**
 * The root of the delegation chain. RFC 8693 keeps `sub` across exchanges and
 * nests the actors in `act`, so a user token's root is its subject. An
 * app-only token without actors is its client's; with actors, its subject is
 * the client that obtained the first token (Auth0 writes it `{id}@clients`).
 */
function rootPrincipalOf(parts: { subject: string | undefined; agent: string; actors: readonly string[]; isAppOnly: boolean }): string {
  const { subject, agent, actors, isAppOnly } = parts;
  if (!isAppOnly && subject !== undefined) return `user:${subject}`;
  if (actors.length === 0) return `agent:${agent}`;
  if (subject !== undefined) return `agent:${subject.endsWith('@clients') ? subject.slice(0, -'@clients'.length) : subject}`;
  return `agent:${actors.at(-1)!}`;
}

/**
 * Client-credentials tokens name the client as subject in different ways:
 * sub == client id (oidc-provider, Okta), `{id}@clients` and `gty` (Auth0),
 * `idtyp: app` (Entra ID, and the embedded provider's exchanged app-only
 * tokens), `service-account-{id}` usernames (Keycloak). A subject that itself
 * appears as an actor is a client too: an agent exchanged its own token.
 * These hold whether or not the token has an `act` chain, so no exchange
 * turns an agent into a user.
 */
function isAppOnlyByDefault(claims: Readonly<Record<string, unknown>>, agent: string, actors: readonly string[] = []): boolean {
  const subject = claims.sub;
  if (subject === undefined || subject === agent) return true;
  if (typeof subject === 'string' && (subject.endsWith('@clients') || actors.includes(subject))) return true;
  if (claims.gty === 'client-credentials' || claims.idtyp === 'app') return true;
  const username = claims.preferred_username;
  return typeof username === 'string' && username.startsWith('service-account-');
}

function actorChain(act: unknown): string[] {
  const chain: string[] = [];
  let current = act;
  // RFC 8693 section 4.1: nested `act` claims record prior actors; a bound keeps a hostile token from costing much.
  while (typeof current === 'object' && current !== null && chain.length < 16) {
    const actor = current as Record<string, unknown>;
    const name = typeof actor.client_id === 'string' ? actor.client_id : typeof actor.sub === 'string' ? actor.sub : undefined;
    if (name === undefined) break;
    chain.push(name);
    current = actor.act;
  }
  return chain;
}

function stringClaim(claims: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = readClaim(claims, name);
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function firstStringClaim(claims: Readonly<Record<string, unknown>>, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = stringClaim(claims, name);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** A literal key first (Auth0's namespaced claims contain dots), then a dotted path (Keycloak's `realm_access.roles`). */
function readClaim(claims: Readonly<Record<string, unknown>>, name: string): unknown {
  if (name in claims) return claims[name];
  if (!name.includes('.')) return undefined;
  let current: unknown = claims;
  for (const part of name.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function valuesOf(value: unknown): string[] {
  if (typeof value === 'string') return value.split(' ').filter((part) => part.length > 0);
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string' && item.length > 0);
  return [];
}

function scopeList(claims: Readonly<Record<string, unknown>>, names: readonly string[]): string[] {
  const scopes = new Set<string>();
  for (const name of names) for (const scope of valuesOf(readClaim(claims, name))) scopes.add(scope);
  return [...scopes];
}

function roleSet(claims: Readonly<Record<string, unknown>>, names: readonly string[], roleMap: Readonly<Record<string, string>> | undefined): Set<string> {
  const roles = new Set<string>();
  for (const name of names) {
    for (const value of valuesOf(readClaim(claims, name))) roles.add(roleMap?.[value] ?? value);
  }
  return roles;
}

/** MCP authorization (Scope Challenge Handling): servers must account for scope hierarchies. */
function expandScopes(granted: readonly string[], hierarchy: Readonly<Record<string, readonly string[]>> | undefined): Set<string> {
  const scopes = new Set(granted);
  if (hierarchy === undefined) return scopes;
  const pending = [...granted];
  while (pending.length > 0) {
    const implied = hierarchy[pending.pop()!];
    if (implied === undefined) continue;
    for (const scope of implied) {
      if (!scopes.has(scope)) {
        scopes.add(scope);
        pending.push(scope);
      }
    }
  }
  return scopes;
}

/** Whether the caller holds `scope`, counting `prefix*` grants from the hierarchy. */
export function hasScope(caller: Caller, scope: string): boolean {
  if (caller.scopes.has(scope)) return true;
  for (const granted of caller.scopes) {
    if (granted.endsWith('*') && scope.startsWith(granted.slice(0, -1))) return true;
  }
  return false;
}

function audienceList(aud: unknown): string[] {
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud)) return aud.filter((item): item is string => typeof item === 'string');
  return [];
}
