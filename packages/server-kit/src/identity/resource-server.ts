// The server as an OAuth 2.1 resource server (MCP basic/authorization):
// it publishes RFC 9728 Protected Resource Metadata naming its authorization
// servers and scopes, and refuses a request without a valid bearer token with
// 401 and a `WWW-Authenticate` challenge pointing at that document.

import {
  getOAuthProtectedResourceMetadataUrl,
  requireBearerAuth,
  type AuthInfo,
  type OAuthTokenVerifier,
} from '@modelcontextprotocol/server';

export interface ResourceServerOptions {
  /** This server's MCP endpoint as clients reach it, e.g. https://orders.example.com/mcp; also the token audience. */
  resourceUrl: URL;
  /** Issuer URLs of the authorization servers that mint tokens for this server. */
  authorizationServers: readonly string[];
  verifier: OAuthTokenVerifier;
  /** Scopes this server understands; defaults to every scope its tools and resources declare. */
  scopesSupported?: readonly string[];
  resourceName?: string;
}

export interface ResourceServerGate {
  /** The RFC 9728 document, if `request` asks for it. */
  metadataResponse(request: Request): Response | undefined;
  /** The verified token, or the 401/403 to send. */
  authenticate(request: Request): Promise<AuthInfo | Response>;
  readonly metadataUrl: string;
}

export function resourceServerGate(options: ResourceServerOptions, declaredScopes: readonly string[]): ResourceServerGate {
  const metadataUrl = getOAuthProtectedResourceMetadataUrl(options.resourceUrl);
  const metadataPath = new URL(metadataUrl).pathname;
  const document = {
    resource: options.resourceUrl.href,
    authorization_servers: [...options.authorizationServers],
    scopes_supported: [...(options.scopesSupported ?? declaredScopes)],
    bearer_methods_supported: ['header'],
    ...(options.resourceName !== undefined && { resource_name: options.resourceName }),
  };
  const gate = requireBearerAuth({ verifier: options.verifier, resourceMetadataUrl: metadataUrl, expectedResource: options.resourceUrl });
  return {
    metadataUrl,
    metadataResponse(request) {
      const path = new URL(request.url).pathname;
      // RFC 9728 section 3.1: the path-suffixed location; the bare one too, for clients that probe it first.
      if (path !== metadataPath && path !== '/.well-known/oauth-protected-resource') return undefined;
      return Response.json(document, { headers: { 'cache-control': 'max-age=300', 'access-control-allow-origin': '*' } });
    },
    authenticate: gate,
  };
}
