// GET /admin/tenants on the tenants example (config/tenants.example.yaml) with
// the embedded provider's demo tenant admins: the platform admin sees both
// tenants with their own backends and state, their own policies, their live
// sessions and this month's calls from the audit store; the sales admin sees
// sales only and not the platform's `unassigned` setting; every answer is the
// documented one (openapi.yaml).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { loadConfig } from '../../src/config/load.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { agentToken } from '../../src/cli/commands/token.ts';
import { DEMO_AGENTS } from '../../src/identity/embedded-idp/demo-directory.ts';
import { connectLegacy, type ApprovalClient } from '../fixtures/approval-clients.ts';
import { AdminApiDocument } from '../fixtures/admin-api-document.ts';

const example = fileURLToPath(new URL('../../config/tenants.example.yaml', import.meta.url));

describe('GET /admin/tenants on the tenants example', () => {
  const api = new AdminApiDocument();
  let directory: string;
  let gateway: RunningGateway;
  let base: string;
  let salesAgent: ApprovalClient | undefined;
  const tokens: Record<string, string> = {};

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-tenants-api-'));
    const { config } = await loadConfig(example, { ...process.env, GATEHOUSE_IDP_PORT: '0' });
    config.audit = { ...config.audit!, raw: { ...config.audit!.raw, path: join(directory, 'audit.db') } };
    gateway = await startGateway(config, { logger: silentLogger, port: 0, adminPort: 0 });
    base = gateway.url.replace(/\/mcp$/, '');
    for (const [agent, secret] of [['admin', DEMO_AGENTS.find((entry) => entry.name === 'admin')!.secret], ['sales-admin', 'sales-admin-dev-secret'], ['sales-agent', 'sales-agent-dev-secret'], ['approver', 'approver-dev-secret']] as const) {
      tokens[agent] = (await agentToken(base, agent, secret)).token;
    }
    // One open 2025 session of sales, with two calls in it.
    salesAgent = await connectLegacy(gateway.url, tokens['sales-agent']!);
    for (const query of ['gonzalez', 'example']) assert.notEqual((await salesAgent.callTool('crm__search_customers', { query })).isError, true);
  });
  after(async () => {
    await salesAgent?.close().catch(() => undefined);
    await gateway?.close();
    await rm(directory, { recursive: true, force: true });
  });

  async function tenants(token: string): Promise<any> {
    const response = await fetch(`${gateway.adminUrl}/admin/tenants`, { headers: { authorization: `Bearer ${token}` } });
    const text = await response.text();
    assert.deepEqual(api.check('get', '/admin/tenants', { status: response.status, headers: response.headers, body: text }), []);
    assert.equal(response.status, 200, text);
    return JSON.parse(text);
  }

  /** The answer once the audit store has the sales calls (records are written after the call returns). */
  async function withSalesCalls(token: string): Promise<any> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const body = await tenants(token);
      if ((body.tenants.find((tenant: any) => tenant.name === 'sales')?.usage?.calls ?? 0) >= 2) return body;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.fail('the sales calls never reached this month\'s usage');
  }

  it('shows the platform admin every tenant: backends with state, own policies, live sessions, this month\'s calls', async () => {
    const body = await withSalesCalls(tokens.admin!);
    assert.deepEqual([body.tenants_enabled, body.tenant, body.is_platform_admin, body.claim, body.unassigned, body.sessions_complete], [true, null, true, 'tenant', 'refuse', true]);
    assert.deepEqual(body.tenants.map((tenant: any) => tenant.name), ['sales', 'lab']);
    const [sales, lab] = body.tenants;
    assert.deepEqual(sales.backends, [{ name: 'crm', ownership: 'own', state: 'ready' }]);
    assert.deepEqual(lab.backends.map((backend: any) => [backend.name, backend.ownership]), [['everything', 'own']]);
    assert.deepEqual(sales.policies, [{ name: 'sales/mass_email_approval', type: 'approval' }]);
    assert.deepEqual(lab.policies, []);
    assert.equal(sales.description, 'Sales and account management');
    assert.equal(sales.sessions, 1, 'the sales agent\'s open session');
    assert.equal(lab.sessions, 0);
    assert.deepEqual([sales.usage.calls, sales.usage.failed], [2, 0]);
    assert.equal(lab.usage.calls, 0);
    assert.ok(Date.parse(body.period.since) <= Date.now() && new Date(body.period.since).getUTCDate() === 1, 'this month');
  });

  it('shows the sales admin its own tenant only, without the platform\'s settings', async () => {
    const body = await withSalesCalls(tokens['sales-admin']!);
    assert.deepEqual([body.tenant, body.is_platform_admin, body.unassigned], ['sales', false, null]);
    assert.deepEqual(body.tenants.map((tenant: any) => tenant.name), ['sales']);
    assert.equal(body.tenants[0].usage.calls, 2);
    const lab = await tenants((await agentToken(base, 'lab-admin', 'lab-admin-dev-secret')).token);
    assert.deepEqual(lab.tenants.map((tenant: any) => [tenant.name, tenant.sessions, tenant.usage.calls]), [['lab', 0, 0]], 'the lab admin sees nothing of sales');
  });

  it('refuses an approver and a tenant agent', async () => {
    for (const token of [tokens.approver!, tokens['sales-agent']!]) {
      const response = await fetch(`${gateway.adminUrl}/admin/tenants`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(response.status, 403);
    }
  });
});
