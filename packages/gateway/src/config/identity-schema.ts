// The identity keys of gatehouse.yaml: the `authentication` section (token
// verification, claims, the embedded identity provider), the top-level
// `authorization` section and each backend's `scopes`. Strict like the rest
// of config/, and converted here into the options types identity/ takes, so
// identity/gateway-identity.ts never reads raw YAML. Keys in docs/identity.md.

import { z } from 'zod';
import { absentWhenNull, flag, httpUrl, list, mapping, matching, text, wholeNumber } from './fields.ts';
import type { AuthorizationRules, BackendRules, PrimitiveRule } from '../identity/authorization.ts';
import type { CallerMode, ClaimMapping } from '../identity/caller.ts';
import type { EmbeddedIdpOptions } from '../identity/embedded-idp.ts';
import type { DirectoryAgent, DirectoryUser } from '../identity/embedded-idp/demo-directory.ts';
import type { ClientAuthentication } from '../identity/oauth-token-client.ts';
import type { TokenVerifierOptions } from '../identity/token-verifier.ts';

const AUTHENTICATION_MODES = ['agent_as_service', 'on_behalf_of', 'hybrid'] as const;

/** The JWS algorithms a config may list: asymmetric only (identity/token-verifier.ts DEFAULT_ALGORITHMS). */
const CONFIGURABLE_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;

/** RFC 6749 section 3.3 scope-token: printable ASCII without space, `"` and `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
/** An OAuth client_id / user id the embedded provider registers. */
const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9_.@-]*$/;
/** A JWT claim name, or a dotted path into one (`realm_access.roles`), or a namespaced URL claim. */
const CLAIM_NAME = /^[^\s]+$/;
const HOST = /^[A-Za-z0-9._:-]+$/;

const SCOPE_EXPECTED = 'expected a scope: printable characters without spaces, " or \\';
const scope = () => matching(SCOPE_TOKEN, SCOPE_EXPECTED);
/** A backend's read/invoke scope: a scope (`{backend}` is replaced by the backend's name), or false for none. */
const scopeOrNone = (expected: string) =>
  z.union([z.literal(false, { error: expected }), scope()], { error: expected });
const claimName = () => matching(CLAIM_NAME, 'expected a claim name such as azp or realm_access.roles');
/** One claim or a list of claims, first present wins. */
const claimNames = () =>
  z.union([claimName().transform((name) => [name]), list(claimName()).min(1, { error: 'expected at least one claim name' })], { error: 'expected a claim name or a list of claim names' });

/** A primitive's own scopes: a list, or a mapping with `scopes` and `requires_user`. */
const primitiveRuleSchema = z.union(
  [
    list(scope()),
    z.strictObject({ scopes: list(scope()).default([]), requires_user: flag().default(false) }, { error: 'expected a mapping with scopes and requires_user' }),
  ],
  { error: 'expected a list of scopes, or a mapping with scopes and requires_user' },
);

export const backendScopesShape = {
  read: absentWhenNull(scopeOrNone('expected a scope, or false when seeing this backend needs no scope').optional()),
  invoke: absentWhenNull(scopeOrNone('expected a scope, or false when calling its tools needs no scope').optional()),
  tools: absentWhenNull(mapping(text('expected a tool name or a pattern with *'), primitiveRuleSchema).optional()),
  prompts: absentWhenNull(mapping(text('expected a prompt name or a pattern with *'), primitiveRuleSchema).optional()),
  resources: absentWhenNull(mapping(text('expected a resource URI or a URI prefix ending in *'), primitiveRuleSchema).optional()),
  roles: absentWhenNull(mapping(text('expected a role name'), list(text('expected a tool name or a pattern with *'))).optional()),
};

/** `backends[].scopes`. */
export const backendScopesSchema = absentWhenNull(z.strictObject(backendScopesShape, { error: 'expected a mapping' }).optional());

const authorizationShape = {
  listing: z.enum(['callable', 'readable'], { error: 'expected "callable" or "readable"' }).optional(),
  read_scope: absentWhenNull(scopeOrNone('expected a scope template such as "{backend}.read", or false for none').optional()),
  invoke_scope: absentWhenNull(scopeOrNone('expected a scope template such as "{backend}.invoke", or false for none').optional()),
};

