// The admin roles over real HTTP with real tokens from the embedded
// provider: a reviewer (gatehouse.reviewer) moves a server through its
// lifecycle but only as reviewer, an auditor (gatehouse.auditor) reads and
// verifies but changes nothing, and the refusals name the scope that would
// grant the route.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { agentToken } from '../../src/cli/commands/token.ts';
import { gatewayConfig, stdioBackend } from '../fixtures/gateway-config.ts';
import { useEmbeddedIdentity } from '../fixtures/embedded-default-identity.ts';

const demoCrm = fileURLToPath(new URL('../../../demo-crm/src/main.ts', import.meta.url));

const AGENTS = [
  { name: 'platform', secret: 'platform-test-secret', scopes: ['gatehouse.admin'], roles: [] },
  { name: 'reviewer', secret: 'reviewer-test-secret', scopes: ['gatehouse.reviewer'], roles: [] },
  { name: 'auditor', secret: 'auditor-test-secret', scopes: ['gatehouse.auditor'], roles: [] },
];

describe('admin roles by scope', () => {
  let directory: string;
  let gateway: RunningGateway;
  const tokens: Record<string, string> = {};

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-admin-roles-'));
    const config = gatewayConfig([stdioBackend('crm', process.execPath, [demoCrm, '--stdio'], { registry: { owner: 'team:crm', description: 'The demo CRM' } })]);
    useEmbeddedIdentity(config, { embeddedIdp: { port: 0, agents: AGENTS.map((agent) => ({ ...agent, description: 'test agent' })) } });
    config.audit = { backend: undefined, retentionDays: undefined, raw: { store: 'sqlite', path: join(directory, 'audit.db') } };
    config.registry = { store: { kind: 'sqlite', path: join(directory, 'registry.db') }, enforce: true };
    gateway = await startGateway(config, { logger: silentLogger, adminPort: 0 });
    const base = gateway.url.replace(/\/mcp$/, '');
    for (const agent of AGENTS) tokens[agent.name] = (await agentToken(base, agent.name, agent.secret)).token;
  });
  after(async () => {
    await gateway?.close();
    await rm(directory, { recursive: true, force: true });
  });

  async function call(agent: string, method: string, path: string, body?: unknown): Promise<{ status: number; challenge: string | null; body: any }> {
    const response = await fetch(`${gateway.adminUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens[agent]}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, challenge: response.headers.get('www-authenticate'), body: await response.json() };
  }

  it('tells each role what it may do', async () => {
    assert.deepEqual((await call('reviewer', 'GET', '/admin/me')).body.permissions, ['api.read', 'registry.read', 'registry.review', 'pins.read', 'pins.decide']);
    assert.deepEqual((await call('auditor', 'GET', '/admin/me')).body.roles, ['auditor']);
  });

  it('lets a reviewer suspend a server and lift the suspension, but not do what needs the platform admin', async () => {
    assert.equal((await call('reviewer', 'GET', '/admin/registry')).status, 200);
    const suspended = await call('reviewer', 'POST', '/admin/registry/crm/transitions', { to: 'suspended', reason: 'incident review' });
    assert.equal(suspended.status, 200, JSON.stringify(suspended.body));
    assert.equal(suspended.body.event.by, 'agent:reviewer');
    const retired = await call('reviewer', 'POST', '/admin/registry/crm/transitions', { to: 'retired', reason: 'not the reviewer\'s call' });
    assert.deepEqual([retired.status, retired.body.code], [403, 'not_permitted'], 'retiring needs the owner or the platform admin');
    const lifted = await call('reviewer', 'POST', '/admin/registry/crm/transitions', { to: 'active', reason: 'incident closed', review: { decision: 'approve' } });
    assert.equal(lifted.status, 200, JSON.stringify(lifted.body));
    const audit = await call('reviewer', 'GET', '/admin/audit/records');
    assert.deepEqual([audit.status, audit.body.code, audit.challenge], [403, 'insufficient_scope', 'Bearer error="insufficient_scope", scope="gatehouse.reviewer gatehouse.auditor"']);
  });

  it('lets an auditor read, verify and watch, and change nothing', async () => {
    for (const path of ['/admin/audit/records?type=admin_action', '/admin/usage', '/admin/registry', '/admin/sessions', '/admin/overview']) {
      assert.equal((await call('auditor', 'GET', path)).status, 200, path);
    }
    const verified = await call('auditor', 'POST', '/admin/audit/verify', { last: 100 });
    assert.deepEqual([verified.status, verified.body.valid], [200, true]);
    const transitions = (await call('auditor', 'GET', '/admin/audit/records?type=admin_action')).body.records.filter((record: any) => record.operation.name === 'registry_transition');
    assert.ok(transitions.some((record: any) => record.operation.scope_used === 'gatehouse.reviewer' && record.caller.identity === 'agent:reviewer'), 'a reviewer\'s change is recorded under the reviewer scope');
    const refused = await call('auditor', 'POST', '/admin/registry/crm/transitions', { to: 'suspended', reason: 'an auditor may not' });
    assert.deepEqual([refused.status, refused.body.code], [403, 'insufficient_scope']);
    assert.equal((await call('auditor', 'DELETE', '/admin/sessions/any')).status, 403);
    assert.equal((await call('auditor', 'GET', '/admin/approvals')).status, 403);
    assert.equal((await call('platform', 'GET', '/admin/registry/crm')).body.entry.status.state, 'active', 'the refusals changed nothing');
  });
});
