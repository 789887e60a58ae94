// The web console's sign-in against a real gateway and its embedded provider,
// without a browser (@gatehouse/testing's console-login.ts plays one): the
// session cookie stands for the signed-in user's token on the admin API, its
// token is renewed with the sign-in's refresh token, the API's scope check
// still decides (alice holds no admin scope), a cookie POST needs the CSRF
// header and its own Origin, and a callback that was not started here fails.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { gatewayConfig, stdioBackend } from '../fixtures/gateway-config.ts';
import { useEmbeddedIdentity } from '../fixtures/embedded-default-identity.ts';
import { consoleLogin } from '@gatehouse/testing/gateway/console-login';

const demoCrm = fileURLToPath(new URL('../../../demo-crm/src/main.ts', import.meta.url));

describe('the console sign-in on a running gateway', () => {
  let gateway: RunningGateway;
  let admin: string;

  before(async () => {
    const config = gatewayConfig([stdioBackend('crm', process.execPath, [demoCrm, '--stdio'])]);
    // Access tokens of 2 s: under the 30 s the console renews ahead, so every request through a session renews first.
    useEmbeddedIdentity(config, { embeddedIdp: { port: 0, accessTokenTtlSeconds: 2 } });
    gateway = await startGateway(config, { logger: silentLogger, adminPort: 0 });
    admin = gateway.adminUrl!;
  });
  after(async () => {
    await gateway?.close();
  });

  const session = async (cookie: string) => (await (await fetch(`${admin}/console/auth/session`, { headers: { cookie } })).json()) as Record<string, any>;

  it('signs the approver in with a refresh token, so the session outlives its short access tokens', async () => {
    const login = await consoleLogin(admin, 'approver');
    const cookie = login.jar.header(admin)!;
    const first = await session(cookie);
    assert.equal(first.signed_in, true);
    assert.equal(first.subject, 'approver');
    assert.deepEqual(first.scopes, ['gatehouse.approver']);
    assert.ok(Date.parse(first.expires_at) > Date.now() + 11 * 3600_000, `a refresh token makes the session last the day: ${first.expires_at}`);
    for (let round = 0; round < 3; round++) {
      const response = await fetch(`${admin}/admin/openapi.json`, { headers: { cookie } });
      assert.equal(response.status, 200, `round ${round}: the renewed token is accepted`);
    }
    assert.equal((await session(cookie)).signed_in, true);
  });

  it('lets alice sign in, and the admin API refuses her for want of the admin scope', async () => {
    const login = await consoleLogin(admin, 'alice');
    const cookie = login.jar.header(admin)!;
    assert.equal((await session(cookie)).subject, 'alice');
    const response = await fetch(`${admin}/admin/openapi.json`, { headers: { cookie } });
    assert.equal(response.status, 403);
    assert.equal(((await response.json()) as { code: string }).code, 'insufficient_scope');
  });

  it('refuses a cookie POST without the CSRF header, or from another origin, and lets the right one reach the API', async () => {
    const login = await consoleLogin(admin, 'admin');
    const cookie = login.jar.header(admin)!;
    const post = (headers: Record<string, string>) => fetch(`${admin}/admin/tools/crm/echo/accept`, { method: 'POST', headers: { cookie, ...headers } });
    const refusals: Array<[Record<string, string>, string]> = [
      [{}, 'csrf_token_missing'],
      [{ 'x-gatehouse-csrf': 'guessed' }, 'csrf_token_mismatch'],
      [{ 'x-gatehouse-csrf': login.csrf!, origin: 'http://evil.example' }, 'cross_origin_request'],
    ];
    for (const [headers, code] of refusals) {
      const response = await post(headers);
      assert.equal(response.status, 403, code);
      assert.equal(((await response.json()) as { code: string }).code, code);
    }
    const allowed = await post({ 'x-gatehouse-csrf': login.csrf!, origin: admin });
    // This gateway has no tool pinning: past the CSRF check and the guard, the listener has no such route.
    assert.equal(allowed.status, 404, await allowed.text());
  });

  it('fails a callback whose state was not issued to this browser', async () => {
    const login = await consoleLogin(admin, 'admin');
    const response = await login.jar.fetch(`${admin}/console/auth/callback?code=stolen&state=forged`);
    assert.equal(response.status, 400);
    assert.match(await response.text(), /Sign-in failed/);
  });
});
