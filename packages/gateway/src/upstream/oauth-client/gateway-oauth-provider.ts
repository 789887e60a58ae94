// The gateway as one backend's OAuth client, in the shape the official SDK's
// `auth()` drives (OAuthClientProvider): the SDK does discovery (RFC 9728,
// RFC 8414 / OIDC), registration (CIMD, else DCR), PKCE, the resource
// indicator (RFC 8707, checked against the PRM `resource`), the RFC 9207
// `iss` check and the issuer binding of stored credentials (SEP-2352); this
// file says who the gateway is and keeps what it obtains in the state store.

import { randomBytes } from 'node:crypto';
import { createPrivateKeyJwtAuth, type AddClientAuthentication, type OAuthClientMetadata, type OAuthClientProvider, type OAuthDiscoveryState, type StoredOAuthClientInformation, type StoredOAuthTokens } from '@modelcontextprotocol/client';
import type { BackendOAuthConfig } from '../../config/backend-oauth-schema.ts';
import type { OAuthClientState, OAuthClientStateStore } from './client-state-store.ts';
import { gatewayClientMetadata } from './client-metadata-document.ts';

export class GatewayOAuthProvider implements OAuthClientProvider {
  readonly #backend: string;
  readonly #config: BackendOAuthConfig;
  readonly #store: OAuthClientStateStore;
  #state: OAuthClientState = {};
  #codeVerifier: string | undefined;
  #expectedState: string | undefined;
  #authorizationUrl: URL | undefined;
  readonly addClientAuthentication?: AddClientAuthentication;

  constructor(backend: string, config: BackendOAuthConfig, store: OAuthClientStateStore) {
    this.#backend = backend;
    this.#config = config;
    this.#store = store;
    if (config.tokenEndpointAuthMethod === 'private_key_jwt' && config.privateKey !== undefined && config.clientId !== undefined) {
      // RFC 7523 section 2.2: the client's own assertion, issuer and subject its client_id.
      this.addClientAuthentication = createPrivateKeyJwtAuth({ issuer: config.clientId, subject: config.clientId, privateKey: config.privateKey, alg: config.signingAlgorithm ?? 'ES256' });
    }
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
    return this.#config.grant === 'client_credentials' ? undefined : this.#config.redirectUri;
  }

  get clientMetadataUrl(): string | undefined {
    return this.#config.grant === 'client_credentials' ? undefined : this.#config.clientIdMetadataUrl;
  }

  get clientMetadata(): OAuthClientMetadata {
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

  prepareTokenRequest(scope?: string): URLSearchParams | undefined {
    if (this.#config.grant !== 'client_credentials') return undefined;
    const params = new URLSearchParams({ grant_type: 'client_credentials' });
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
