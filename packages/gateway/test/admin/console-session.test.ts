// The console's sessions and CSRF defence, on requests as the admin listener
// receives them: the cookie stands for the session's token, a bearer token
// is taken as before, and a state-changing request on the cookie needs the
// session's CSRF value and this listener's own Origin.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { ConsoleSessions, cookieValue, isSameOrigin, SESSION_COOKIE } from '../../src/admin/console-session.ts';
import { cookie, safeReturnTo } from '../../src/admin/console-auth.ts';
import type { Caller } from '../../src/identity/caller.ts';

function request(method: string, headers: Record<string, string>): IncomingMessage {
  return { method, headers: { host: '127.0.0.1:8081', ...headers }, socket: {} } as unknown as IncomingMessage;
}

const fields = { accessToken: 'token-of-admin', refreshToken: undefined, expiresAt: Date.now() + 60_000, subject: 'admin', name: 'Ada Admin', idToken: undefined };

describe('console sessions', () => {
  it('authenticates a cookie request with the session\'s token, and a bearer request with its own', async () => {
    const sessions = new ConsoleSessions();
    const session = sessions.create(fields);
    const seen: Array<string | undefined> = [];
    const authenticate = sessions.authenticateWith(async (incoming) => {
      seen.push(incoming.headers.authorization);
      return { agent: 'gatehouse-console' } as Caller;
    });
    await authenticate(request('GET', { cookie: `other=1; ${SESSION_COOKIE}=${session.id}` }));
    await authenticate(request('GET', { authorization: 'Bearer agent-token', cookie: `${SESSION_COOKIE}=${session.id}` }));
    assert.equal(await authenticate(request('GET', { cookie: `${SESSION_COOKIE}=forged` })), undefined);
    assert.deepEqual(seen, ['Bearer token-of-admin', 'Bearer agent-token']);
  });

  it('forgets a session once its token expired', () => {
    let now = 1_000;
    const sessions = new ConsoleSessions(() => now);
    const session = sessions.create({ ...fields, expiresAt: 2_000 });
    assert.equal(sessions.of(request('GET', { cookie: `${SESSION_COOKIE}=${session.id}` }))?.subject, 'admin');
    now = 2_000;
    assert.equal(sessions.of(request('GET', { cookie: `${SESSION_COOKIE}=${session.id}` })), undefined);
  });

  for (const [label, method, headers, code] of [
    ['lets a GET through without the header', 'GET', {}, undefined],
    ['refuses a POST without the CSRF header', 'POST', {}, 'csrf_token_missing'],
    ['refuses a DELETE with another session\'s CSRF value', 'DELETE', { 'x-gatehouse-csrf': 'wrong' }, 'csrf_token_mismatch'],
    ['refuses a POST from another origin even with the right value', 'POST', { 'x-gatehouse-csrf': '{csrf}', origin: 'http://evil.example' }, 'cross_origin_request'],
    ['lets a POST through with the value and its own origin', 'POST', { 'x-gatehouse-csrf': '{csrf}', origin: 'http://127.0.0.1:8081' }, undefined],
    ['lets a bearer POST through untouched (no cookie is trusted)', 'POST', { authorization: 'Bearer x' }, undefined],
  ] as const) {
    it(label, () => {
      const sessions = new ConsoleSessions();
      const session = sessions.create(fields);
      const filled = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, value.replace('{csrf}', session.csrf)]));
      assert.equal(sessions.checkCsrf(request(method, { ...filled, cookie: `${SESSION_COOKIE}=${session.id}` }))?.code, code);
    });
  }

  it('reads cookies and origins as browsers send them', () => {
    assert.equal(cookieValue('a=1; gatehouse_console=xyz; b=2', 'gatehouse_console'), 'xyz');
    assert.equal(cookieValue('gatehouse_console_login=abc', 'gatehouse_console'), undefined);
    assert.equal(isSameOrigin('http://127.0.0.1:8081', request('POST', {})), true);
    assert.equal(isSameOrigin('http://127.0.0.1:9999', request('POST', {})), false);
    assert.equal(isSameOrigin('https://127.0.0.1:8081', request('POST', { 'x-forwarded-proto': 'https' })), true);
  });

  it('writes the session cookie HttpOnly and SameSite=Strict, Secure only over HTTPS', () => {
    assert.equal(cookie(SESSION_COOKIE, 'id', { path: '/', sameSite: 'Strict', isSecure: false }), 'gatehouse_console=id; Path=/; HttpOnly; SameSite=Strict');
    assert.equal(cookie(SESSION_COOKIE, 'id', { path: '/', sameSite: 'Strict', isSecure: true }), 'gatehouse_console=id; Path=/; HttpOnly; SameSite=Strict; Secure');
  });

  for (const [value, expected] of [['/console/audit?tool=x', '/console/audit?tool=x'], ['https://evil.example/', '/console/'], ['//evil.example/console/', '/console/'], ['/console/\\evil', '/console/'], [null, '/console/']] as const) {
    it(`returns to ${expected} after a sign-in asked for ${String(value)}`, () => {
      assert.equal(safeReturnTo(value), expected);
    });
  }
});

describe('console session renewal', () => {
  it('renews an expiring token once for concurrent requests, and ends the session when renewal fails', async () => {
    let now = 0;
    const sessions = new ConsoleSessions(() => now);
    let renewals = 0;
    let isIssuerUp = true;
    sessions.renewal = async () => {
      renewals += 1;
      if (!isIssuerUp) throw new Error('invalid_grant');
      return { accessToken: `token-${renewals}`, refreshToken: 'refresh-2', expiresAt: now + 600_000 };
    };
    const session = sessions.create({ ...fields, refreshToken: 'refresh-1', expiresAt: 100_000 });
    assert.equal(await sessions.accessTokenOf(session), 'token-of-admin', 'far from expiry: no renewal');
    now = 80_000;
    assert.deepEqual(await Promise.all([sessions.accessTokenOf(session), sessions.accessTokenOf(session)]), ['token-1', 'token-1']);
    assert.equal(renewals, 1);
    assert.equal(session.refreshToken, 'refresh-2');
    now = session.expiresAt;
    isIssuerUp = false;
    assert.equal(await sessions.accessTokenOf(session), undefined);
    assert.equal(sessions.of(request('GET', { cookie: `${SESSION_COOKIE}=${session.id}` })), undefined, 'the session ended');
  });
});
