// `auth: { type: oauth }` as the credentials of one backend: the stored
// access token on every request (refreshed ahead of expiry), and the
// answers to the backend's challenges (MCP authorization, "Authorization
// Flow Steps" and "Scope Challenge Handling"): a 401 starts discovery from
// its WWW-Authenticate and gets a token; a 403 `insufficient_scope` asks
// for the union of granted and challenged scopes, at most `max_step_ups`
// times per request. When a person's consent is needed the `authorizer`
// shows the authorization URL (the CLI's loopback flow); a running gateway
// has none and says which command gives it.

import { auth, computeScopeUnion, extractWWWAuthenticateParams, isStrictScopeSuperset, type FetchLike } from '@modelcontextprotocol/client';
import { BackendCredentialError, type BackendChallenge, type BackendCredentials, type CredentialHeaders } from '../../identity/backend-credentials.ts';
import type { BackendOAuthConfig } from '../../config/backend-oauth-schema.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { OAuthClientStateStore } from './client-state-store.ts';
import { GatewayOAuthProvider } from './gateway-oauth-provider.ts';

export interface BackendAuthorizationRequest {
  backend: string;
  authorizationUrl: URL;
  redirectUri: string;
}

/** Shows the authorization URL to a person (or a test's auto-approving user agent) and resolves with the URL the authorization server redirected back to. */
export type BackendAuthorizer = (request: BackendAuthorizationRequest) => Promise<URL>;

export interface OAuthBackendCredentialOptions {
  backend: string;
  /** The backend's MCP endpoint: the protected resource. */
  serverUrl: string;
  config: BackendOAuthConfig;
  store: OAuthClientStateStore;
  /** Discovery, registration and token requests (the outbound guard's fetcher in the gateway). */
  fetch?: FetchLike;
  authorizer?: BackendAuthorizer;
  logger?: Logger;
  now?: () => number;
}

export interface OAuthBackendCredentials extends BackendCredentials {
  /** Runs the whole flow now (the CLI's `backend authorize`): discovery from the backend's challenge, consent, tokens stored. */
  authorize(scope?: string): Promise<void>;
}

/** Refresh this long before `expires_in` runs out, or at three quarters of a shorter life. */
const REFRESH_MARGIN_MS = 30_000;

