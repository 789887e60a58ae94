// Identity as one gateway process uses it, assembled from the config: the
// token verifier (the embedded OpenID Provider's or the company IdP's), the
// authorization rules, the Protected Resource Metadata documents and the
// HTTP authentication the transport calls. With no `authentication` section,
// or `allow_anonymous`, every caller is anonymous.

import type { GatewayConfig } from '../config/schema.ts';
import type { EmbeddedIdpSettings } from '../config/identity-schema.ts';
import type { Logger } from '../telemetry/logger.ts';
import { compileAuthorization, type Authorization, type AuthorizationRules, type BackendRules } from './authorization.ts';
import type { EmbeddedIdp } from './embedded-idp.ts';
import { DEMO_AGENTS, DEMO_ALL_SCOPES, DEMO_CONSOLE_CLIENT, DEMO_USERS, demoTenantAgents, demoTenantUsers } from './embedded-idp/demo-directory.ts';
import { createHttpAuthentication, type HttpAuthentication, type HttpAuthenticationOptions } from './http-authentication.ts';
import { createResourceMetadataResponder, gatewayResourceIdentifiers, resourceIdentifier, type ResourceMetadataResponse } from './resource-metadata.ts';
import type { TokenVerifier } from './token-verifier.ts';
import { isAuthError, type AuthError } from './auth-error.ts';
import type { IncomingMessage } from 'node:http';
import type { Caller } from './caller.ts';
import { OutboundGuard } from '../outbound/outbound-guard.ts';
import type { SeenGrants } from './embedded-idp/seen-grants.ts';
import type { JWK } from 'jose';

export interface GatewayIdentity {
  /** False when every caller is anonymous (no authentication configured, or allow_anonymous). */
  readonly isEnforced: boolean;
  readonly authentication: HttpAuthentication;
  readonly authorization: Authorization;
  /** Answers `/.well-known/oauth-protected-resource[...]`; undefined for other paths. */
  readonly metadata: (pathname: string) => ResourceMetadataResponse | undefined;
  readonly issuer: string | undefined;
  /** The verified caller of an admin request's bearer token; undefined when missing, invalid, or authentication is off. */
  authenticateBearer(request: IncomingMessage): Promise<Caller | undefined>;
  /**
   * Fetches the issuer's metadata and keys ahead of the first token. The start
   * calls it once the gateway serves: the fetch (for the embedded provider, its
   * first request, which loads more of Node than anything before it) is then
   * off the way to ready, and a token arriving first fetches them itself.
   */
  warmUp(): void;
  /**
   * The web console as a client of the issuer (admin/console-auth.ts): the
   * embedded provider's demo client, or GATEHOUSE_CONSOLE_CLIENT_ID and
   * GATEHOUSE_CONSOLE_CLIENT_SECRET for another issuer; undefined for none.
   */
  readonly console?: ConsoleClient;
  close(): Promise<void>;
}

/** The web console as a client of the issuer (admin/console-auth.ts signs in with it). */
export interface ConsoleClient {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The RFC 8707 resource its tokens are for: the gateway's MCP endpoint, which the admin guard's verifier accepts. */
  resource: string;
  /** The scopes the issuer issues (the gateway's scopes_supported): the console asks for its admin roles among them. */
  scopesSupported?: readonly string[];
}

export interface AssembleIdentityOptions {
  /** The gateway as clients reach it (resource identifiers and metadata URLs are built from it). */
  publicBaseUrl: string;
  backendNames: readonly string[];
  logger: Logger;
  /** The CLI's --allow-anonymous. */
  isAnonymousForced?: boolean;
  onRefusal?: (error: AuthError) => void;
  /** A refused token (http-authentication.ts): audit's auth_failure record, awaited before the refusal is written. */
  onAuthenticationFailure?: HttpAuthenticationOptions['onAuthenticationFailure'];
  /** The outbound guard (`outbound` section) for URLs callers or discovered metadata supply; default one with an empty allow list. */
  outbound?: OutboundGuard;
  /** The scopes of the admin listener's roles: they grant nothing on /mcp, so its metadata leaves them out. Default none. */
  adminRoleScopes?: readonly string[];
  /** The port the gateway was asked to listen on (0: any free one); the embedded provider's default follows it. */
  gatewayPort?: number;
  /** The embedded provider's used ID-JAG ids, shared in Redis when the session store is (embedded-idp/redis-seen-grants.ts). */
  seenGrants?: SeenGrants;
  /** The embedded provider's signing keys, begun first thing by the start (embeddedIdpKeysInAdvance); default made when it starts. */
  embeddedIdpKeys?: Promise<readonly JWK[]>;
}