/** The top-level `authorization` section. */
export const authorizationSchema = absentWhenNull(z.strictObject(authorizationShape, { error: 'expected a mapping' }).optional());

const introspectionShape = {
  endpoint: httpUrl().optional(),
  client_id: text(),
  client_secret: text(),
  max_cache_seconds: wholeNumber(1, 86_400).optional(),
};

const claimsShape = {
  agent: claimNames().optional(),
  user: claimName().optional(),
  scopes: claimNames().optional(),
  roles: claimNames().optional(),
  role_map: absentWhenNull(mapping(text('expected the value an IdP puts in a role claim'), text('expected a role name')).optional()),
};

const agentShape = {
  name: matching(IDENTIFIER, 'expected a client id of letters, digits, ".", "_", "@" and "-"'),
  secret: text(),
  scopes: list(scope()).default([]),
  roles: list(text('expected a role name')).default([]),
  description: text().optional(),
  /** The tenant its tokens name (checked against tenants.list in config/tenants-schema.ts). */
  tenant: text('expected a tenant name').optional(),
};

const userShape = {
  id: matching(IDENTIFIER, 'expected a user id of letters, digits, ".", "_", "@" and "-"'),
  name: text().optional(),
  email: text().optional(),
  roles: list(text('expected a role name')).default([]),
  scopes: list(scope()).default([]),
  tenant: text('expected a tenant name').optional(),
};

/** A company IdP whose ID-JAGs the embedded provider accepts (identity/embedded-idp/id-jag-grant.ts). */
const enterpriseIdpShape = {
  issuer: httpUrl(),
  jwks_uri: httpUrl(),
  clients: absentWhenNull(list(text()).optional()),
  scopes: absentWhenNull(list(scope()).optional()),
  tenant: text('expected a tenant name').optional(),
};

const embeddedIdpShape = {
  host: matching(HOST, 'expected a host name or IP address to listen on').optional(),
  port: wholeNumber(0, 65535).optional(),
  public_issuer: httpUrl().optional(),
  auto_login: flag().optional(),
  access_token_ttl_seconds: wholeNumber(1, 86_400).optional(),
  agents: absentWhenNull(list(z.strictObject(agentShape, { error: 'expected a mapping with name, secret, scopes, roles and description' })).min(1, { error: 'expected at least one agent' }).optional()),
  users: absentWhenNull(list(z.strictObject(userShape, { error: 'expected a mapping with id, name, email, roles and scopes' })).optional()),
  enterprise_idps: absentWhenNull(list(z.strictObject(enterpriseIdpShape, { error: 'expected a mapping with issuer and jwks_uri (clients, scopes and tenant optional)' })).optional()),
};

export const authenticationShape = {
  oauth_issuer: httpUrl().optional(),
  audience: text().optional(),
  jwks_uri: httpUrl().optional(),
  algorithms: absentWhenNull(
    list(z.enum(CONFIGURABLE_ALGORITHMS, { error: `expected an asymmetric JWS algorithm: one of ${CONFIGURABLE_ALGORITHMS.join(', ')} (never none or HS*)` }))
      .min(1, { error: 'expected at least one algorithm' })
      .optional(),
  ),
  clock_skew_seconds: wholeNumber(0, 600).optional(),
  token_cache_entries: wholeNumber(1, 10_000_000).optional(),
  jwks_refetch_floor_seconds: wholeNumber(1, 86_400).optional(),
  jwks_max_age_seconds: wholeNumber(1, 604_800).optional(),
  introspection: absentWhenNull(z.strictObject(introspectionShape, { error: 'expected a mapping with client_id and client_secret (endpoint and max_cache_seconds optional)' }).optional()),
  claims: absentWhenNull(z.strictObject(claimsShape, { error: 'expected a mapping' }).optional()),
  scope_hierarchy: absentWhenNull(mapping(scope(), list(scope())).optional()),
  scopes_supported: absentWhenNull(list(scope()).optional()),
  mode: z.enum(AUTHENTICATION_MODES, { error: `expected one of ${AUTHENTICATION_MODES.map((mode) => `"${mode}"`).join(', ')}` }).optional(),
  allow_anonymous: flag().optional(),
  service_client: absentWhenNull(z.strictObject({ client_id: text(), client_secret: text() }, { error: 'expected a mapping with client_id and client_secret' }).optional()),
  embedded_idp: absentWhenNull(
    z.union([flag(), z.strictObject(embeddedIdpShape, { error: 'expected a mapping' })], { error: 'expected true, false or a mapping of embedded provider settings' }).optional(),
  ),
};

