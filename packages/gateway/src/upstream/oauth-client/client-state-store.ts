// Where the gateway keeps what it holds as the OAuth client of its backends:
// per backend, the client registration (DCR or CIMD, stamped with the
// authorization server's issuer), the tokens and refresh token, and the
// discovery state the authorization-code callback is checked against. The
// interface is here; SQLite (the default, one file beside the gateway's
// other state) and Redis (with `session_store: redis://...`, so replicas
// share one consent) implement it.

import type { OAuthDiscoveryState, StoredOAuthClientInformation, StoredOAuthTokens } from '@modelcontextprotocol/client';

export interface OAuthClientState {
  clientInformation?: StoredOAuthClientInformation;
  /** `obtainedAt` (ms since epoch) turns `expires_in` into an expiry. */
  tokens?: StoredOAuthTokens & { obtainedAt?: number };
  discoveryState?: OAuthDiscoveryState;
}

export interface OAuthClientStateStore {
  load(backend: string): Promise<OAuthClientState | undefined>;
  save(backend: string, state: OAuthClientState): Promise<void>;
  close(): Promise<void>;
}

export class MemoryOAuthClientStateStore implements OAuthClientStateStore {
  readonly #states = new Map<string, string>();

  async load(backend: string): Promise<OAuthClientState | undefined> {
    const text = this.#states.get(backend);
    return text === undefined ? undefined : JSON.parse(text) as OAuthClientState;
  }

  async save(backend: string, state: OAuthClientState): Promise<void> {
    this.#states.set(backend, JSON.stringify(state));
  }

  async close(): Promise<void> {}
}
