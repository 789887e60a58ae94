// The gateway as an OAuth client of an authorization server: one form POST to
// a token (or introspection) endpoint with client authentication, used for
// client credentials, RFC 8693 token exchange and RFC 7662 introspection.

import type { Fetch } from './authorization-server-metadata.ts';

export interface ClientAuthentication {
  clientId: string;
  clientSecret: string;
  /** Default client_secret_basic (RFC 6749 section 2.3.1). */
  method?: 'client_secret_basic' | 'client_secret_post';
}

export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in?: number;
  scope?: string;
  issued_token_type?: string;
  [key: string]: unknown;
}

const BRAND = Symbol.for('gatehouse.OAuthRequestError');

/** A token endpoint said no, or could not be reached. */
export class OAuthRequestError extends Error {
  readonly [BRAND] = true;
  readonly code = 'oauth_request_failed';
  /** HTTP status, or undefined when the endpoint was unreachable. */
  readonly status: number | undefined;
  /** The RFC 6749 section 5.2 `error`, when the server sent one. */
  readonly oauthError: string | undefined;
  readonly isTransient: boolean;
  constructor(message: string, options: { status?: number; oauthError?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'OAuthRequestError';
    this.status = options.status;
    this.oauthError = options.oauthError;
    this.isTransient = options.status === undefined || options.status >= 500;
  }
}

export function isOAuthRequestError(value: unknown): value is OAuthRequestError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** RFC 6749 section 2.3.1: id and secret are form-urlencoded before Base64, which many forget. */
function basicAuthorization(clientId: string, clientSecret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
}

/** POSTs `parameters` with client authentication and returns the parsed JSON body of a 200. */
export async function postForm(
  url: string,
  parameters: Record<string, string | undefined>,
  auth: ClientAuthentication | undefined,
  options: { fetch?: Fetch; timeoutMs?: number } = {},
): Promise<Record<string, unknown>> {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) if (value !== undefined) body.set(name, value);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (auth !== undefined) {
    if (auth.method === 'client_secret_post') {
      body.set('client_id', auth.clientId);
      body.set('client_secret', auth.clientSecret);
    } else {
      headers.authorization = basicAuthorization(auth.clientId, auth.clientSecret);
    }
  }
  let response: Response;
  try {
    response = await (options.fetch ?? globalThis.fetch)(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(options.timeoutMs ?? 10_000) });
  } catch (error) {
    throw new OAuthRequestError(`${url} could not be reached (${(error as Error).message}); the authorization server may be down, retry shortly`, { cause: error });
  }
  let json: Record<string, unknown> | undefined;
  try {
    json = (await response.json()) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  if (response.status !== 200 || json === undefined || typeof json !== 'object' || json === null) {
    const oauthError = typeof json?.error === 'string' ? json.error : undefined;
    const description = typeof json?.error_description === 'string' ? `: ${json.error_description}` : '';
    throw new OAuthRequestError(`${url} answered HTTP ${response.status}${oauthError === undefined ? '' : ` ${oauthError}`}${description}`, {
      status: response.status,
      ...(oauthError === undefined ? {} : { oauthError }),
    });
  }
  return json;
}

/** A token endpoint request; the response must carry an access token. */
export async function requestToken(
  tokenUrl: string,
  parameters: Record<string, string | undefined>,
  auth: ClientAuthentication | undefined,
  options: { fetch?: Fetch; timeoutMs?: number } = {},
): Promise<TokenResponse> {
  const json = await postForm(tokenUrl, parameters, auth, options);
  if (typeof json.access_token !== 'string' || json.access_token.length === 0) {
    throw new OAuthRequestError(`${tokenUrl} answered without an access_token`, { status: 200 });
  }
  return json as TokenResponse;
}
