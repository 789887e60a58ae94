// Finds an issuer's metadata (jwks_uri, introspection and token endpoints) the
// way the MCP authorization spec tells clients to: RFC 8414 path insertion,
// then OpenID Connect Discovery insertion and appending, with the document's
// `issuer` required to equal the issuer asked for.

export interface AuthorizationServerMetadata {
  issuer: string;
  jwks_uri?: string;
  token_endpoint?: string;
  introspection_endpoint?: string;
  authorization_endpoint?: string;
  registration_endpoint?: string;
  [key: string]: unknown;
}

export type Fetch = typeof globalThis.fetch;

class DiscoveryError extends Error {
  readonly code = 'discovery_failed';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'DiscoveryError';
  }
}

/** The well-known URLs to try, in the MCP authorization spec's order (Authorization Server Metadata Discovery). */
function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  if (path === '') {
    return [`${url.origin}/.well-known/oauth-authorization-server`, `${url.origin}/.well-known/openid-configuration`];
  }
  return [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${url.origin}/.well-known/openid-configuration${path}`,
    `${url.origin}${path}/.well-known/openid-configuration`,
  ];
}

/** Fetches and validates the issuer's metadata; a document naming another issuer is never used (RFC 8414 section 3.3). */
export async function discoverAuthorizationServer(issuer: string, options: { fetch?: Fetch; timeoutMs?: number } = {}): Promise<AuthorizationServerMetadata> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const failures: string[] = [];
  for (const url of metadataUrls(issuer)) {
    let response: Response;
    try {
      response = await fetchImpl(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(options.timeoutMs ?? 5000) });
    } catch (error) {
      failures.push(`${url}: ${(error as Error).message}`);
      continue;
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      failures.push(`${url}: HTTP ${response.status}`);
      continue;
    }
    let document: unknown;
    try {
      document = await response.json();
    } catch {
      failures.push(`${url}: not JSON`);
      continue;
    }
    if (typeof document !== 'object' || document === null || (document as { issuer?: unknown }).issuer !== issuer) {
      failures.push(`${url}: its "issuer" is not exactly ${issuer}`);
      continue;
    }
    return document as AuthorizationServerMetadata;
  }
  throw new DiscoveryError(`No usable metadata for issuer ${issuer} (${failures.join('; ')}); check authentication.oauth_issuer or set jwks_uri`);
}