export function createOAuthBackendCredentials(options: OAuthBackendCredentialOptions): OAuthBackendCredentials {
  const { backend, serverUrl, config } = options;
  const now = options.now ?? Date.now;
  const provider = new GatewayOAuthProvider(backend, config, options.store, options.fetch);
  let loading: Promise<void> | undefined;
  let isLoaded = false;
  let flow: Promise<void> | undefined;

  const load = (): Promise<void> => (loading ??= provider.load().then(() => { isLoaded = true; }));

  function bearer(): CredentialHeaders | Promise<CredentialHeaders> {
    const tokens = provider.storedTokens;
    if (tokens === undefined) return {};
    const dpop = tokens.token_type?.toLowerCase() === 'dpop' ? provider.dpop() : undefined;
    if (dpop === undefined) return { authorization: `Bearer ${tokens.access_token}` };
    // RFC 9449 section 7.1: a fresh proof for each request, bound to the token (`ath`) and carrying the backend's nonce if it sent one.
    return dpop.then(async (session) => ({ authorization: `DPoP ${tokens.access_token}`, dpop: await session.buildProof({ htm: 'POST', htu: serverUrl, accessToken: tokens.access_token }) }));
  }

  function isExpiring(): boolean {
    const tokens = provider.storedTokens;
    if (tokens?.expires_in === undefined || tokens.obtainedAt === undefined) return false;
    const lifetimeMs = tokens.expires_in * 1000;
    return now() >= tokens.obtainedAt + lifetimeMs - Math.min(REFRESH_MARGIN_MS, lifetimeMs / 4);
  }

  /** One flow at a time per backend: concurrent 401s share it. */
  function runFlow(flowOptions: { scope?: string; resourceMetadataUrl?: URL; forceReauthorization?: boolean }): Promise<void> {
    flow ??= authorizeOnce(flowOptions).finally(() => { flow = undefined; });
    return flow;
  }

  async function authorizeOnce(flowOptions: { scope?: string; resourceMetadataUrl?: URL; forceReauthorization?: boolean }): Promise<void> {
    const common = { serverUrl, ...(options.fetch === undefined ? {} : { fetchFn: options.fetch }), ...definedOnly(flowOptions) };
    let result = await auth(provider, common);
    if (result === 'AUTHORIZED') return;
    const authorizationUrl = provider.takeAuthorizationUrl();
    if (options.authorizer === undefined || authorizationUrl === undefined) {
      throw new BackendCredentialError('backend_credentials_failed',
        `backend "${backend}" needs a person's consent (OAuth authorization code${flowOptions.scope === undefined ? '' : `, scope "${flowOptions.scope}"`}); an operator runs \`gatehouse backend authorize ${backend}\`${flowOptions.scope === undefined ? '' : ` --scope "${flowOptions.scope}"`} once, and the gateway then keeps the tokens fresh`);
    }
    const callback = await options.authorizer({ backend, authorizationUrl, redirectUri: config.redirectUri });
    const error = callback.searchParams.get('error');
    if (error !== null) throw new BackendCredentialError('backend_credentials_failed', `the authorization server refused: ${error}${callback.searchParams.has('error_description') ? ` (${callback.searchParams.get('error_description')})` : ''}`);
    // RFC 6749 section 10.12: a callback without our `state` is not an answer to our request.
    if (callback.searchParams.get('state') !== provider.expectedState) throw new BackendCredentialError('backend_credentials_failed', 'the authorization response carries another `state` than the request sent; it is refused (RFC 6749 section 10.12)');
    const code = callback.searchParams.get('code');
    if (code === null) throw new BackendCredentialError('backend_credentials_failed', 'the authorization response carries no code');
    const iss = callback.searchParams.get('iss');
    // The SDK checks `iss` against the issuer it discovered (RFC 9207 section 2.4) before redeeming the code.
    result = await auth(provider, { ...common, authorizationCode: code, ...(iss === null ? {} : { iss }) });
    if (result !== 'AUTHORIZED') throw new BackendCredentialError('backend_credentials_failed', 'the authorization code was not exchanged for a token');
  }

  return {
    type: 'oauth',
    headersFor() {
      if (isLoaded && !isExpiring()) return bearer();
      return load().then(async () => {
        if (isExpiring()) {
          // A refresh (or a new client-credentials token); when it fails, the backend's 401 starts over.
          await runFlow({}).catch((error: unknown) => options.logger?.warn({ err: error, backend }, 'backend OAuth token refresh failed; the backend\'s challenge will start a new authorization'));
        }
        return bearer();
      });
    },
    async answerChallenge(challenge: BackendChallenge): Promise<boolean> {
      await load();
      const params = extractWWWAuthenticateParams(new Response(null, { status: 401, headers: { 'www-authenticate': challenge.wwwAuthenticate ?? '' } }));
      const granted = provider.storedTokens?.scope;
      if (challenge.status === 401 && params.error === 'use_dpop_nonce' && challenge.dpopNonce !== undefined) {
        // RFC 9449 section 9: the same token again, with a proof carrying the backend's nonce; a nonce already sent is refused for good.
        const session = await provider.dpop();
        if (session === undefined || session.nonceFor(serverUrl) === challenge.dpopNonce) return false;
        session.rememberNonce(serverUrl, challenge.dpopNonce);
        return true;
      }
      if (challenge.status === 401) {
        // A second 401 for one request: the fresh token is refused too; more tries would loop.
        if (challenge.attempt > 0) return false;
        // The resource may have moved to another authorization server (SEP-2352): discover again.
        await provider.invalidateCredentials('discovery');
        if (provider.storedTokens?.refresh_token === undefined) await provider.invalidateCredentials('tokens');
        await runFlow(definedOnly({ scope: params.scope, resourceMetadataUrl: params.resourceMetadataUrl }));
        return true;
      }
      if (params.error !== 'insufficient_scope' || challenge.attempt >= config.maxStepUps) return false;
      // Step-up keeps what was granted (SEP-2350); a refresh cannot widen scope (RFC 6749 section 6), so a wider one needs consent.
      const scope = computeScopeUnion(granted, params.scope);
      await runFlow(definedOnly({ scope, resourceMetadataUrl: params.resourceMetadataUrl, forceReauthorization: isStrictScopeSuperset(scope, granted) }));
      return true;
    },
    async authorize(scope) {
      await load();
      await provider.invalidateCredentials('discovery');
      await provider.invalidateCredentials('tokens');
      await runFlow(definedOnly({ scope: scope ?? config.scope, forceReauthorization: true }));
    },
  };
}

function definedOnly<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}
