// What the gateway presents to a backend, per backend: nothing, a static
// header from a secret, its own service token (OAuth client credentials,
// cached and refreshed before expiry), or a token for the backend obtained by
// RFC 8693 token exchange of the caller's token (on-behalf-of, cached per
// caller and backend). The client's own token is forwarded only to a backend
// declared to accept the gateway's audience, and only when the token carries
// that audience: otherwise it would be token passthrough, which MCP
// authorization forbids (Access Token Privilege Restriction).

import { createHash } from 'node:crypto';
import { presentedTokenOf, type Caller } from './caller.ts';
import type { Fetch } from './authorization-server-metadata.ts';
import { isOAuthRequestError, requestToken, type ClientAuthentication, type TokenResponse } from './oauth-token-client.ts';
import type { Logger } from '../telemetry/logger.ts';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

export type BackendCredentialOptions =
  | { type: 'none' }
  /** `value` is the secret itself (resolved from the environment by the config loader), e.g. `Bearer abc` for `authorization`. */
  | { type: 'static_header'; header: string; value: string }
  | {
      type: 'oauth_client_credentials';
      tokenUrl: string;
      client: ClientAuthentication;
      scope?: string;
      /** RFC 8707 `resource` for the backend's token. */
      resource?: string;
      /** `audience`, for IdPs that use it instead of `resource` (Auth0). */
      audience?: string;
      /** Refresh this long before expiry at the latest. Default 60 s. */
      refreshBeforeExpirySeconds?: number;
    }
  | {
      type: 'token_exchange';
      tokenUrl: string;
      /** The gateway's own client, which authenticates the exchange (RFC 8693 section 2.1). */
      client: ClientAuthentication;
      resource?: string;
      audience?: string;
      scope?: string;
      /** Default 1000 cached exchanged tokens (per backend). */
      maxCacheEntries?: number;
    }
  /** The caller's own token, to a backend that validates tokens issued for the gateway's `audience`. */
  | { type: 'oauth_passthrough'; audience: string };

export interface BackendCredentialContext {
  /** For messages: which backend these credentials are for. */
  backend?: string;
  fetch?: Fetch;
  logger?: Logger;
  now?: () => number;
}

export type CredentialHeaders = Readonly<Record<string, string>>;

export interface BackendCredentials {
  readonly type: BackendCredentialOptions['type'] | 'oauth';
  /** Headers to add to a backend request, synchronously when a cached token is fresh. Rejects with a BackendCredentialError. */
  headersFor(caller?: Caller): Promise<CredentialHeaders> | CredentialHeaders;
  /**
   * The backend answered 401 or 403: get what its challenge asks for (a token,
   * a refreshed one, more scope). True when the request should be sent again;
   * `attempt` counts the earlier answers for this request. Only the gateway's
   * own OAuth client (upstream/oauth-client/) has it.
   */
  answerChallenge?(challenge: BackendChallenge): Promise<boolean>;
}

export interface BackendChallenge {
  status: number;
  wwwAuthenticate: string | undefined;
  /** The backend's `DPoP-Nonce` (RFC 9449 section 9), when it sent one. */
  dpopNonce?: string | undefined;
  attempt: number;
}

const BRAND = Symbol.for('gatehouse.BackendCredentialError');

