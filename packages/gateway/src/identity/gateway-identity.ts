// Identity as one gateway process uses it, assembled from the config: the
// token verifier (the embedded OpenID Provider's or the company IdP's), the
// authorization rules, the Protected Resource Metadata documents and the
// HTTP authentication the transport calls. With no `authentication` section,
// or `allow_anonymous`, every caller is anonymous.

import type { GatewayConfig } from '../config/schema.ts';
import type { Logger } from '../telemetry/logger.ts';
import { compileAuthorization, type Authorization, type AuthorizationRules } from './authorization.ts';
import { startEmbeddedIdp, type EmbeddedIdp } from './embedded-idp.ts';
import { DEMO_ALL_SCOPES, DEMO_AUTHORIZATION_RULES, DEMO_SCOPE_HIERARCHY } from './embedded-idp/demo-directory.ts';
import { createHttpAuthentication, type HttpAuthentication } from './http-authentication.ts';
import { createResourceMetadataResponder, gatewayResourceIdentifiers, type ResourceMetadataResponse } from './resource-metadata.ts';
import { createTokenVerifier, type TokenVerifier } from './token-verifier.ts';
import type { CallerMode } from './caller.ts';
import { isAuthError, type AuthError } from './auth-error.ts';
import type { IncomingMessage } from 'node:http';
import type { Caller } from './caller.ts';

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
  close(): Promise<void>;
}

export interface AssembleIdentityOptions {
  /** The gateway as clients reach it (resource identifiers and metadata URLs are built from it). */
  publicBaseUrl: string;
  backendNames: readonly string[];
  logger: Logger;
  /** The CLI's --allow-anonymous. */
  isAnonymousForced?: boolean;
  onRefusal?: (error: AuthError) => void;
}

/** Backend `required_scope` from the config becomes the authorization rule the playbook means. */
function rulesFromConfig(config: GatewayConfig, base: AuthorizationRules): AuthorizationRules {
  const backends = { ...base.backends };
  for (const backend of config.backends) {
    if (backend.requiredScope === undefined) continue;
    backends[backend.name] = { ...backends[backend.name], requiredScope: backend.requiredScope };
  }
  return { ...base, backends };
}

export async function assembleIdentity(config: GatewayConfig, options: AssembleIdentityOptions): Promise<GatewayIdentity> {
  const settings = config.authentication;
  const raw = settings?.raw ?? {};
  const isAnonymous = options.isAnonymousForced === true || settings === undefined || raw.allow_anonymous === true;
  const endpointPaths = new Set(['/mcp', ...options.backendNames.map((name) => `/servers/${name}/mcp`)]);
  const embedded = raw.embedded_idp === true || (typeof raw.embedded_idp === 'object' && raw.embedded_idp !== null);
  const isEmbedded = !isAnonymous && settings?.oauthIssuer === undefined && (embedded || raw.embedded_idp === undefined);
  const baseRules: AuthorizationRules = isEmbedded ? DEMO_AUTHORIZATION_RULES : {};
  const authorization = compileAuthorization(rulesFromConfig(config, baseRules));

  if (isAnonymous) {
    if (settings !== undefined) options.logger.warn('AUTHENTICATION IS OFF (allow_anonymous): every caller is anonymous and every audit record says so; never run this way in production');
    return {
      isEnforced: false,
      authentication: createHttpAuthentication({ verifier: undefined, publicBaseUrl: options.publicBaseUrl }),
      authorization,
      metadata: () => undefined,
      issuer: undefined,
      authenticateBearer: async () => undefined,
      close: async () => {},
    };
  }

  let idp: EmbeddedIdp | undefined;
  let issuer = settings?.oauthIssuer;
  if (isEmbedded) {
    const idpSettings = (typeof raw.embedded_idp === 'object' && raw.embedded_idp !== null ? raw.embedded_idp : {}) as { host?: unknown; port?: unknown };
    idp = await startEmbeddedIdp({
      host: typeof idpSettings.host === 'string' ? idpSettings.host : '127.0.0.1',
      // An interpolated `${GATEHOUSE_IDP_PORT:-8082}` arrives as text.
      port: idpSettings.port === undefined ? 8082 : Number(idpSettings.port),
      gatewayBaseUrl: options.publicBaseUrl,
      logger: options.logger,
    });
    issuer = idp.issuer;
  }
  const mode = (raw.mode as CallerMode | undefined) ?? 'hybrid';
  const audiences = [...gatewayResourceIdentifiers(options.publicBaseUrl, options.backendNames), ...(settings?.audience === undefined ? [] : [settings.audience])];
  const verifier: TokenVerifier = createTokenVerifier({
    issuer: issuer!,
    audiences,
    mode,
    logger: options.logger,
    ...(typeof raw.jwks_uri === 'string' ? { jwksUri: raw.jwks_uri } : {}),
    ...(Array.isArray(raw.algorithms) ? { algorithms: raw.algorithms as string[] } : {}),
    ...(isEmbedded ? { claims: { scopeHierarchy: DEMO_SCOPE_HIERARCHY } } : {}),
  });
  void verifier.prefetch().catch((error: unknown) => options.logger.warn({ err: error, issuer }, 'could not fetch the issuer\'s keys yet; will retry on the first token'));
  const scopesSupported = Array.isArray(raw.scopes_supported)
    ? (raw.scopes_supported as string[])
    : isEmbedded ? [...DEMO_ALL_SCOPES] : authorization.baselineScopes(options.backendNames);
  return {
    isEnforced: true,
    authentication: createHttpAuthentication({
      verifier,
      publicBaseUrl: options.publicBaseUrl,
      // What a client should ask for on a 401: every scope these backends' rules mention; the provider grants the part the client may have.
      challengeScopes: (backend) => authorization.scopesFor(backend === undefined ? options.backendNames : [backend]),
      ...(options.onRefusal === undefined ? {} : { onRefusal: options.onRefusal }),
    }),
    authorization,
    metadata: createResourceMetadataResponder({ publicBaseUrl: options.publicBaseUrl, authorizationServers: [issuer!], scopesSupported }, (path) => endpointPaths.has(path)),
    issuer,
    authenticateBearer: async (request) => {
      try {
        return await verifier.authenticate(request.headers.authorization);
      } catch (error) {
        if (isAuthError(error)) return undefined;
        throw error;
      }
    },
    close: async () => {
      await idp?.close();
    },
  };
}
