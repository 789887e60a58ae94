// The gateway as one backend's OAuth client, in the shape the official SDK's
// `auth()` drives (OAuthClientProvider): the SDK does discovery (RFC 9728,
// RFC 8414 / OIDC), registration (CIMD, else DCR), PKCE, the resource
// indicator (RFC 8707, checked against the PRM `resource`), the RFC 9207
// `iss` check and the issuer binding of stored credentials (SEP-2352); this
// file says who the gateway is and keeps what it obtains in the state store.

import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createPrivateKeyJwtAuth, DpopSession, requestJwtAuthorizationGrant, type AddClientAuthentication, type FetchLike, type OAuthClientMetadata, type OAuthClientProvider, type OAuthDiscoveryState, type StoredOAuthClientInformation, type StoredOAuthTokens } from '@modelcontextprotocol/client';
import type { BackendOAuthConfig } from '../../config/backend-oauth-schema.ts';
import type { OAuthClientState, OAuthClientStateStore } from './client-state-store.ts';
import { gatewayClientMetadata } from './client-metadata-document.ts';

const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export class GatewayOAuthProvider implements OAuthClientProvider {
  readonly #backend: string;
  readonly #config: BackendOAuthConfig;
  readonly #store: OAuthClientStateStore;
  #state: OAuthClientState = {};
  #codeVerifier: string | undefined;
  #expectedState: string | undefined;
  #authorizationUrl: URL | undefined;
  #issuer: string | undefined;
  #resourceUrl: string | undefined;
  readonly #fetch: FetchLike | undefined;
  #dpop: Promise<DpopSession> | undefined;
  readonly addClientAuthentication?: AddClientAuthentication;

  constructor(backend: string, config: BackendOAuthConfig, store: OAuthClientStateStore, fetchFn?: FetchLike) {
    this.#backend = backend;
    this.#config = config;
    this.#store = store;
    this.#fetch = fetchFn;
    if (config.tokenEndpointAuthMethod === 'private_key_jwt' && config.privateKey !== undefined && config.clientId !== undefined) {
      // RFC 7523 section 2.2: the client's own assertion, issuer and subject its client_id.
      this.addClientAuthentication = createPrivateKeyJwtAuth({ issuer: config.clientId, subject: config.clientId, privateKey: config.privateKey, alg: config.signingAlgorithm ?? 'ES256' });
    }
  }

  /**
   * The DPoP key (RFC 9449) when `dpop: true`: the SDK signs token requests
   * with it, and the gateway every request to the backend. Held in memory
   * only, so tokens bound to it end with the process (the next 401 gets new ones).
   */
  dpop(): Promise<DpopSession> | undefined {
    if (this.#config.isDpop !== true) return undefined;
    this.#dpop ??= DpopSession.create();
    return this.#dpop;
  }

  /** Reads the stored state once, before the first use. */
  async load(): Promise<void> {
    this.#state = (await this.#store.load(this.#backend)) ?? {};
  }

  get storedTokens(): OAuthClientState['tokens'] {
    return this.#state.tokens;
  }

  get redirectUrl(): string | undefined {
    // No redirect: the SDK treats the flow as non-interactive and asks the token endpoint directly.
    return this.#config.grant === 'authorization_code' ? this.#config.redirectUri : undefined;
  }

  get clientMetadataUrl(): string | undefined {
    return this.#config.grant === 'authorization_code' ? this.#config.clientIdMetadataUrl : undefined;
  }

  get clientMetadata(): OAuthClientMetadata {
    if (this.#config.grant === 'id_jag' || this.#config.grant === 'jwt_bearer') {
      // A workload's JWT is its credential: no client secret (SEP-1933), unless the server registered one.
      const method = this.#config.tokenEndpointAuthMethod ?? (this.#config.grant === 'jwt_bearer' ? 'none' : 'client_secret_basic');
      return { client_name: 'Gatehouse', redirect_uris: [], grant_types: [JWT_BEARER_GRANT], token_endpoint_auth_method: method };
    }
    if (this.#config.grant === 'client_credentials') {
      return { client_name: 'Gatehouse', redirect_uris: [], grant_types: ['client_credentials'], token_endpoint_auth_method: this.#config.tokenEndpointAuthMethod ?? 'client_secret_basic', ...(this.#config.scope === undefined ? {} : { scope: this.#config.scope }) };
    }
    return gatewayClientMetadata({ clientId: this.#config.clientIdMetadataUrl, redirectUris: [this.#config.redirectUri], ...(this.#config.scope === undefined ? {} : { scope: this.#config.scope }) });
  }

  state(): string {
    this.#expectedState = randomBytes(16).toString('base64url');
    return this.#expectedState;
  }

  /** The `state` sent with the last authorization request (RFC 6749 section 10.12: the callback must return it). */
  get expectedState(): string | undefined {
    return this.#expectedState;
  }

  clientInformation(): StoredOAuthClientInformation | undefined {
    const { clientId, clientSecret, tokenEndpointAuthMethod } = this.#config;
    // Pre-registered: given without an issuer stamp, so the SDK binds it to the issuer discovery finds.
    if (clientId !== undefined) {
      return { client_id: clientId, ...(clientSecret === undefined ? {} : { client_secret: clientSecret }), ...(tokenEndpointAuthMethod === undefined || tokenEndpointAuthMethod === 'private_key_jwt' ? {} : { token_endpoint_auth_method: tokenEndpointAuthMethod }) };
    }
    return this.#state.clientInformation;
  }

  async saveClientInformation(clientInformation: StoredOAuthClientInformation): Promise<void> {
    if (this.#config.clientId !== undefined) return;
    this.#state.clientInformation = clientInformation;
    await this.#persist();
  }

  tokens(): StoredOAuthTokens | undefined {
    return this.#state.tokens;
  }

  async saveTokens(tokens: StoredOAuthTokens): Promise<void> {
    // A refresh answer may omit the refresh token (RFC 6749 section 6): the old one stays valid then.
    const refreshToken = tokens.refresh_token ?? this.#state.tokens?.refresh_token;
    this.#state.tokens = { ...tokens, ...(refreshToken === undefined ? {} : { refresh_token: refreshToken }), obtainedAt: Date.now() };
    await this.#persist();
  }

  redirectToAuthorization(authorizationUrl: URL): void {
    this.#authorizationUrl = authorizationUrl;
  }

  /** The authorization URL the last `auth()` asked a person to open, once. */
  takeAuthorizationUrl(): URL | undefined {
    const url = this.#authorizationUrl;
    this.#authorizationUrl = undefined;
    return url;
  }

  saveCodeVerifier(codeVerifier: string): void {
    this.#codeVerifier = codeVerifier;
  }

  codeVerifier(): string {
    if (this.#codeVerifier === undefined) throw new Error('no PKCE code verifier: the authorization request was not started by this gateway process');
    return this.#codeVerifier;
  }

  saveAuthorizationServerUrl(issuer: string): void {
    this.#issuer = issuer;
  }

  saveResourceUrl(resourceUrl: string): void {
    this.#resourceUrl = resourceUrl;
  }

  prepareTokenRequest(scope?: string): URLSearchParams | Promise<URLSearchParams> | undefined {
    if (this.#config.grant === 'id_jag') return this.#identityAssertionGrant(scope);
    if (this.#config.grant === 'jwt_bearer') return this.#workloadAssertionGrant(scope);
    if (this.#config.grant !== 'client_credentials') return undefined;
    const params = new URLSearchParams({ grant_type: 'client_credentials' });
    if (scope !== undefined && scope !== '') params.set('scope', scope);
    return params;
  }

  /**
   * Enterprise-Managed Authorization (SEP-990): the company IdP exchanges the
   * gateway's ID token for an ID-JAG naming this backend's authorization
   * server and resource (RFC 8693), which that server takes as a JWT bearer
   * grant (RFC 7523). The IdP's policy decides whether the gateway reaches
   * this backend at all.
   */
  async #identityAssertionGrant(scope: string | undefined): Promise<URLSearchParams> {
    const { idpTokenEndpoint, idpClientId, idpClientSecret, idTokenFile } = this.#config;
    if (this.#issuer === undefined || this.#resourceUrl === undefined) throw new Error('the backend publishes no protected resource metadata, which an identity assertion grant needs (its resource and authorization server)');
    const idToken = (await readFile(idTokenFile!, 'utf8')).trim();
    const grant = await requestJwtAuthorizationGrant({
      tokenEndpoint: idpTokenEndpoint!,
      audience: this.#issuer,
      resource: this.#resourceUrl,
      idToken,
      clientId: idpClientId!,
      ...(idpClientSecret === undefined ? {} : { clientSecret: idpClientSecret }),
      ...(scope === undefined ? {} : { scope }),
      ...(this.#fetch === undefined ? {} : { fetchFn: this.#fetch }),
    });
    const params = new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion: grant.jwtAuthGrant });
    if (scope !== undefined && scope !== '') params.set('scope', scope);
    return params;
  }

  /** Workload identity federation (SEP-1933): the platform's JWT for this workload, as an RFC 7523 grant. */
  async #workloadAssertionGrant(scope: string | undefined): Promise<URLSearchParams> {
    const assertion = (await readFile(this.#config.assertionFile!, 'utf8')).trim();
    const params = new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion });
    if (scope !== undefined && scope !== '') params.set('scope', scope);
    return params;
  }

  discoveryState(): OAuthDiscoveryState | undefined {
    return this.#state.discoveryState;
  }

  async saveDiscoveryState(state: OAuthDiscoveryState): Promise<void> {
    this.#state.discoveryState = state;
    await this.#persist();
  }

  async invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): Promise<void> {
    if (scope === 'all' || scope === 'client') delete this.#state.clientInformation;
    if (scope === 'all' || scope === 'tokens') delete this.#state.tokens;
    if (scope === 'all' || scope === 'verifier') this.#codeVerifier = undefined;
    if (scope === 'all' || scope === 'discovery') delete this.#state.discoveryState;
    await this.#persist();
  }

  async #persist(): Promise<void> {
    await this.#store.save(this.#backend, this.#state);
  }
}