/** Rules across authentication keys; defensive about types, since it runs even when fields failed. */
function checkAuthentication(section: Record<string, unknown>, context: z.RefinementCtx): void {
  if (typeof section !== 'object' || section === null || Array.isArray(section)) return;
  const isEmbeddedAsked = section.embedded_idp === true || (typeof section.embedded_idp === 'object' && section.embedded_idp !== null);
  if (section.oauth_issuer !== undefined && isEmbeddedAsked) {
    context.addIssue({ code: 'custom', path: ['embedded_idp'], message: 'applies only without oauth_issuer: the embedded identity provider issues tokens when no company issuer is set; remove one of them' });
  }
  if (section.oauth_issuer === undefined && section.embedded_idp === false && section.allow_anonymous !== true) {
    context.addIssue({ code: 'custom', path: ['embedded_idp'], message: 'is false and no oauth_issuer is set, so nobody issues tokens: set oauth_issuer, or turn the embedded provider on, or set allow_anonymous: true' });
  }
  const idp = section.embedded_idp;
  if (typeof idp === 'object' && idp !== null) {
    const agents = Array.isArray((idp as { agents?: unknown }).agents) ? ((idp as { agents: unknown[] }).agents) : [];
    const serviceClient = (section.service_client as { client_id?: unknown } | undefined)?.client_id;
    const seen = new Map<string, number>();
    agents.forEach((agent, index) => {
      const name = (agent as { name?: unknown } | null)?.name;
      if (typeof name !== 'string') return;
      const first = seen.get(name);
      if (first !== undefined) context.addIssue({ code: 'custom', path: ['embedded_idp', 'agents', index, 'name'], message: `"${name}" is already the name of embedded_idp.agents[${first}]; agent names must be unique` });
      else seen.set(name, index);
      if (name === (typeof serviceClient === 'string' ? serviceClient : 'gatehouse-gateway')) {
        context.addIssue({ code: 'custom', path: ['embedded_idp', 'agents', index, 'name'], message: `"${name}" is the gateway's own service client; give the agent another name` });
      }
    });
    const users = Array.isArray((idp as { users?: unknown }).users) ? ((idp as { users: unknown[] }).users) : [];
    const seenUsers = new Map<string, number>();
    users.forEach((user, index) => {
      const id = (user as { id?: unknown } | null)?.id;
      if (typeof id !== 'string') return;
      const first = seenUsers.get(id);
      if (first !== undefined) context.addIssue({ code: 'custom', path: ['embedded_idp', 'users', index, 'id'], message: `"${id}" is already the id of embedded_idp.users[${first}]; user ids must be unique` });
      else seenUsers.set(id, index);
    });
  }
}

/** The `authentication` section. */
export const authenticationSchema = absentWhenNull(
  z.strictObject(authenticationShape, { error: 'expected a mapping' }).superRefine(checkAuthentication, { when: () => true }).optional(),
);

export type AuthenticationFile = NonNullable<z.output<typeof authenticationSchema>>;
export type AuthorizationFile = z.output<typeof authorizationSchema>;
export type BackendScopesFile = z.output<typeof backendScopesSchema>;

/** What the token verifier takes from the config (identity/token-verifier.ts). */
type TokenVerifierSettings = Pick<TokenVerifierOptions, 'jwksUri' | 'algorithms' | 'clockToleranceSeconds' | 'cacheMaxEntries' | 'jwks' | 'introspection' | 'claims'>;

/** What the embedded provider takes from the config (identity/embedded-idp.ts). */
export type EmbeddedIdpSettings = Pick<EmbeddedIdpOptions, 'host' | 'port' | 'publicIssuer' | 'isAutoLogin' | 'accessTokenTtlSeconds' | 'agents' | 'users' | 'enterpriseIdps'>;

