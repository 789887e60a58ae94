// The admin listener over real HTTP with authentication on (the embedded
// provider's demo agents): every /admin/ route (approvals, tool pins, and a
// route nobody has added yet) answers 401 without a token and 403 without the
// admin scope, while the probes stay open. With authentication off, the admin
// API fails closed.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { agentToken } from '../../src/cli/commands/token.ts';
import type { GatewayConfig } from '../../src/config/schema.ts';
import { gatewayConfig, stdioBackend } from '../fixtures/gateway-config.ts';
import { useEmbeddedIdentity } from '../fixtures/embedded-default-identity.ts';

const demoCrm = fileURLToPath(new URL('../../../demo-crm/src/main.ts', import.meta.url));

/**
 * Admin API routes, and one no helper has added yet: the guard covers it
 * too. Each with the narrowest scope that grants it (admin-permissions.ts),
 * which a refusal names.
 */
const ADMIN_ROUTES: ReadonlyArray<[method: string, path: string, scope: string]> = [
  ['GET', '/admin/approvals', 'gatehouse.approver'],
  ['GET', '/admin/approvals/a-1', 'gatehouse.approver'],
  ['POST', '/admin/approvals/a-1/approve', 'gatehouse.approver'],
  ['POST', '/admin/approvals/a-1/deny', 'gatehouse.approver'],
  ['GET', '/admin/tools/pins', 'gatehouse.approver'],
  ['GET', '/admin/tools/quarantined', 'gatehouse.approver'],
  ['GET', '/admin/tools/crm/echo', 'gatehouse.approver'],
  ['POST', '/admin/tools/crm/echo/accept', 'gatehouse.reviewer'],
  ['GET', '/admin/audit/records', 'gatehouse.auditor'],
  ['GET', '/admin/openapi.json', 'gatehouse.approver'],
  ['GET', '/admin', 'gatehouse.admin'],
];

function configWith(directory: string): GatewayConfig {
  const config = gatewayConfig([stdioBackend('crm', process.execPath, [demoCrm, '--stdio'])]);
  config.policies = [
    { name: 'tool_pinning', type: 'tool_pinning', settings: { path: join(directory, 'pins.sqlite') } },
    { name: 'mass_email_approval', type: 'approval', settings: { rules: [{ tool: 'send_mass_email', reason: 'bulk email is reviewed' }] } },
  ];
  return config;
}

async function call(base: string, method: string, path: string, token?: string): Promise<Response> {
  return fetch(`${base}${path}`, {
    method,
    headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
    ...(method === 'POST' ? { body: '{}' } : {}),
  });
}

describe('admin endpoints with authentication on', () => {
  let directory: string;
  let gateway: RunningGateway;
  const tokens: Record<string, string> = {};

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-admin-guard-'));
    const config = configWith(directory);
    useEmbeddedIdentity(config);
    gateway = await startGateway(config, { logger: silentLogger, adminPort: 0 });
    const base = gateway.url.replace(/\/mcp$/, '');
    for (const [agent, secret] of [['research', 'research-dev-secret'], ['admin', 'admin-dev-secret']] as const) {
      tokens[agent] = (await agentToken(base, agent, secret)).token;
    }
  });
  after(async () => {
    await gateway?.close();
    await rm(directory, { recursive: true, force: true });
  });

  for (const [method, path, scope] of ADMIN_ROUTES) {
    it(`answers ${method} ${path} without a token with 401 and a challenge naming the admin scope`, async () => {
      const response = await call(gateway.adminUrl!, method, path);
      assert.equal(response.status, 401);
      assert.equal(response.headers.get('www-authenticate'), 'Bearer scope="gatehouse.admin"');
      assert.equal(((await response.json()) as { code: string }).code, 'admin_token_required');
    });

    it(`answers ${method} ${path} with a token holding no admin role with 403 insufficient_scope naming ${scope}`, async () => {
      const response = await call(gateway.adminUrl!, method, path, tokens.research);
      assert.equal(response.status, 403);
      assert.equal(response.headers.get('www-authenticate'), `Bearer error="insufficient_scope", scope="crm.read crm.invoke crm.customers.read ${scope}"`, 'the scopes held plus the narrowest that grants the route');
      assert.equal(((await response.json()) as { code: string }).code, 'insufficient_scope');
    });
  }

  it('answers a token that does not verify with 401 invalid_token', async () => {
    const forged = `${tokens.admin!.slice(0, -4)}AAAA`;
    const response = await call(gateway.adminUrl!, 'GET', '/admin/approvals', forged);
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), 'Bearer error="invalid_token", scope="gatehouse.admin"');
  });

  it('serves the admin API to a token with the admin scope', async () => {
    const approvals = await call(gateway.adminUrl!, 'GET', '/admin/approvals', tokens.admin);
    assert.equal(approvals.status, 200);
    assert.deepEqual(((await approvals.json()) as { approvals: unknown[] }).approvals, []);
    const pins = await call(gateway.adminUrl!, 'GET', '/admin/tools/pins', tokens.admin);
    assert.equal(pins.status, 200);
    assert.ok(Array.isArray(((await pins.json()) as { pins: unknown[] }).pins));
    const missing = await call(gateway.adminUrl!, 'GET', '/admin/approvals/no-such-id', tokens.admin);
    assert.equal(missing.status, 404);
    const unknownRoute = await call(gateway.adminUrl!, 'GET', '/admin/audit/records', tokens.admin);
    assert.equal(unknownRoute.status, 404, 'a route not mounted is 404, but only after the guard');
  });

  it('keeps /healthz, /readyz and /metrics open for probes and scrapers', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      const response = await fetch(`${gateway.adminUrl}${path}`);
      assert.ok(response.status === 200 || (path === '/readyz' && response.status === 503), `${path}: ${response.status}`);
      assert.equal(response.headers.get('www-authenticate'), null);
      await response.arrayBuffer();
    }
  });
});

describe('admin endpoints with authentication off', () => {
  let directory: string;
  let gateway: RunningGateway;

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-admin-guard-anon-'));
    const config = configWith(directory);
    useEmbeddedIdentity(config, { isAnonymousAllowed: true, embeddedIdp: undefined });
    gateway = await startGateway(config, { logger: silentLogger, adminPort: 0 });
  });
  after(async () => {
    await gateway?.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('fails closed: no caller can hold the admin scope, so every admin route is 403', async () => {
    for (const [method, path, scope] of ADMIN_ROUTES) {
      const response = await call(gateway.adminUrl!, method, path, 'anything');
      assert.equal(response.status, 403, `${method} ${path}`);
      assert.equal(((await response.json()) as { code: string }).code, 'admin_requires_authentication');
    }
  });

  it('still answers the probes', async () => {
    const response = await fetch(`${gateway.adminUrl}/healthz`);
    assert.equal(response.status, 200);
    await response.arrayBuffer();
  });
});
