// The embedded default's OpenID Provider (oidc-provider) on its own port:
// client credentials for agents, authorization code + PKCE for interactive
// clients, Client ID Metadata Documents and dynamic registration, RFC 9207
// `iss` in responses, RFC 8707 resource indicators as JWT `aud`, and RFC 8693
// token exchange. DEVELOPMENT ONLY: fixed demo secrets, in-memory storage,
// optional auto-login of the demo user.

import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { AddressInfo } from 'node:net';
import { parse as parseQuery } from 'node:querystring';
import type { JWK } from 'jose';
import Provider, { errors, type ClientMetadata, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { OutboundGuard } from '../outbound/outbound-guard.ts';
import { TOKEN_EXCHANGE_GRANT } from './backend-credentials.ts';
import { AGENT_LISTING_PATH, DEMO_AGENTS, DEMO_ALL_SCOPES, DEMO_CONSOLE_CLIENT, DEMO_GATEWAY_CLIENT, DEMO_USERS, type DirectoryAgent, type DirectoryUser } from './embedded-idp/demo-directory.ts';
import { handleInteraction } from './embedded-idp/interactions.ts';
import { createSigningKeys } from './embedded-idp/signing-keys.ts';
import { APP_ONLY_CLAIMS, createTokenExchangeGrant, TOKEN_EXCHANGE_PARAMETERS } from './embedded-idp/token-exchange-grant.ts';
import { createIdJagGrant, ID_JAG_PARAMETERS, JWT_BEARER_GRANT, type EnterpriseIdp } from './embedded-idp/id-jag-grant.ts';
import type { SeenGrants } from './embedded-idp/seen-grants.ts';
import type { Logger } from '../telemetry/logger.ts';

// Not an ESM import of node:http, for the reason transport/mcp-http-server.ts gives.
const { createServer } = process.getBuiltinModule('node:http');

export interface EmbeddedIdpOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** The issuer as clients reach it, when not http://{host}:{port}. */
  publicIssuer?: string;
  /** The gateway as clients reach it: every resource under it is a valid RFC 8707 target. */
  gatewayBaseUrl: string;
  /** The resource of tokens requested without one. Default `{gatewayBaseUrl}/mcp`. */
  defaultResource?: string;
  /** Backend resources the gateway's own client may get tokens for (client credentials, token exchange), with their scopes. */
  backendResources?: Readonly<Record<string, readonly string[]>>;
  /** Every scope a gateway token can carry. Default: the demo's. */
  scopes?: readonly string[];
  /**
   * The read scopes the gateway's 401 challenge asks every client for, whoever
   * it acts for (MCP Scope Selection Strategy): granted as far as the agent or
   * user holds them. Any other scope they cannot hold is refused with
   * `invalid_scope`. Default: none.
   */
  baselineScopes?: readonly string[];
  agents?: readonly DirectoryAgent[];
  users?: readonly DirectoryUser[];
  /** The claim a directory entry's `tenant` is issued in (`tenants.claim`); absent: tenants are not issued. */
  tenantClaim?: string;
  /** The gateway's own service client; null for none. */
  gatewayClient?: { name: string; secret: string } | null;
  /** The web console's client (admin/console-auth.ts); null for none. Default the demo's. */
  consoleClient?: { name: string; secret: string; redirectPath: string } | null;
  /** Default 600 s: short-lived tokens, 5 to 15 minutes, limit what a leaked one can do (docs/security.md). */
  accessTokenTtlSeconds?: number;
  /** Sign in the first demo user and consent without a page. Default true. */
  isAutoLogin?: boolean;
  /**
   * The outbound guard every fetch of the provider goes through (Client ID
   * Metadata Documents, `sector_identifier_uri`, a client's `jwks_uri`): these
   * URLs come from callers. Default: a guard with an empty allow list.
   */
  outbound?: OutboundGuard;
  /** Company identity providers whose ID-JAGs the JWT bearer grant accepts (embedded-idp/id-jag-grant.ts); default none. */
  enterpriseIdps?: readonly EnterpriseIdp[];
  /** Where used ID-JAG ids are kept: the shared Redis when replicas share one (redis-seen-grants.ts); default this process. */
  seenGrants?: SeenGrants;
  /** Private signing JWKs to keep tokens valid across restarts, or those a start began generating early; default: new keys now. */
  signingKeys?: readonly JWK[] | Promise<readonly JWK[]>;
  logger?: Logger;
}