export interface AuthenticationConfig {
  oauthIssuer: string | undefined;
  /** Accepted as `aud` besides the gateway's own resource identifiers. */
  audience: string | undefined;
  mode: CallerMode;
  /** `allow_anonymous: true`: every caller is anonymous. */
  isAnonymousAllowed: boolean;
  /** Settings of the embedded provider when it issues the tokens (no oauth_issuer); undefined otherwise. */
  embeddedIdp: EmbeddedIdpSettings | undefined;
  verifier: TokenVerifierSettings;
  /** `scopes_supported` of the Protected Resource Metadata; undefined: derived from the rules. */
  scopesSupported: string[] | undefined;
  /** The gateway's own client at the IdP (token exchange); undefined when not configured. */
  serviceClient: ClientAuthentication | undefined;
}

/** The `authentication` section as identity/ takes it. Pure. */
export function toAuthenticationConfig(file: AuthenticationFile): AuthenticationConfig {
  const isAnonymousAllowed = file.allow_anonymous === true;
  const isEmbedded = !isAnonymousAllowed && file.oauth_issuer === undefined && file.embedded_idp !== false;
  return {
    oauthIssuer: file.oauth_issuer,
    audience: file.audience,
    mode: file.mode ?? 'hybrid',
    isAnonymousAllowed,
    embeddedIdp: isEmbedded ? toEmbeddedIdpSettings(typeof file.embedded_idp === 'object' ? file.embedded_idp : {}) : undefined,
    verifier: toVerifierSettings(file),
    scopesSupported: file.scopes_supported === undefined ? undefined : [...file.scopes_supported],
    serviceClient: file.service_client === undefined ? undefined : { clientId: file.service_client.client_id, clientSecret: file.service_client.client_secret },
  };
}

function toVerifierSettings(file: AuthenticationFile): TokenVerifierSettings {
  const settings: TokenVerifierSettings = {};
  if (file.jwks_uri !== undefined) settings.jwksUri = file.jwks_uri;
  if (file.algorithms !== undefined) settings.algorithms = [...file.algorithms];
  if (file.clock_skew_seconds !== undefined) settings.clockToleranceSeconds = file.clock_skew_seconds;
  if (file.token_cache_entries !== undefined) settings.cacheMaxEntries = file.token_cache_entries;
  if (file.jwks_refetch_floor_seconds !== undefined || file.jwks_max_age_seconds !== undefined) {
    settings.jwks = {
      ...(file.jwks_refetch_floor_seconds === undefined ? {} : { minRefetchIntervalMs: file.jwks_refetch_floor_seconds * 1000 }),
      ...(file.jwks_max_age_seconds === undefined ? {} : { maxAgeMs: file.jwks_max_age_seconds * 1000 }),
    };
  }
  if (file.introspection !== undefined) {
    const { endpoint, client_id: clientId, client_secret: clientSecret, max_cache_seconds: maxCacheSeconds } = file.introspection;
    settings.introspection = { client: { clientId, clientSecret }, ...(endpoint === undefined ? {} : { endpoint }), ...(maxCacheSeconds === undefined ? {} : { maxCacheSeconds }) };
  }
  const claims: ClaimMapping = {};
  if (file.claims?.agent !== undefined) claims.agentClaims = file.claims.agent;
  if (file.claims?.user !== undefined) claims.userClaim = file.claims.user;
  if (file.claims?.scopes !== undefined) claims.scopeClaims = file.claims.scopes;
  if (file.claims?.roles !== undefined) claims.roleClaims = file.claims.roles;
  if (file.claims?.role_map !== undefined) claims.roleMap = { ...file.claims.role_map };
  if (file.scope_hierarchy !== undefined) claims.scopeHierarchy = { ...file.scope_hierarchy };
  if (Object.keys(claims).length > 0) settings.claims = claims;
  return settings;
}

type EmbeddedIdpFile = Extract<AuthenticationFile['embedded_idp'], object>;

