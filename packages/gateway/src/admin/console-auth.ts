// The web console's sign-in on the admin listener (backend-for-frontend):
// OpenID Connect authorization code + PKCE (RFC 7636) with state and nonce
// against the gateway's issuer, the code exchanged here with the console's
// own client credentials (oauth4webapi), a server-side session
// (console-session.ts) named by an HttpOnly, SameSite=Strict cookie, and
// sign-out. The token never reaches the browser.
//
//   GET  /console/auth/login     redirect to the issuer (prompt=login: pick who signs in)
//   GET  /console/auth/callback  the issuer's answer: code exchange, session, cookie
//   GET  /console/auth/session   who is signed in, and the CSRF value for the page
//   POST /console/auth/logout    end the session (CSRF-checked like any cookie POST)

import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as oauth from 'oauth4webapi';
import { writeJson } from '../transport/http-io.ts';
import type { Caller } from '../identity/caller.ts';
import type { ConsoleClient } from '../identity/gateway-identity.ts';
import { ConsoleSessions, cookieValue, isHttps, MAX_SESSION_MS, SESSION_COOKIE } from './console-session.ts';
import { CONSOLE_SECURITY_HEADERS } from './console-route.ts';

const CONSOLE_AUTH_PREFIX = '/console/auth/';
const CONSOLE_LOGIN_PATH = '/console/auth/login';
const CONSOLE_CALLBACK_PATH = '/console/auth/callback';
const CONSOLE_SESSION_PATH = '/console/auth/session';
const CONSOLE_LOGOUT_PATH = '/console/auth/logout';

/** The short-lived cookie that binds a sign-in's state, nonce and PKCE verifier to the browser that started it. */
const LOGIN_COOKIE = 'gatehouse_console_login';
const LOGIN_TTL_MS = 10 * 60_000;
const MAX_PENDING_LOGINS = 1_000;

/** The admin roles by scope, asked for as far as the issuer knows them; the API decides what each allows. */
const CONSOLE_SCOPES = ['gatehouse.admin', 'gatehouse.approver', 'gatehouse.auditor', 'gatehouse.reviewer'] as const;

export interface ConsoleAuthOptions {
  client: ConsoleClient;
  sessions: ConsoleSessions;
  /** The admin guard's verifier of a bearer token, to read the signed-in caller's scopes. */
  authenticateBearer: (request: IncomingMessage) => Promise<Caller | undefined>;
  /** The issuer's metadata is fetched with this (tests and proxies); default global fetch. */
  fetch?: typeof fetch;
}

interface PendingLogin {
  state: string;
  nonce: string;
  codeVerifier: string;
  redirectUri: string;
  returnTo: string;
  expiresAt: number;
}

export interface ConsoleAuth {
  /** Answers the /console/auth/ routes and returns true; false for any other path. */
  handle(request: IncomingMessage, response: ServerResponse, path: string): boolean;
}

