// From a backend's `auth` in gatehouse.yaml to the credentials the gateway
// presents to it. Pure. A `named` credential (`auth: service-account-x`,
// docs/configuration.md) is a bearer token the loader read from the
// environment (config/backend-auth.ts); `oauth_passthrough` reaches here only
// for a backend the loader checked accepts the gateway's own audience.

import type { AuthenticationConfig } from '../config/schema.ts';
import type { BackendAuthConfig } from '../config/backend-schema.ts';
import { DEMO_GATEWAY_CLIENT } from './embedded-idp/demo-directory.ts';
import type { BackendCredentialOptions } from './backend-credentials.ts';
import type { ClientAuthentication } from './oauth-token-client.ts';

export function backendCredentialOptions(auth: BackendAuthConfig, serviceClient: ClientAuthentication | undefined): BackendCredentialOptions | undefined {
  switch (auth.type) {
    case 'static_header':
      return { type: 'static_header', header: auth.header, value: auth.value };
    case 'named':
      if (auth.secret === undefined) throw new TypeError(`the named credential "${auth.name}" was not resolved; configs are loaded through config/load.ts, which resolves it`);
      return { type: 'static_header', header: 'authorization', value: `Bearer ${auth.secret}` };
    case 'oauth_passthrough':
      if (auth.audience === undefined) throw new TypeError('oauth_passthrough without an audience is refused by config/backend-auth.ts');
      return { type: 'oauth_passthrough', audience: auth.audience };
    case 'oauth_client_credentials':
      return { type: 'oauth_client_credentials', tokenUrl: auth.tokenUrl, client: { clientId: auth.clientId, clientSecret: auth.clientSecret }, ...(auth.scope === undefined ? {} : { scope: auth.scope }) };
    case 'token_exchange':
      if (serviceClient === undefined) return undefined;
      return { type: 'token_exchange', tokenUrl: auth.tokenUrl, client: serviceClient, ...(auth.audience === undefined ? {} : { audience: auth.audience }) };
    default:
      return undefined;
  }
}

/**
 * The gateway's own client at the IdP (token exchange): `authentication.service_client`,
 * else, with the embedded provider, its demo service client.
 */
export function serviceClientOf(authentication: AuthenticationConfig | undefined): ClientAuthentication | undefined {
  if (authentication === undefined || authentication.isAnonymousAllowed) return undefined;
  if (authentication.serviceClient !== undefined) return authentication.serviceClient;
  if (authentication.embeddedIdp === undefined) return undefined;
  return { clientId: DEMO_GATEWAY_CLIENT.name, clientSecret: DEMO_GATEWAY_CLIENT.secret };
}