function toEmbeddedIdpSettings(file: EmbeddedIdpFile | Record<string, never>): EmbeddedIdpSettings {
  const idp = file as Partial<EmbeddedIdpFile>;
  const settings: EmbeddedIdpSettings = {};
  if (idp.host !== undefined) settings.host = idp.host;
  if (idp.port !== undefined) settings.port = idp.port;
  if (idp.public_issuer !== undefined) settings.publicIssuer = idp.public_issuer;
  if (idp.auto_login !== undefined) settings.isAutoLogin = idp.auto_login;
  if (idp.access_token_ttl_seconds !== undefined) settings.accessTokenTtlSeconds = idp.access_token_ttl_seconds;
  if (idp.agents !== undefined) {
    settings.agents = idp.agents.map((agent): DirectoryAgent => ({
      name: agent.name,
      secret: agent.secret,
      scopes: [...agent.scopes],
      roles: [...agent.roles],
      description: agent.description ?? 'configured agent',
      ...(agent.tenant === undefined ? {} : { tenant: agent.tenant }),
    }));
  }
  if (idp.enterprise_idps !== undefined) {
    settings.enterpriseIdps = idp.enterprise_idps.map((entry) => ({
      issuer: entry.issuer,
      jwksUri: entry.jwks_uri,
      ...(entry.clients === undefined ? {} : { clients: [...entry.clients] }),
      ...(entry.scopes === undefined ? {} : { scopes: [...entry.scopes] }),
      ...(entry.tenant === undefined ? {} : { tenant: entry.tenant }),
    }));
  }
  if (idp.users !== undefined) {
    settings.users = idp.users.map((user): DirectoryUser => ({
      id: user.id,
      name: user.name ?? user.id,
      ...(user.email === undefined ? {} : { email: user.email }),
      roles: [...user.roles],
      scopes: [...user.scopes],
      ...(user.tenant === undefined ? {} : { tenant: user.tenant }),
    }));
  }
  return settings;
}

/** The top-level `authorization` section and every backend's `required_scope` and `scopes`, as one rule set. Pure. */
export function toAuthorizationRules(
  file: AuthorizationFile,
  backends: readonly { name: string; required_scope?: string | undefined; scopes?: BackendScopesFile }[],
): AuthorizationRules {
  const rules: AuthorizationRules = {};
  if (file?.listing !== undefined) rules.listing = file.listing;
  if (file?.read_scope !== undefined) rules.readScope = file.read_scope === false ? null : file.read_scope;
  if (file?.invoke_scope !== undefined) rules.invokeScope = file.invoke_scope === false ? null : file.invoke_scope;
  const byBackend: Record<string, BackendRules> = {};
  for (const backend of backends) {
    if (backend.scopes === undefined) continue;
    byBackend[backend.name] = toBackendRules(backend.scopes);
  }
  if (Object.keys(byBackend).length > 0) rules.backends = byBackend;
  return rules;
}

function toBackendRules(file: NonNullable<BackendScopesFile>): BackendRules {
  const rules: BackendRules = {};
  if (file.read !== undefined) rules.readScope = file.read === false ? null : file.read;
  if (file.invoke !== undefined) rules.invokeScope = file.invoke === false ? null : file.invoke;
  if (file.tools !== undefined) rules.tools = toPrimitiveRules(file.tools);
  if (file.prompts !== undefined) rules.prompts = toPrimitiveRules(file.prompts);
  if (file.resources !== undefined) rules.resources = toPrimitiveRules(file.resources);
  if (file.roles !== undefined) rules.toolsByRole = Object.fromEntries(Object.entries(file.roles).map(([role, tools]) => [role, [...tools]]));
  return rules;
}

function toPrimitiveRules(group: Record<string, string[] | { scopes: string[]; requires_user: boolean }>): Record<string, PrimitiveRule> {
  return Object.fromEntries(
    Object.entries(group).map(([name, rule]) => [
      name,
      Array.isArray(rule) ? { scopes: [...rule] } : { scopes: [...rule.scopes], ...(rule.requires_user ? { requiresUser: true } : {}) },
    ]),
  );
}

/** The keys a strict identity mapping at `path` (below `authentication` or `authorization`) accepts, for "did you mean". */
export function identityKnownKeysAt(path: readonly (string | number)[]): readonly string[] {
  const [section, first, second, third] = path;
  if (section === 'authorization') return first === undefined ? Object.keys(authorizationShape) : [];
  if (section !== 'authentication') return [];
  if (first === undefined) return Object.keys(authenticationShape);
  if (second === undefined) {
    if (first === 'introspection') return Object.keys(introspectionShape);
    if (first === 'claims') return Object.keys(claimsShape);
    if (first === 'embedded_idp') return Object.keys(embeddedIdpShape);
    if (first === 'service_client') return ['client_id', 'client_secret'];
    return [];
  }
  if (first === 'embedded_idp' && typeof third === 'number' && path.length === 4) {
    if (second === 'agents') return Object.keys(agentShape);
    if (second === 'users') return Object.keys(userShape);
  }
  return [];
}
