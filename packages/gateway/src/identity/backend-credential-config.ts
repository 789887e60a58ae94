// From a backend's `auth` in gatehouse.yaml to the credentials the gateway
// presents to it. Pure. `named` credentials (the playbook's
// `auth: service-account-x`) and `oauth_passthrough` have no credentials here:
// the first needs a credential registry (not built yet), the second is
// refused by design, since MCP forbids passing the client's token through.

import type { BackendAuthConfig } from '../config/schema.ts';
import type { BackendCredentialOptions } from './backend-credentials.ts';
import type { ClientAuthentication } from './oauth-token-client.ts';

export function backendCredentialOptions(auth: BackendAuthConfig, serviceClient: ClientAuthentication | undefined): BackendCredentialOptions | undefined {
  switch (auth.type) {
    case 'static_header':
      return { type: 'static_header', header: auth.header, value: auth.value };
    case 'oauth_client_credentials':
      return { type: 'oauth_client_credentials', tokenUrl: auth.tokenUrl, client: { clientId: auth.clientId, clientSecret: auth.clientSecret }, ...(auth.scope === undefined ? {} : { scope: auth.scope }) };
    case 'token_exchange':
      if (serviceClient === undefined) return undefined;
      return { type: 'token_exchange', tokenUrl: auth.tokenUrl, client: serviceClient, ...(auth.audience === undefined ? {} : { audience: auth.audience }) };
    default:
      return undefined;
  }
}

/** `authentication.service_client` (client_id, client_secret): the gateway's own client at the IdP. */
export function serviceClientOf(raw: Record<string, unknown> | undefined): ClientAuthentication | undefined {
  const client = raw?.service_client as { client_id?: unknown; client_secret?: unknown } | undefined;
  if (typeof client?.client_id !== 'string' || typeof client.client_secret !== 'string') return undefined;
  return { clientId: client.client_id, clientSecret: client.client_secret };
}