export interface EmbeddedIdp {
  readonly issuer: string;
  readonly agents: readonly DirectoryAgent[];
  readonly users: readonly DirectoryUser[];
  close(): Promise<void>;
}

export { AGENT_LISTING_PATH } from './embedded-idp/demo-directory.ts';

const CIMD_DRAFT = 'draft-02';

export async function startEmbeddedIdp(options: EmbeddedIdpOptions): Promise<EmbeddedIdp> {
  const agents = options.agents ?? DEMO_AGENTS;
  const users = options.users ?? DEMO_USERS;
  const gatewayClient = options.gatewayClient === undefined ? DEMO_GATEWAY_CLIENT : options.gatewayClient;
  const consoleClient = options.consoleClient === undefined ? DEMO_CONSOLE_CLIENT : options.consoleClient;
  const gatewayBase = options.gatewayBaseUrl.replace(/\/$/, '');
  const defaultResource = options.defaultResource ?? `${gatewayBase}/mcp`;
  const gatewayScopes = [...(options.scopes ?? DEMO_ALL_SCOPES)];
  const backendResources = new Map(Object.entries(options.backendResources ?? {}).map(([resource, scopes]) => [resource, new Set(scopes)]));
  const ttl = options.accessTokenTtlSeconds ?? 600;
  const enterpriseIdps = options.enterpriseIdps ?? [];
  const agentsById = new Map(agents.map((agent) => [agent.name, agent]));
  const tenantClaimOf = (tenant: string | undefined): Record<string, string> => (tenant === undefined || options.tenantClaim === undefined ? {} : { [options.tenantClaim]: tenant });
  const usersById = new Map(users.map((user) => [user.id, user]));
  const delegableScopes = [...new Set(users.flatMap((user) => user.scopes))];
  const baselineScopes = new Set(options.baselineScopes ?? []);
  const isGatewayResource = (resource: string) => resource === gatewayBase || resource.startsWith(`${gatewayBase}/`);
  const keys = await createSigningKeys(options.signingKeys);
  const outbound = options.outbound ?? new OutboundGuard();
  // draft-ietf-oauth-client-id-metadata-document and OIDC Registration: these URLs are https, every redirect hop too.
  const guardedFetch = outbound.fetcher({ isHttpsRequired: true });

  const server = createServer();
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const issuer = (options.publicIssuer ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/$/, '');
  const basePath = new URL(issuer).pathname.replace(/\/$/, '');

  function allowedScopes(ctx: KoaContextWithOIDC, resource: string, clientId: string): string[] {
    const grantType = (ctx.oidc.params as { grant_type?: string } | undefined)?.grant_type;
    if (gatewayClient !== null && clientId === gatewayClient.name) {
      const backend = backendResources.get(resource);
      return backend === undefined ? [] : [...backend];
    }
    if (!isGatewayResource(resource)) return [];
    const agent = agentsById.get(clientId);
    if (agent !== undefined) return [...agent.scopes];
    // The console asks for every admin role's scope; its user picker narrows the grant to the user's own (interactions.ts).
    if (consoleClient !== null && clientId === consoleClient.name && grantType !== 'client_credentials') return gatewayScopes;
    // Registered or metadata-document clients only act for a signed-in user, who delegates at most their own scopes.
    return grantType === 'client_credentials' ? [] : delegableScopes;
  }

  const clients: ClientMetadata[] = agents.map((agent) => ({
    client_id: agent.name,
    client_secret: agent.secret,
    client_name: `${agent.name} (demo agent: ${agent.description})`,
    grant_types: ['client_credentials', 'authorization_code', 'refresh_token', TOKEN_EXCHANGE_GRANT, ...(enterpriseIdps.length === 0 ? [] : [JWT_BEARER_GRANT])],
    response_types: ['code'],
    // RFC 8252 section 7.3: a native client's loopback redirect matches on any port.
    application_type: 'native',
    redirect_uris: ['http://127.0.0.1/callback', 'http://localhost/callback'],
    token_endpoint_auth_method: 'client_secret_basic',
  }));
  if (gatewayClient !== null) {
    clients.push({
      client_id: gatewayClient.name,
      client_secret: gatewayClient.secret,
      client_name: 'Gatehouse gateway (service identity)',
      grant_types: ['client_credentials', TOKEN_EXCHANGE_GRANT],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    });
  }

  if (consoleClient !== null) {
    clients.push({
      client_id: consoleClient.name,
      client_secret: consoleClient.secret,
      client_name: 'Gatehouse web console',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      // The admin listener is on loopback by default, on a port chosen at start: RFC 8252 section 7.3 matches any port.
      application_type: 'native',
      redirect_uris: [`http://127.0.0.1${consoleClient.redirectPath}`, `http://localhost${consoleClient.redirectPath}`],
      token_endpoint_auth_method: 'client_secret_basic',
    });
  }

  const configuration: Configuration = {
    clients,
    // OAuth 2.1 keeps only the code flow (no implicit, no hybrid).
    responseTypes: ['code'],
    jwks: { keys: keys.privateJwks } as Configuration['jwks'],
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: ['openid', 'offline_access', 'profile', 'email'],
    claims: { openid: ['sub'], profile: ['name'], email: ['email'] },
    async findAccount(_ctx, id) {
      const user = usersById.get(id);
      if (user === undefined) return undefined;
      return { accountId: user.id, claims: () => ({ sub: user.id, name: user.name, email: user.email }) };
    },
    async extraTokenClaims(_ctx, token) {
      const kind = (token as { kind?: string }).kind;
      if (kind === 'ClientCredentials') {
        const agent = agentsById.get((token as { clientId?: string }).clientId ?? '');
        return { ...APP_ONLY_CLAIMS, ...(agent === undefined ? {} : { roles: [...agent.roles], ...tenantClaimOf(agent.tenant) }) };
      }
      const user = usersById.get((token as { accountId?: string }).accountId ?? '');
      return user === undefined ? undefined : { roles: [...user.roles], ...tenantClaimOf(user.tenant) };
    },
    // OAuth 2.1 section 7.5.2 and the MCP spec: PKCE for every authorization code, confidential clients too.
    pkce: { required: () => true },
    interactions: { url: (_ctx, interaction) => `${basePath}/interaction/${interaction.uid}` },
    // Browser-based clients (MCP Inspector) call the token endpoint cross-origin; acceptable for a dev IdP.
    clientBasedCORS: () => true,
    ttl: { AccessToken: ttl, ClientCredentials: ttl, AuthorizationCode: 60, IdToken: ttl, Interaction: 600, Session: 3600, Grant: 3600, RefreshToken: 86_400 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      // Deprecated by MCP 2026-07-28 in favour of metadata documents, kept for older clients (Client Registration).
      registration: { enabled: true },
      clientIdMetadataDocument: { enabled: true, ack: CIMD_DRAFT },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx, _client, oneOf) => oneOf ?? defaultResource,
        useGrantedResource: () => true,
        getResourceServerInfo(ctx, resource, client) {
          if (!isGatewayResource(resource) && !backendResources.has(resource)) {
            throw new errors.InvalidTarget(`${resource} is not served here: use the gateway's URL (${defaultResource})`);
          }
          const scope = allowedScopes(ctx, resource, client.clientId);
          refuseUndelegableScope(ctx, scope, baselineScopes);
          return {
            scope: scope.join(' '),
            audience: resource,
            accessTokenTTL: ttl,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
    // Every outbound request of oidc-provider goes through configuration.fetch; its own dispatcher (which connects first and checks after) is replaced by the guard's.
    fetch: ((url: string | URL, init: RequestInit & { dispatcher?: unknown }) => {
      const { dispatcher: _replaced, ...rest } = init;
      return guardedFetch(url, rest);
    }) as unknown as Configuration['fetch'],
    fetchResponseBodyLimits: { 'client_id metadata document': 5 * 1024, jwks_uri: 64 * 1024, sector_identifier_uri: 64 * 1024 },
  };

  const provider = new Provider(issuer, configuration);
  provider.registerGrantType(
    TOKEN_EXCHANGE_GRANT,
    createTokenExchangeGrant({
      issuer,
      keys,
      accessTokenTtlSeconds: ttl,
      isAcceptedSubjectAudience: isGatewayResource,
      // Only a token from a user's sign-in acts for a user; anything else (client credentials, or exchanged from them) is its client's own.
      isAppOnlySubject: (claims) => claims.idtyp === APP_ONLY_CLAIMS.idtyp || typeof claims.sub !== 'string' || !usersById.has(claims.sub) || claims.sub === claims.client_id,
      targetScopes: (resource) => (isGatewayResource(resource) ? new Set(gatewayScopes) : backendResources.get(resource)),
    }) as Parameters<Provider['registerGrantType']>[1],
    TOKEN_EXCHANGE_PARAMETERS,
  );
  if (enterpriseIdps.length > 0) {
    provider.registerGrantType(
      JWT_BEARER_GRANT,
      createIdJagGrant({
        issuer, keys, idps: enterpriseIdps, isGatewayResource, gatewayScopes, accessTokenTtlSeconds: ttl,
        ...(options.tenantClaim === undefined ? {} : { tenantClaim: options.tenantClaim }),
        ...(options.seenGrants === undefined ? {} : { seenGrants: options.seenGrants }),
      }) as Parameters<Provider['registerGrantType']>[1],
      ID_JAG_PARAMETERS,
    );
  }
  provider.on('server_error', (_ctx, error) => options.logger?.error({ err: error }, 'embedded IdP server error'));
  const handle = provider.callback();
  const interactionOptions = { provider, users, isAutoLogin: options.isAutoLogin ?? true, basePath, baselineScopes, pickerClients: new Set(consoleClient === null ? [] : [consoleClient.name]) };

  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const url = request.url ?? '/';
    const pathname = url.split('?', 1)[0]!;
    if (handleInteraction(interactionOptions, request, response, pathname)) return;
    if (request.method === 'GET' && pathname === `${basePath}${AGENT_LISTING_PATH}`) {
      const body = JSON.stringify({ agents: agents.map(({ name, scopes, roles, description, tenant }) => ({ name, scopes, roles, description, ...(tenant === undefined ? {} : { tenant }) })), users: users.map(({ id, name, scopes }) => ({ id, name, scopes })) });
      response.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
      response.end(body);
      return;
    }
    // RFC 8414 section 3.1: the same document under the OAuth well-known name, which MCP clients try first.
    if (pathname === `/.well-known/oauth-authorization-server${basePath}` || pathname === `${basePath}/.well-known/oauth-authorization-server`) {
      request.url = `${basePath}/.well-known/openid-configuration`;
    }
    // RFC 6749 section 3.3: an authorization request without scope gets a pre-defined default, the gateway's read
    // scopes (granted as far as the user holds them), rather than a grant of nothing that ends in access_denied.
    if (request.method === 'GET' && pathname === `${basePath}/auth`) request.url = withDefaultScope(url, baselineScopes);
    const rewrite = request.method !== 'POST' ? undefined : pathname === `${basePath}/token` ? defaultAgentScope : pathname === `${basePath}/reg` ? dropRegisteredScope : undefined;
    if (rewrite !== undefined) {
      readBody(request).then((text) => rewrite(request, text, agentsById)).then(() => handle(request, response), () => {
        response.writeHead(400, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: 'invalid_request', error_description: 'the request body could not be read' }));
      });
      return;
    }
    handle(request, response);
  });

  options.logger?.warn({ issuer, agents: agents.map((agent) => agent.name), autoLogin: interactionOptions.isAutoLogin },
    'embedded identity provider started: DEVELOPMENT ONLY (fixed demo secrets, in-memory tokens); point authentication.oauth_issuer at your IdP in production');

  return {
    issuer,
    agents,
    users,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (options.outbound === undefined) await outbound.close();
    },
  };
}

