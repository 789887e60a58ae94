// RFC 9728 Protected Resource Metadata for the gateway's MCP endpoints: the
// document that tells a client which authorization server(s) issue tokens
// for `/mcp` and `/servers/{name}/mcp`, served at the root well-known URI and
// at the path-suffixed form (RFC 9728 section 3.1) the MCP spec lists first.

const RESOURCE_METADATA_PREFIX = '/.well-known/oauth-protected-resource';

export interface ResourceMetadataOptions {
  /** The gateway as clients reach it, e.g. https://mcp.example.com or http://127.0.0.1:8080 (a path is allowed). */
  publicBaseUrl: string;
  /** RFC 9728 `authorization_servers`: issuer identifiers; MCP requires at least one. */
  authorizationServers: readonly string[];
  /** `scopes_supported`: the minimal scopes for basic use (MCP Scope Selection Strategy); per endpoint when a function. */
  scopesSupported?: readonly string[] | ((endpointPath: string) => readonly string[]);
  resourceName?: string;
  resourceDocumentation?: string;
  /** Seconds clients may cache the document. Default 300. */
  maxAgeSeconds?: number;
}

export interface ResourceMetadataResponse {
  status: 200;
  headers: Record<string, string>;
  body: string;
}

/** `https://gw.example.com` + `/mcp` -> `https://gw.example.com/mcp`; `''` is the gateway as a whole. */
export function resourceIdentifier(publicBaseUrl: string, endpointPath: string): string {
  // MCP Canonical Server URI: no trailing slash unless significant, no fragment.
  return `${trimSlash(publicBaseUrl)}${endpointPath}`;
}

/** RFC 9728 section 3.1: the well-known segment goes between host and path. */
export function resourceMetadataUrl(publicBaseUrl: string, endpointPath: string): string {
  const base = new URL(trimSlash(publicBaseUrl));
  const basePath = base.pathname === '/' ? '' : trimSlash(base.pathname);
  return `${base.origin}${RESOURCE_METADATA_PREFIX}${basePath}${endpointPath}`;
}

/** Every resource identifier of the gateway: its base, `/mcp`, and each backend's endpoint (token audiences to accept). */
export function gatewayResourceIdentifiers(publicBaseUrl: string, backendNames: readonly string[]): string[] {
  return [
    resourceIdentifier(publicBaseUrl, ''),
    resourceIdentifier(publicBaseUrl, '/mcp'),
    ...backendNames.map((name) => resourceIdentifier(publicBaseUrl, backendEndpointPath(name))),
  ];
}

export function backendEndpointPath(backendName: string): string {
  return `/servers/${encodeURIComponent(backendName)}/mcp`;
}

function resourceMetadataDocument(options: ResourceMetadataOptions, endpointPath: string): Record<string, unknown> {
  if (options.authorizationServers.length === 0) throw new TypeError('Protected Resource Metadata needs at least one authorization server');
  const scopes = typeof options.scopesSupported === 'function' ? options.scopesSupported(endpointPath) : options.scopesSupported;
  const document: Record<string, unknown> = {
    resource: resourceIdentifier(options.publicBaseUrl, endpointPath),
    authorization_servers: [...options.authorizationServers],
    // MCP Access Token Usage: the Authorization header only, never the query string.
    bearer_methods_supported: ['header'],
  };
  // MCP Refresh Tokens: offline_access is not a resource requirement, so it is never advertised here.
  if (scopes !== undefined) document.scopes_supported = scopes.filter((scope) => scope !== 'offline_access');
  if (options.resourceName !== undefined) document.resource_name = options.resourceName;
  if (options.resourceDocumentation !== undefined) document.resource_documentation = options.resourceDocumentation;
  return document;
}

/**
 * Serves the metadata documents: give it a request path; it answers for the
 * root form and for the suffix of every path `isEndpoint` accepts, and
 * returns undefined for anything else (let the router 404 it).
 */
export function createResourceMetadataResponder(
  options: ResourceMetadataOptions,
  isEndpoint: (endpointPath: string) => boolean,
): (pathname: string) => ResourceMetadataResponse | undefined {
  const basePath = (() => {
    const path = new URL(trimSlash(options.publicBaseUrl)).pathname;
    return path === '/' ? '' : trimSlash(path);
  })();
  const rendered = new Map<string, ResourceMetadataResponse>();
  const headers = {
    'content-type': 'application/json',
    'cache-control': `public, max-age=${options.maxAgeSeconds ?? 300}`,
    // Browser-based clients (MCP Inspector) read this document cross-origin.
    'access-control-allow-origin': '*',
  };
  return (pathname) => {
    if (!pathname.startsWith(RESOURCE_METADATA_PREFIX)) return undefined;
    let suffix = trimSlash(pathname.slice(RESOURCE_METADATA_PREFIX.length));
    if (suffix !== '' && !suffix.startsWith('/')) return undefined;
    if (basePath !== '') {
      if (suffix !== basePath && !suffix.startsWith(`${basePath}/`)) return suffix === '' ? answer('') : undefined;
      suffix = suffix.slice(basePath.length);
    }
    if (suffix !== '' && !isEndpoint(suffix)) return undefined;
    return answer(suffix);
  };

  function answer(endpointPath: string): ResourceMetadataResponse {
    let response = rendered.get(endpointPath);
    if (response === undefined) {
      response = { status: 200, headers, body: JSON.stringify(resourceMetadataDocument(options, endpointPath)) };
      if (rendered.size < 1024) rendered.set(endpointPath, response);
    }
    return response;
  }
}

function trimSlash(value: string): string {
  return value.endsWith('/') ? value.slice(0, -1) : value;
}
