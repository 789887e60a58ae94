// The web console's sessions on the admin listener (backend-for-frontend):
// the browser holds only a random session id in an HttpOnly cookie; the
// access token the sign-in got stays here. The admin guard takes a cookie
// session as a second way to present that token (bearer tokens work as
// before), and a state-changing request that rides on the cookie must carry
// the session's CSRF value in X-Gatehouse-CSRF and, when the browser sends
// one, this listener's own Origin. An access token about to expire is
// renewed with the sign-in's refresh token where the issuer gave one; a
// session lasts 12 hours at most. Sessions live in this process's memory: a
// restart (or another replica) signs the console out.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Caller } from '../identity/caller.ts';

export const SESSION_COOKIE = 'gatehouse_console';
const CSRF_HEADER = 'x-gatehouse-csrf';

/** At most this many live sessions; the oldest goes first (a flood of sign-ins cannot grow memory without bound). */
const MAX_SESSIONS = 10_000;
/** A working day and some: after it, sign in again whatever the refresh token allows. */
export const MAX_SESSION_MS = 12 * 60 * 60_000;
/** Renew this long before the access token expires, so a request never carries one that expires on its way. */
const RENEW_BEFORE_MS = 30_000;

/** New tokens for a session from its refresh token (console-auth.ts asks the issuer). */
export type TokenRenewal = (session: ConsoleSession) => Promise<{ accessToken: string; refreshToken: string | undefined; expiresAt: number }>;

export interface ConsoleSession {
  readonly id: string;
  readonly csrf: string;
  accessToken: string;
  refreshToken: string | undefined;
  /** When the access token expires (ms since the epoch); the session ends with it unless refreshed. */
  expiresAt: number;
  readonly subject: string;
  readonly name: string | undefined;
  readonly idToken: string | undefined;
  /** When the sign-in happened (ms since the epoch). */
  readonly startedAt: number;
}

export type NewConsoleSession = Omit<ConsoleSession, 'id' | 'csrf' | 'startedAt'>;

/** Why a cookie-borne request was refused before the guard ran. */
export interface CsrfRefusal {
  status: 403;
  code: 'csrf_token_missing' | 'csrf_token_mismatch' | 'cross_origin_request';
  message: string;
}

export class ConsoleSessions {
  readonly #sessions = new Map<string, ConsoleSession>();
  readonly #renewing = new Map<string, Promise<string | undefined>>();
  readonly #now: () => number;
  #renew: TokenRenewal | undefined;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** How expiring tokens are renewed; without it a session ends with its access token. */
  set renewal(renew: TokenRenewal) {
    this.#renew = renew;
  }