/** OpenID Connect scopes, which are about the ID token and never about the gateway resource. */
const OIDC_SCOPES = new Set(['openid', 'offline_access', 'profile', 'email']);

/**
 * RFC 6749 section 5.2 (and 4.1.2.1 at the authorization endpoint): a scope
 * the client cannot hold is `invalid_scope`, not a silently narrower token,
 * which an MCP client would only meet again as a 403 and step up for in a
 * loop. Checked where the client asks (client credentials, the authorization
 * request); what a signed-in user may delegate is checked at consent.
 */
function refuseUndelegableScope(ctx: KoaContextWithOIDC, allowed: readonly string[], baselineScopes: ReadonlySet<string>): void {
  const params = ctx.oidc.params as { scope?: string; grant_type?: string } | undefined;
  const isRequest = ctx.oidc.route === 'authorization' || params?.grant_type === 'client_credentials';
  if (!isRequest || typeof params?.scope !== 'string') return;
  const held = new Set(allowed);
  const refused = params.scope.split(' ').filter((scope) => scope !== '' && !OIDC_SCOPES.has(scope) && !held.has(scope) && !baselineScopes.has(scope));
  if (refused.length > 0) {
    throw new errors.InvalidScope(`client "${ctx.oidc.client?.clientId ?? '?'}" may not hold ${refused.join(', ')}; ask only for scopes it holds (${allowed.join(' ') || 'none'})`, refused.join(' '));
  }
}