export function createConsoleAuth(options: ConsoleAuthOptions): ConsoleAuth {
  const { client, sessions } = options;
  const issuer = new URL(client.issuer);
  const isInsecure = issuer.protocol === 'http:';
  const httpOptions = { [oauth.allowInsecureRequests]: isInsecure, ...(options.fetch === undefined ? {} : { [oauth.customFetch]: options.fetch }) };
  const oauthClient: oauth.Client = { client_id: client.clientId };
  const clientAuthentication = oauth.ClientSecretBasic(client.clientSecret);
  const pending = new Map<string, PendingLogin>();
  let server: Promise<oauth.AuthorizationServer> | undefined;
  const adminScopes = CONSOLE_SCOPES.filter((name) => client.scopesSupported === undefined || client.scopesSupported.includes(name));
  /** offline_access where the issuer offers it: a refresh token keeps the session past the access token's few minutes. */
  const scopeFor = (as: oauth.AuthorizationServer) => ['openid', 'profile', ...(as.scopes_supported?.includes('offline_access') === true ? ['offline_access'] : []), ...adminScopes].join(' ');

  sessions.renewal = async (session) => {
    const as = await authorizationServer();
    const answer = await oauth.refreshTokenGrantRequest(as, oauthClient, clientAuthentication, session.refreshToken!, { ...httpOptions, additionalParameters: { resource: client.resource } });
    const tokens = await oauth.processRefreshTokenResponse(as, oauthClient, answer);
    return { accessToken: tokens.access_token, refreshToken: tokens.refresh_token ?? session.refreshToken, expiresAt: Date.now() + (tokens.expires_in ?? 300) * 1000 };
  };

  function authorizationServer(): Promise<oauth.AuthorizationServer> {
    server ??= oauth.discoveryRequest(issuer, { ...httpOptions, algorithm: 'oidc' }).then((response) => oauth.processDiscoveryResponse(issuer, response));
    // A failed discovery is tried again on the next sign-in, not remembered.
    server.catch(() => { server = undefined; });
    return server;
  }

  async function login(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const as = await authorizationServer();
    if (as.authorization_endpoint === undefined) throw new Error(`the issuer ${client.issuer} publishes no authorization_endpoint`);
    const now = Date.now();
    for (const [id, login] of pending) if (login.expiresAt <= now) pending.delete(id);
    while (pending.size >= MAX_PENDING_LOGINS) pending.delete(pending.keys().next().value!);
    const login: PendingLogin = {
      state: oauth.generateRandomState(),
      nonce: oauth.generateRandomNonce(),
      codeVerifier: oauth.generateRandomCodeVerifier(),
      redirectUri: `${originOf(request)}${CONSOLE_CALLBACK_PATH}`,
      returnTo: safeReturnTo(new URL(request.url ?? '/', 'http://console.invalid').searchParams.get('return_to')),
      expiresAt: now + LOGIN_TTL_MS,
    };
    const id = randomBytes(24).toString('base64url');
    pending.set(id, login);
    const target = new URL(as.authorization_endpoint);
    const scope = scopeFor(as);
    target.search = new URLSearchParams({
      response_type: 'code',
      client_id: client.clientId,
      redirect_uri: login.redirectUri,
      scope,
      state: login.state,
      nonce: login.nonce,
      code_challenge: await oauth.calculatePKCECodeChallenge(login.codeVerifier),
      code_challenge_method: 'S256',
      resource: client.resource,
      // An approver's workstation may be shared: always ask who signs in, never reuse the issuer's session silently.
      // OpenID Connect Core 11: offline_access is granted only with prompt=consent.
      prompt: scope.includes('offline_access') ? 'login consent' : 'login',
    }).toString();
    response.writeHead(302, {
      location: target.href,
      'cache-control': 'no-store',
      // Lax, not Strict: the issuer's redirect back is a top-level navigation from another site, which a Strict cookie would miss.
      'set-cookie': cookie(LOGIN_COOKIE, id, { path: CONSOLE_AUTH_PREFIX, sameSite: 'Lax', maxAgeSeconds: LOGIN_TTL_MS / 1000, isSecure: isHttps(request) }),
      ...CONSOLE_SECURITY_HEADERS,
    });
    response.end();
  }

  async function callback(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const id = cookieValue(request.headers.cookie, LOGIN_COOKIE);
    const login = id === undefined ? undefined : pending.get(id);
    if (id !== undefined) pending.delete(id);
    const clearLogin = cookie(LOGIN_COOKIE, '', { path: CONSOLE_AUTH_PREFIX, sameSite: 'Lax', maxAgeSeconds: 0, isSecure: isHttps(request) });
    if (login === undefined || login.expiresAt <= Date.now()) {
      return signInFailed(response, 'this sign-in was not started here, or it took longer than 10 minutes', clearLogin);
    }
    const as = await authorizationServer();
    let parameters: URLSearchParams;
    try {
      parameters = oauth.validateAuthResponse(as, oauthClient, new URL(request.url ?? '/', 'http://console.invalid'), login.state);
    } catch (error) {
      return signInFailed(response, describe(error), clearLogin);
    }
    let tokens: oauth.TokenEndpointResponse;
    try {
      const answer = await oauth.authorizationCodeGrantRequest(as, oauthClient, clientAuthentication, parameters, login.redirectUri, login.codeVerifier, { ...httpOptions, additionalParameters: { resource: client.resource } });
      tokens = await oauth.processAuthorizationCodeResponse(as, oauthClient, answer, { expectedNonce: login.nonce, requireIdToken: true });
    } catch (error) {
      return signInFailed(response, describe(error), clearLogin);
    }
    const claims = oauth.getValidatedIdTokenClaims(tokens)!;
    const session = sessions.create({
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token,
      expiresAt: Date.now() + (tokens.expires_in ?? 300) * 1000,
      subject: claims.sub,
      name: typeof claims.name === 'string' ? claims.name : undefined,
      idToken: tokens.id_token,
    });
    // Answered with a page that moves on by itself rather than a redirect: the
    // navigation that brought the browser here started on the issuer's site,
    // and a SameSite=Strict cookie set now would not ride on a redirect of it.
    const target = escapeHtml(login.returnTo);
    response.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'set-cookie': [cookie(SESSION_COOKIE, session.id, { path: '/', sameSite: 'Strict', isSecure: isHttps(request) }), clearLogin],
      ...CONSOLE_SECURITY_HEADERS,
    });
    response.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><meta http-equiv="refresh" content="0;url=${target}"><title>Signed in</title></head><body><p>Signed in. <a href="${target}">Continue to the console</a>.</p></body></html>`);
  }

  async function describeSession(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const session = sessions.of(request);
    const token = session === undefined ? undefined : await sessions.accessTokenOf(session);
    const caller = token === undefined ? undefined : await options.authenticateBearer(withBearer(request, token));
    if (session === undefined || caller === undefined) {
      if (session !== undefined) sessions.end(session);
      // A 200, not a 401: being signed out is this route's ordinary answer, and the page shows the sign-in for it.
      return writeJson(response, 200, { signed_in: false }, { 'cache-control': 'no-store' });
    }
    writeJson(response, 200, {
      signed_in: true,
      subject: session.subject,
      name: session.name ?? null,
      client_id: caller.agent,
      scopes: caller.grantedScopes,
      roles: [...caller.roles],
      csrf: session.csrf,
      // The access token's end without a refresh token; the session's longest life with one.
      expires_at: new Date(session.refreshToken === undefined ? session.expiresAt : session.startedAt + MAX_SESSION_MS).toISOString(),
    }, { 'cache-control': 'no-store' });
  }

  function logout(request: IncomingMessage, response: ServerResponse): void {
    const session = sessions.of(request);
    if (session !== undefined) {
      const refusal = sessions.checkCsrf(request);
      if (refusal !== undefined) return writeJson(response, refusal.status, { error: refusal.message, code: refusal.code });
      sessions.end(session);
    }
    writeJson(response, 200, { signed_out: true }, { 'set-cookie': cookie(SESSION_COOKIE, '', { path: '/', sameSite: 'Strict', maxAgeSeconds: 0, isSecure: isHttps(request) }), 'cache-control': 'no-store' });
  }

  return {
    handle(request, response, path) {
      if (!path.startsWith(CONSOLE_AUTH_PREFIX)) return false;
      const routes: Record<string, [string, () => Promise<void> | void]> = {
        [CONSOLE_LOGIN_PATH]: ['GET', () => login(request, response)],
        [CONSOLE_CALLBACK_PATH]: ['GET', () => callback(request, response)],
        [CONSOLE_SESSION_PATH]: ['GET', () => describeSession(request, response)],
        [CONSOLE_LOGOUT_PATH]: ['POST', () => logout(request, response)],
      };
      const route = routes[path];
      if (route === undefined) {
        writeJson(response, 404, { error: `no console route ${path}` });
        return true;
      }
      if (request.method !== route[0]) {
        writeJson(response, 405, { error: `${path} answers ${route[0]} only` }, { allow: route[0] });
        return true;
      }
      Promise.resolve().then(route[1]).catch((error: unknown) => {
        if (response.headersSent) return void response.end();
        signInFailed(response, `the issuer could not be reached or answered wrongly: ${describe(error)}`, undefined, 502);
      });
      return true;
    },
  };
}

/** Only a path of the console itself: a return_to elsewhere would make the login an open redirect. Pure. */
export function safeReturnTo(value: string | null): string {
  if (value === null || !value.startsWith('/console/') || value.startsWith('//') || value.includes('\\') || /[\u0000-\u001f]/.test(value)) return '/console/';
  return value;
}

interface CookieOptions {
  path: string;
  sameSite: 'Strict' | 'Lax';
  maxAgeSeconds?: number;
  isSecure: boolean;
}

/** A Set-Cookie value (RFC 6265 section 4.1): HttpOnly always, Secure over HTTPS. Pure. */
export function cookie(name: string, value: string, options: CookieOptions): string {
  return [
    `${name}=${value}`,
    `Path=${options.path}`,
    'HttpOnly',
    `SameSite=${options.sameSite}`,
    ...(options.maxAgeSeconds === undefined ? [] : [`Max-Age=${options.maxAgeSeconds}`]),
    ...(options.isSecure ? ['Secure'] : []),
  ].join('; ');
}

function originOf(request: IncomingMessage): string {
  return `${isHttps(request) ? 'https' : 'http'}://${request.headers.host ?? 'localhost'}`;
}

function withBearer(request: IncomingMessage, token: string): IncomingMessage {
  return Object.assign(Object.create(request) as IncomingMessage, { headers: { ...request.headers, authorization: `Bearer ${token}` } });
}

function signInFailed(response: ServerResponse, reason: string, setCookie: string | undefined, status = 400): void {
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    ...(setCookie === undefined ? {} : { 'set-cookie': setCookie }),
    ...CONSOLE_SECURITY_HEADERS,
  });
  response.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Sign-in failed</title></head><body><h1>Sign-in failed</h1><p>${escapeHtml(reason)}</p><p><a href="/console/">Back to the console</a></p></body></html>`);
}

function describe(error: unknown): string {
  if (error instanceof oauth.AuthorizationResponseError) return `${error.error}${error.error_description === undefined ? '' : `: ${error.error_description}`}`;
  if (error instanceof oauth.ResponseBodyError) return `${error.error}${error.error_description === undefined ? '' : `: ${error.error_description}`}`;
  return error instanceof Error ? error.message : String(error);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
