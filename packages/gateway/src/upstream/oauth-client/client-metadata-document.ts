// The gateway's own OAuth client identity as a Client ID Metadata Document
// (draft-ietf-oauth-client-id-metadata-document; MCP authorization 2025-11-25,
// "Client ID Metadata Documents"): an authorization server that supports CIMD
// fetches this JSON from the URL the gateway presents as its client_id, so
// the gateway needs no registration at each server. Served by the gateway at
// CLIENT_METADATA_PATH on its public origin.

import type { OAuthClientMetadata } from '@modelcontextprotocol/client';
import { CLIENT_METADATA_PATH } from '../../config/backend-oauth-schema.ts';
import type { BackendConfig } from '../../config/backend-schema.ts';

export interface ClientMetadataOptions {
  /** The document's own URL: CIMD requires `client_id` to equal it. */
  clientId: string | undefined;
  redirectUris: readonly string[];
  scope?: string;
}

/** The metadata the gateway registers with (CIMD document and DCR body alike). */
export function gatewayClientMetadata(options: ClientMetadataOptions): OAuthClientMetadata {
  return {
    ...(options.clientId === undefined ? {} : { client_id: options.clientId }),
    client_name: 'Gatehouse MCP gateway',
    redirect_uris: [...options.redirectUris],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    // A public client: a CIMD client has no secret to present (the document is public), so PKCE protects the code.
    token_endpoint_auth_method: 'none',
    // RFC 8252: the operator's browser returns to a loopback port `gatehouse backend authorize` listens on.
    application_type: 'native',
    ...(options.scope === undefined ? {} : { scope: options.scope }),
  } as OAuthClientMetadata;
}

export interface ClientMetadataResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Answers CLIENT_METADATA_PATH when some backend's `auth` names a
 * `client_id_metadata_url` on this path: one document for the gateway, with
 * every such backend's redirect URI. Undefined for other paths, or when no
 * backend uses CIMD.
 */
export function createClientMetadataResponder(backends: readonly BackendConfig[]): ((pathname: string) => ClientMetadataResponse | undefined) {
  const cimd = backends.flatMap((backend) => backend.auth.type === 'oauth' && backend.auth.clientIdMetadataUrl !== undefined && new URL(backend.auth.clientIdMetadataUrl).pathname === CLIENT_METADATA_PATH ? [backend.auth] : []);
  if (cimd.length === 0) return () => undefined;
  const clientIds = new Set(cimd.map((auth) => auth.clientIdMetadataUrl!));
  const [clientId] = clientIds;
  const document = gatewayClientMetadata({ clientId, redirectUris: [...new Set(cimd.map((auth) => auth.redirectUri))] });
  const body = JSON.stringify(document);
  return (pathname) => pathname !== CLIENT_METADATA_PATH ? undefined : {
    status: 200,
    headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300', 'content-length': String(Buffer.byteLength(body)) },
    body,
  };
}