/** The authorization request URL with `scope` set to the defaults when it names none; unchanged otherwise. */
export function withDefaultScope(url: string, defaults: ReadonlySet<string>): string {
  const separator = url.indexOf('?');
  const query = new URLSearchParams(separator === -1 ? '' : url.slice(separator + 1));
  if (query.has('scope') || defaults.size === 0) return url;
  query.set('scope', [...defaults].join(' '));
  return `${separator === -1 ? url : url.slice(0, separator)}?${query.toString()}`;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > 56 * 1024) throw new Error('request too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * An agent asking for client credentials without `scope` gets all of its
 * configured scopes (oidc-provider would grant none). The parsed body is
 * handed on as `req.body`, which oidc-provider reads when the stream is spent.
 */
function defaultAgentScope(request: IncomingMessage, text: string, agentsById: ReadonlyMap<string, DirectoryAgent>): void {
  const body = parseQuery(text);
  if (body.grant_type === 'client_credentials' && (body.scope === undefined || body.scope === '')) {
    const clientId = typeof body.client_id === 'string' ? body.client_id : basicClientId(request.headers.authorization);
    const agent = clientId === undefined ? undefined : agentsById.get(clientId);
    if (agent !== undefined) body.scope = agent.scopes.join(' ');
  }
  (request as IncomingMessage & { body?: unknown }).body = body;
}

/**
 * MCP clients register the scope of their first challenge (RFC 7591 `scope`);
 * oidc-provider would refuse scopes it does not know as OpenID scopes, and
 * keeping it would pin the client to that scope and break step-up. RFC 7591
 * section 3.2.1 lets the server drop it: the user's consent bounds the scope.
 */
function dropRegisteredScope(request: IncomingMessage, text: string): void {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (typeof body !== 'object' || body === null) {
    (request as IncomingMessage & { body?: unknown }).body = text;
    return;
  }
  delete (body as Record<string, unknown>).scope;
  (request as IncomingMessage & { body?: unknown }).body = body;
}

function basicClientId(authorization: string | undefined): string | undefined {
  if (authorization === undefined || !authorization.toLowerCase().startsWith('basic ')) return undefined;
  const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? undefined : decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
}
