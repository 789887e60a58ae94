// A headless authorization code + PKCE login of a demo user at the embedded
// IdP with auto-login (DEVELOPMENT ONLY): what `gatehouse token --user` and
// tests use to get a token by which an agent acts for a user. It does what a
// browser would (follow redirects, keep cookies) and what a client must
// (PKCE S256, state, the RFC 9207 `iss` check, RFC 8707 `resource`).

import { createHash, randomBytes } from 'node:crypto';
import { requestToken, type TokenResponse } from '../oauth-token-client.ts';

export interface DemoLoginOptions {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  clientId: string;
  clientSecret: string;
  /** Sent as `login_hint`; the embedded IdP's auto-login signs in that demo user. */
  user: string;
  resource: string;
  scope?: string;
  /** A loopback redirect URI registered for the client. Default http://127.0.0.1/callback. */
  redirectUri?: string;
}

/** Follows an authorization URL like a browser until the IdP redirects to `redirectUri`; returns that URL. */
export async function followAuthorization(authorizationUrl: string | URL, redirectUri: string, maxHops = 10): Promise<URL> {
  const cookies = new Map<string, string>();
  const target = new URL(redirectUri);
  let url = new URL(authorizationUrl);
  for (let hop = 0; hop < maxHops; hop++) {
    const response = await fetch(url, {
      redirect: 'manual',
      headers: cookies.size === 0 ? {} : { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
      signal: AbortSignal.timeout(10_000),
    });
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(';', 1)[0]!;
      const equals = pair.indexOf('=');
      cookies.set(pair.slice(0, equals).trim(), pair.slice(equals + 1).trim());
    }
    const location = response.headers.get('location');
    if (location === null) {
      const text = (await response.text()).slice(0, 300);
      throw new Error(`the login stopped at ${url.origin}${url.pathname} with HTTP ${response.status} (interactive login needed? auto_login may be off): ${text}`);
    }
    await response.body?.cancel();
    url = new URL(location, url);
    if (url.origin === target.origin && url.pathname === target.pathname) return url;
  }
  throw new Error('too many redirects during the login');
}

export async function loginDemoUser(options: DemoLoginOptions): Promise<TokenResponse> {
  const redirectUri = options.redirectUri ?? 'http://127.0.0.1/callback';
  const codeVerifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const url = new URL(options.authorizationEndpoint);
  url.search = new URLSearchParams({
    client_id: options.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: options.scope ?? '',
    state,
    login_hint: options.user,
    resource: options.resource,
    code_challenge: createHash('sha256').update(codeVerifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  const callback = await followAuthorization(url, redirectUri);
  // RFC 9207 section 2.4: compare `iss` before using the code, on errors too.
  if (callback.searchParams.get('iss') !== options.issuer) throw new Error(`the authorization response names issuer "${callback.searchParams.get('iss')}", not ${options.issuer}`);
  if (callback.searchParams.get('state') !== state) throw new Error('the authorization response carries another state');
  const error = callback.searchParams.get('error');
  if (error !== null) throw new Error(`the authorization server refused: ${error} ${callback.searchParams.get('error_description') ?? ''}`.trim());
  return requestToken(options.tokenEndpoint, {
    grant_type: 'authorization_code',
    code: callback.searchParams.get('code') ?? '',
    redirect_uri: redirectUri,
    code_verifier: codeVerifier,
    resource: options.resource,
  }, { clientId: options.clientId, clientSecret: options.clientSecret });
}
