// From a backend's `auth: { type: oauth }` to the credentials the gateway
// presents: every URL the flow discovers (resource metadata, authorization
// server metadata, registration and token endpoints) is fetched through the
// outbound guard (docs/security.md section 3); the backend's own origin,
// which the operator wrote, is trusted, and any other internal address must
// be opened by `outbound.allow`. The flow's code (the SDK's client auth) is
// imported on the first request that needs a token, so a gateway without
// such a backend never loads it.

import type { BackendOAuthConfig } from '../../config/backend-oauth-schema.ts';
import type { HttpBackendConfig } from '../../config/backend-schema.ts';
import type { OutboundGuard } from '../../outbound/outbound-guard.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { OAuthClientStateStore } from './client-state-store.ts';
import type { BackendAuthorizer, OAuthBackendCredentials } from './oauth-backend-credentials.ts';

export interface OAuthWiring {
  store: OAuthClientStateStore;
  outbound: OutboundGuard;
  logger: Logger;
  authorizer: BackendAuthorizer | undefined;
}

export function oauthBackendCredentials(backend: HttpBackendConfig, auth: BackendOAuthConfig, wiring: OAuthWiring): OAuthBackendCredentials {
  let loading: Promise<OAuthBackendCredentials> | undefined;
  const load = () => (loading ??= import('./oauth-backend-credentials.ts').then(({ createOAuthBackendCredentials }) => createOAuthBackendCredentials({
    backend: backend.name,
    serverUrl: backend.url,
    config: auth,
    store: wiring.store,
    // The company IdP's token endpoint (grant id_jag) is the operator's word too.
    fetch: wiring.outbound.fetcher({ trustedOrigins: [new URL(backend.url).origin, ...(auth.idpTokenEndpoint === undefined ? [] : [new URL(auth.idpTokenEndpoint).origin])] }),
    logger: wiring.logger,
    ...(wiring.authorizer === undefined ? {} : { authorizer: wiring.authorizer }),
  })));
  return {
    type: 'oauth',
    headersFor: async (caller) => (await load()).headersFor(caller),
    answerChallenge: async (challenge) => (await load()).answerChallenge?.(challenge) ?? false,
    authorize: async (scope) => (await load()).authorize(scope),
  };
}