/** The embedded provider's settings when this start runs one: not when the config (or --allow-anonymous) turns authentication off. */
export function embeddedIdpSettingsOf(config: GatewayConfig, isAnonymousForced: boolean | undefined): EmbeddedIdpSettings | undefined {
  const settings = config.authentication;
  const isAnonymous = isAnonymousForced === true || settings === undefined || settings.isAnonymousAllowed;
  return isAnonymous ? undefined : settings?.embeddedIdp;
}

/**
 * The embedded provider's keys, generation begun now when this start runs
 * the provider: the RSA key's tens to hundreds of milliseconds on a pool
 * thread then overlap the rest of the start. A failure surfaces where the
 * provider awaits them, not as an unhandled rejection before.
 */
export function embeddedIdpKeysInAdvance(config: GatewayConfig, isAnonymousForced: boolean | undefined): Promise<readonly JWK[]> | undefined {
  if (embeddedIdpSettingsOf(config, isAnonymousForced) === undefined) return undefined;
  const keys = import('./embedded-idp/key-generation.ts').then(({ generateSigningJwks }) => generateSigningJwks());
  keys.catch(() => {});
  return keys;
}

/** How far above the gateway's port the embedded provider listens by default: 8080 (MCP), 8081 (admin), 8082 (provider). */
const EMBEDDED_IDP_PORT_OFFSET = 2;

/**
 * The embedded provider's port when the config names none: the gateway's
 * port + 2, so two gateways on one host (`--port 8080` and `--port 9080`)
 * get providers on 8082 and 9082 instead of both asking for 8082. A gateway
 * on any free port (0), or too near the top of the range, gets a provider on
 * any free port too.
 */
export function embeddedIdpPort(gatewayPort: number | undefined): number {
  if (gatewayPort === undefined) return 8080 + EMBEDDED_IDP_PORT_OFFSET;
  if (gatewayPort === 0 || gatewayPort + EMBEDDED_IDP_PORT_OFFSET > 65_535) return 0;
  return gatewayPort + EMBEDDED_IDP_PORT_OFFSET;
}

/**
 * The rules the gateway enforces: the `authorization` section's templates
 * and listing, each backend's `scopes` and its `required_scope`. The embedded
 * default's demo rules are plain config (config/default.yaml), not code.
 */
export function rulesFromConfig(config: GatewayConfig): AuthorizationRules {
  const configured = config.authorization ?? {};
  const backends: Record<string, BackendRules> = { ...configured.backends };
  for (const backend of config.backends) {
    if (backend.requiredScope === undefined) continue;
    backends[backend.name] = { ...backends[backend.name], requiredScope: backend.requiredScope };
  }
  return { ...configured, backends };
}

/** The scopes the embedded provider's agents and users can hold: the demo's, or the configured directory's. */
function embeddedScopes(idp: EmbeddedIdpSettings): string[] {
  if (idp.agents === undefined && idp.users === undefined && idp.enterpriseIdps === undefined) return [...DEMO_ALL_SCOPES];
  const scopes = new Set<string>();
  for (const agent of idp.agents ?? DEMO_AGENTS) for (const scope of agent.scopes) scopes.add(scope);
  for (const user of idp.users ?? DEMO_USERS) for (const scope of user.scopes) scopes.add(scope);
  // What a company IdP may grant its users (ID-JAGs) is issued here too.
  for (const enterprise of idp.enterpriseIdps ?? []) for (const scope of enterprise.scopes ?? []) scopes.add(scope);
  return [...scopes];
}