export class BackendCredentialError extends Error {
  readonly [BRAND] = true;
  /** `caller_token_refused`: this caller's token cannot be used for the backend; the caller must get another, the backend is fine. */
  readonly code: 'backend_credentials_failed' | 'no_subject_token' | 'caller_token_refused';
  readonly isTransient: boolean;
  constructor(code: 'backend_credentials_failed' | 'no_subject_token' | 'caller_token_refused', message: string, options: { isTransient?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'BackendCredentialError';
    this.code = code;
    this.isTransient = options.isTransient ?? false;
  }
}

export function isBackendCredentialError(value: unknown): value is BackendCredentialError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

const NO_HEADERS: CredentialHeaders = Object.freeze({});
/** RFC 6749 section 5.1 makes expires_in optional; assume a short life when it is missing. */
const DEFAULT_LIFETIME_SECONDS = 300;

export function createBackendCredentials(options: BackendCredentialOptions, context: BackendCredentialContext = {}): BackendCredentials {
  switch (options.type) {
    case 'none':
      return { type: 'none', headersFor: () => NO_HEADERS };
    case 'static_header': {
      const headers = Object.freeze({ [options.header.toLowerCase()]: options.value });
      return { type: 'static_header', headersFor: () => headers };
    }
    case 'oauth_client_credentials':
      return clientCredentials(options, context);
    case 'token_exchange':
      return tokenExchange(options, context);
    case 'oauth_passthrough':
      return passthrough(options, context);
  }
}

function passthrough(options: Extract<BackendCredentialOptions, { type: 'oauth_passthrough' }>, context: BackendCredentialContext): BackendCredentials {
  return {
    type: 'oauth_passthrough',
    headersFor(caller) {
      const token = caller === undefined ? undefined : presentedTokenOf(caller);
      if (caller === undefined || token === undefined) {
        return Promise.reject(new BackendCredentialError('no_subject_token', `Backend "${context.backend ?? '?'}" is reached with the caller's own token and this request carries none; authenticate to the gateway with an access token`));
      }
      // A token the gateway accepted for another of its audiences (its /mcp URL, say) is not one this backend was declared to accept.
      if (!caller.audience.includes(options.audience)) {
        return Promise.reject(new BackendCredentialError('caller_token_refused', `Backend "${context.backend ?? '?'}" accepts only tokens issued for audience "${options.audience}", and this caller's token is for ${caller.audience.map((audience) => `"${audience}"`).join(', ') || 'no audience'}; passing it on would be token passthrough, which MCP authorization forbids. Get a token with audience "${options.audience}"`));
      }
      return { authorization: `Bearer ${token}` };
    },
  };
}

interface CachedToken {
  headers: CredentialHeaders;
  expiresAt: number;
  refreshAt: number;
}

function clientCredentials(options: Extract<BackendCredentialOptions, { type: 'oauth_client_credentials' }>, context: BackendCredentialContext): BackendCredentials {
  const now = context.now ?? Date.now;
  const refreshBeforeMs = (options.refreshBeforeExpirySeconds ?? 60) * 1000;
  let current: CachedToken | undefined;
  let inFlight: Promise<CachedToken> | undefined;

  function fetchToken(): Promise<CachedToken> {
    inFlight ??= (async () => {
      try {
        const requestedAt = now();
        const response = await requestToken(options.tokenUrl, {
          grant_type: 'client_credentials',
          scope: options.scope,
          resource: options.resource,
          audience: options.audience,
        }, options.client, fetchOption(context));
        current = cachedFrom(response, requestedAt, refreshBeforeMs);
        return current;
      } catch (error) {
        throw credentialFailure(context, 'its service token could not be obtained', error);
      } finally {
        inFlight = undefined;
      }
    })();
    return inFlight;
  }

  return {
    type: 'oauth_client_credentials',
    headersFor() {
      const at = now();
      if (current !== undefined && at < current.expiresAt) {
        // Refresh ahead of expiry in the background; the still-valid token serves meanwhile.
        if (at >= current.refreshAt && inFlight === undefined) {
          fetchToken().catch((error: unknown) => context.logger?.warn({ err: error, backend: context.backend }, 'backend service token refresh failed; the current token serves until it expires'));
        }
        return current.headers;
      }
      return fetchToken().then((token) => token.headers);
    },
  };
}

function tokenExchange(options: Extract<BackendCredentialOptions, { type: 'token_exchange' }>, context: BackendCredentialContext): BackendCredentials {
  const now = context.now ?? Date.now;
  const maxEntries = options.maxCacheEntries ?? 1000;
  const cache = new Map<string, CachedToken>();
  const inFlight = new Map<string, Promise<CachedToken>>();

  return {
    type: 'token_exchange',
    headersFor(caller) {
      const subjectToken = caller === undefined ? undefined : presentedTokenOf(caller);
      if (caller === undefined || subjectToken === undefined) {
        return Promise.reject(new BackendCredentialError('no_subject_token', `Backend "${context.backend ?? '?'}" is reached on behalf of the caller (RFC 8693 token exchange) and this request carries no caller token; authenticate to the gateway with an access token`));
      }
      // Per caller token: the exchanged token carries exactly this token's subject and scopes.
      const key = createHash('sha256').update(subjectToken).digest('base64url');
      const cached = cache.get(key);
      const at = now();
      if (cached !== undefined && at < cached.refreshAt) return cached.headers;
      let pending = inFlight.get(key);
      if (pending === undefined) {
        pending = (async () => {
          try {
            const response = await requestToken(options.tokenUrl, {
              grant_type: TOKEN_EXCHANGE_GRANT,
              subject_token: subjectToken,
              subject_token_type: ACCESS_TOKEN_TYPE,
              requested_token_type: ACCESS_TOKEN_TYPE,
              resource: options.resource,
              audience: options.audience,
              scope: options.scope,
            }, options.client, fetchOption(context));
            const token = cachedFrom(response, at, 30_000);
            // Never outlive the token it was exchanged from.
            if (caller.expiresAt !== undefined && caller.expiresAt < token.expiresAt) {
              token.expiresAt = caller.expiresAt;
              token.refreshAt = Math.min(token.refreshAt, caller.expiresAt);
            }
            cache.delete(key);
            cache.set(key, token);
            if (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
            return token;
          } catch (error) {
            throw credentialFailure(context, `the caller's token could not be exchanged for one for this backend`, error);
          } finally {
            inFlight.delete(key);
          }
        })();
        inFlight.set(key, pending);
      }
      return pending.then((token) => token.headers);
    },
  };
}

function cachedFrom(response: TokenResponse, requestedAt: number, refreshBeforeMs: number): CachedToken {
  const lifetimeMs = (typeof response.expires_in === 'number' && response.expires_in > 0 ? response.expires_in : DEFAULT_LIFETIME_SECONDS) * 1000;
  const expiresAt = requestedAt + lifetimeMs;
  // Refresh at three quarters of the life, or `refreshBeforeMs` before the end, whichever comes first.
  const refreshAt = Math.min(requestedAt + lifetimeMs * 0.75, expiresAt - refreshBeforeMs);
  const scheme = typeof response.token_type === 'string' && response.token_type.toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer';
  return { headers: Object.freeze({ authorization: `${scheme} ${response.access_token}` }), expiresAt, refreshAt };
}

function credentialFailure(context: BackendCredentialContext, what: string, error: unknown): BackendCredentialError {
  const isTransient = isOAuthRequestError(error) ? error.isTransient : true;
  const detail = error instanceof Error ? error.message : String(error);
  return new BackendCredentialError('backend_credentials_failed', `Backend "${context.backend ?? '?'}" was not called: ${what} (${detail})${isTransient ? '; retry shortly' : '; an administrator must fix its credentials'}`, { isTransient, cause: error });
}

function fetchOption(context: BackendCredentialContext): { fetch?: Fetch } {
  return context.fetch === undefined ? {} : { fetch: context.fetch };
}