  create(fields: NewConsoleSession): ConsoleSession {
    this.#sweep();
    while (this.#sessions.size >= MAX_SESSIONS) this.#sessions.delete(this.#sessions.keys().next().value!);
    const session: ConsoleSession = { ...fields, startedAt: this.#now(), id: randomBytes(32).toString('base64url'), csrf: randomBytes(32).toString('base64url') };
    this.#sessions.set(session.id, session);
    return session;
  }

  /** The live session the request's cookie names; undefined without one, or when it expired. */
  of(request: IncomingMessage): ConsoleSession | undefined {
    const id = cookieValue(request.headers.cookie, SESSION_COOKIE);
    if (id === undefined) return undefined;
    const session = this.#sessions.get(id);
    if (session === undefined) return undefined;
    if (this.#isOver(session)) {
      this.#sessions.delete(id);
      return undefined;
    }
    return session;
  }

  /**
   * The session's access token, renewed first when it is about to expire
   * (one renewal at a time per session: the issuer may rotate the refresh
   * token). Undefined, and the session ended, when it cannot be renewed.
   */
  async accessTokenOf(session: ConsoleSession): Promise<string | undefined> {
    if (session.expiresAt - this.#now() > RENEW_BEFORE_MS) return session.accessToken;
    if (session.refreshToken === undefined || this.#renew === undefined) {
      return session.expiresAt > this.#now() ? session.accessToken : this.#endedWith(session);
    }
    let renewing = this.#renewing.get(session.id);
    if (renewing === undefined) {
      renewing = this.#renew(session).then((renewed) => {
        Object.assign(session, renewed);
        return renewed.accessToken;
      }, () => this.#endedWith(session)).finally(() => this.#renewing.delete(session.id));
      this.#renewing.set(session.id, renewing);
    }
    return renewing;
  }

  end(session: ConsoleSession): void {
    this.#sessions.delete(session.id);
  }

  get size(): number {
    return this.#sessions.size;
  }

  /**
   * The admin guard's `authenticate` with the console's cookie as a second
   * path: a request with an Authorization header is the bearer's as before;
   * one with only the session cookie is verified with the session's token,
   * through the same verifier.
   */
  authenticateWith(authenticateBearer: (request: IncomingMessage) => Promise<Caller | undefined>): (request: IncomingMessage) => Promise<Caller | undefined> {
    return async (request) => {
      if (request.headers.authorization !== undefined) return authenticateBearer(request);
      const session = this.of(request);
      const token = session === undefined ? undefined : await this.accessTokenOf(session);
      if (token === undefined) return undefined;
      return authenticateBearer(withAuthorization(request, `Bearer ${token}`));
    };
  }

  /**
   * The CSRF defence for a request authenticated by the cookie: GET and HEAD
   * pass (they change nothing); any other method needs the session's CSRF
   * value in X-Gatehouse-CSRF (a header a cross-site form cannot set, and a
   * cross-origin fetch cannot send without a preflight this listener never
   * grants) and, if the browser names an Origin, this listener's own.
   * Undefined when the request may go on.
   */
  checkCsrf(request: IncomingMessage): CsrfRefusal | undefined {
    if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS') return undefined;
    if (request.headers.authorization !== undefined) return undefined;
    const session = this.of(request);
    if (session === undefined) return undefined;
    const origin = request.headers.origin;
    if (origin !== undefined && !isSameOrigin(origin, request)) {
      return { status: 403, code: 'cross_origin_request', message: `the console's session cookie is accepted only from this listener's own pages; the request came from ${origin}` };
    }
    const presented = request.headers[CSRF_HEADER];
    if (typeof presented !== 'string' || presented === '') {
      return { status: 403, code: 'csrf_token_missing', message: `a state-changing request with the console's session cookie needs the ${CSRF_HEADER} header (the console sends it; GET /console/auth/session gives its value)` };
    }
    if (!isEqual(presented, session.csrf)) {
      return { status: 403, code: 'csrf_token_mismatch', message: `the ${CSRF_HEADER} header does not match this session; reload the console` };
    }
    return undefined;
  }

  #isOver(session: ConsoleSession): boolean {
    const now = this.#now();
    return now - session.startedAt >= MAX_SESSION_MS || (session.expiresAt <= now && session.refreshToken === undefined);
  }

  #endedWith(session: ConsoleSession): undefined {
    this.#sessions.delete(session.id);
    return undefined;
  }

  #sweep(): void {
    for (const [id, session] of this.#sessions) if (this.#isOver(session)) this.#sessions.delete(id);
  }
}

/** A cookie's value from a Cookie header (RFC 6265 section 5.4), or undefined. Pure. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const pair of header.split(';')) {
    const separator = pair.indexOf('=');
    if (separator === -1) continue;
    if (pair.slice(0, separator).trim() === name) return pair.slice(separator + 1).trim();
  }
  return undefined;
}

/** Whether an Origin header names the origin the request was sent to (its Host, over the listener's scheme). Pure. */
export function isSameOrigin(origin: string, request: IncomingMessage): boolean {
  const host = request.headers.host;
  if (host === undefined || !URL.canParse(origin)) return false;
  const scheme = isHttps(request) ? 'https' : 'http';
  return new URL(origin).origin === new URL(`${scheme}://${host}`).origin;
}

/** Whether the browser reached the listener over HTTPS (directly, or through a proxy that says so). */
export function isHttps(request: IncomingMessage): boolean {
  if ((request.socket as { encrypted?: boolean }).encrypted === true) return true;
  const forwarded = request.headers['x-forwarded-proto'];
  return typeof forwarded === 'string' && forwarded.split(',')[0]!.trim() === 'https';
}

function withAuthorization(request: IncomingMessage, authorization: string): IncomingMessage {
  return Object.assign(Object.create(request) as IncomingMessage, { headers: { ...request.headers, authorization } });
}

function isEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