/**
 * The origins the operator named (the issuer, a configured `jwks_uri` or
 * introspection endpoint): reached as written, even on internal addresses.
 * A `jwks_uri` or introspection endpoint discovered in the issuer's metadata
 * on another origin goes through the outbound guard.
 */
function operatorOrigins(...urls: ReadonlyArray<string | undefined>): string[] {
  return urls.flatMap((url) => (url === undefined || !URL.canParse(url) ? [] : [new URL(url).origin]));
}

export async function assembleIdentity(config: GatewayConfig, options: AssembleIdentityOptions): Promise<GatewayIdentity> {
  const settings = config.authentication;
  const isAnonymous = options.isAnonymousForced === true || settings === undefined || settings.isAnonymousAllowed;
  const tenantNames = config.tenants?.tenants.map((tenant) => tenant.name) ?? [];
  const tenantPaths = tenantNames.flatMap((tenant) => [`/t/${tenant}/mcp`, ...options.backendNames.map((name) => `/t/${tenant}/servers/${name}/mcp`)]);
  const endpointPaths = new Set(['/mcp', ...options.backendNames.map((name) => `/servers/${name}/mcp`), ...tenantPaths]);
  const idpSettings = embeddedIdpSettingsOf(config, options.isAnonymousForced);
  const isEmbedded = idpSettings !== undefined;
  const authorization = compileAuthorization(rulesFromConfig(config));

  if (isAnonymous || settings === undefined) {
    if (settings !== undefined) options.logger.warn('AUTHENTICATION IS OFF (allow_anonymous): every caller is anonymous and every audit record says so; never run this way in production');
    return {
      isEnforced: false,
      authentication: createHttpAuthentication({ verifier: undefined, publicBaseUrl: options.publicBaseUrl }),
      authorization,
      metadata: () => undefined,
      issuer: undefined,
      authenticateBearer: async () => undefined,
      warmUp: () => {},
      close: async () => {},
    };
  }

  let idp: EmbeddedIdp | undefined;
  let issuer = settings.oauthIssuer;
  const outbound = options.outbound ?? new OutboundGuard();
  if (idpSettings !== undefined) {
    // With tenants and the demo directory, the demo adds an agent and an admin in each of the first two tenants.
    const isTenantDemo = config.tenants !== undefined && idpSettings.agents === undefined && idpSettings.users === undefined;
    const demoAgents = isTenantDemo ? [...DEMO_AGENTS, ...demoTenantAgents(tenantNames)] : undefined;
    // ...and the same admins as users, for the web console's sign-in.
    const demoUsers = isTenantDemo ? [...DEMO_USERS, ...demoTenantUsers(tenantNames)] : undefined;
    // Loaded here, not at the top: the OpenID provider (oidc-provider, koa: about 45 MB) only for configs that run it.
    const { startEmbeddedIdp } = await import('./embedded-idp.ts');
    idp = await startEmbeddedIdp({
      outbound,
      host: '127.0.0.1',
      port: embeddedIdpPort(options.gatewayPort),
      // An explicit embedded_idp.port (and host) wins over the derived one.
      ...idpSettings,
      ...(demoAgents === undefined ? {} : { agents: demoAgents }),
      ...(demoUsers === undefined ? {} : { users: demoUsers }),
      ...(config.tenants === undefined ? {} : { tenantClaim: config.tenants.claim }),
      scopes: embeddedScopes(idpSettings),
      baselineScopes: authorization.baselineScopes(options.backendNames),
      ...(settings.serviceClient === undefined ? {} : { gatewayClient: { name: settings.serviceClient.clientId, secret: settings.serviceClient.clientSecret } }),
      gatewayBaseUrl: options.publicBaseUrl,
      ...(options.seenGrants === undefined ? {} : { seenGrants: options.seenGrants }),
      ...(options.embeddedIdpKeys === undefined ? {} : { signingKeys: options.embeddedIdpKeys }),
      logger: options.logger,
    });
    issuer = idp.issuer;
  }
  if (issuer === undefined) throw new TypeError('authentication needs oauth_issuer or the embedded identity provider (the config schema refuses neither)');
  const audiences = [...gatewayResourceIdentifiers(options.publicBaseUrl, options.backendNames), ...tenantPaths.map((path) => resourceIdentifier(options.publicBaseUrl, path)), ...(settings.audience === undefined ? [] : [settings.audience])];
  // With tenants, the configured claim names a caller's tenant (identity/caller.ts).
  const claims = { ...settings.verifier.claims, ...(config.tenants === undefined ? {} : { tenantClaim: config.tenants.claim }) };
  // Loaded here, not at the top: jose (46 modules) only for configs that check tokens (docs/benchmarks.md, "Footprint").
  const { createTokenVerifier } = await import('./token-verifier.ts');
  const verifier: TokenVerifier = createTokenVerifier({
    ...settings.verifier,
    issuer,
    audiences,
    mode: settings.mode,
    logger: options.logger,
    fetch: outbound.fetcher({ trustedOrigins: operatorOrigins(issuer, settings.verifier.jwksUri, settings.verifier.introspection?.endpoint) }),
    ...(config.tenants === undefined ? {} : { claims }),
  });
  const consoleCredentials = isEmbedded
    ? { clientId: DEMO_CONSOLE_CLIENT.name, clientSecret: DEMO_CONSOLE_CLIENT.secret }
    : process.env.GATEHOUSE_CONSOLE_CLIENT_ID !== undefined && process.env.GATEHOUSE_CONSOLE_CLIENT_SECRET !== undefined
      ? { clientId: process.env.GATEHOUSE_CONSOLE_CLIENT_ID, clientSecret: process.env.GATEHOUSE_CONSOLE_CLIENT_SECRET }
      : undefined;
  const issuedScopes = settings.scopesSupported
    ?? (idpSettings !== undefined ? embeddedScopes(idpSettings) : authorization.baselineScopes(options.backendNames));
  // The admin roles' scopes grant nothing on /mcp: its metadata leaves them out, the console still asks for them.
  const adminRoleScopes = new Set(options.adminRoleScopes ?? []);
  const scopesSupported = issuedScopes.filter((scope) => !adminRoleScopes.has(scope));
  return {
    isEnforced: true,
    authentication: createHttpAuthentication({
      verifier,
      publicBaseUrl: options.publicBaseUrl,
      // Least privilege first (MCP Scope Selection Strategy): a 401 asks for the read scopes of the endpoint's backends; a 403 steps up from there.
      challengeScopes: (backend) => authorization.baselineScopes(backend === undefined ? options.backendNames : [backend]),
      ...(options.onRefusal === undefined ? {} : { onRefusal: options.onRefusal }),
      ...(options.onAuthenticationFailure === undefined ? {} : { onAuthenticationFailure: options.onAuthenticationFailure }),
    }),
    authorization,
    metadata: createResourceMetadataResponder({ publicBaseUrl: options.publicBaseUrl, authorizationServers: [issuer], scopesSupported }, (path) => endpointPaths.has(path)),
    issuer,
    ...(consoleCredentials === undefined ? {} : { console: { issuer, ...consoleCredentials, resource: resourceIdentifier(options.publicBaseUrl, '/mcp'), scopesSupported: issuedScopes } }),
    authenticateBearer: async (request) => {
      try {
        return await verifier.authenticate(request.headers.authorization);
      } catch (error) {
        if (isAuthError(error)) return undefined;
        throw error;
      }
    },
    warmUp: () => void verifier.prefetch().catch((error: unknown) => options.logger.warn({ err: error, issuer }, 'could not fetch the issuer\'s keys yet; will retry on the first token')),
    close: async () => {
      await idp?.close();
      if (options.outbound === undefined) await outbound.close();
    },
  };
}
