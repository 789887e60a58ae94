// The registry's new admin routes narrowed to a tenant admin's tenant
// (tenant-scope.ts), over real HTTP with the embedded provider and two
// tenants: drift, proposing, revising, schema snapshots and retirement candidates show and
// change only the admin's own tenant; a platform admin sees both.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { agentToken } from '../../src/cli/commands/token.ts';
import { gatewayConfig, httpBackend } from '../fixtures/gateway-config.ts';
import { useEmbeddedIdentity } from '../fixtures/embedded-default-identity.ts';

const AGENTS = [
  { name: 'alpha-admin', secret: 'alpha-admin-secret', scopes: ['gatehouse.admin'], roles: [], description: 'alpha\'s admin' },
  { name: 'platform-admin', secret: 'platform-admin-secret', scopes: ['gatehouse.admin'], roles: [], description: 'the platform admin' },
];
const tenant = (name: string, backends: string[], admins: string[] = []) => ({ name, description: undefined, backends, shared: [], policies: [], admins });

describe('the registry routes narrowed to a tenant admin\'s tenant', () => {
  let directory: string;
  let gateway: RunningGateway;
  const tokens: Record<string, string> = {};

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-registry-tenants-'));
    // Nothing listens on port 9: the registry governs backends whether or not they are reachable.
    const config = gatewayConfig([httpBackend('alpha', 'http://127.0.0.1:9/mcp'), httpBackend('beta', 'http://127.0.0.1:9/mcp')]);
    useEmbeddedIdentity(config, { embeddedIdp: { port: 0, agents: AGENTS } });
    config.audit = { backend: undefined, retentionDays: undefined, raw: { store: 'sqlite', path: join(directory, 'audit.db') } };
    config.registry = { store: { kind: 'sqlite', path: join(directory, 'registry.db') }, enforce: true };
    config.tenants = { claim: 'tenant', unassigned: 'refuse', tenants: [tenant('alpha', ['alpha'], ['alpha-admin']), tenant('beta', ['beta'])] };
    gateway = await startGateway(config, { logger: silentLogger, adminPort: 0 });
    const base = gateway.url.replace(/\/mcp$/, '');
    for (const agent of AGENTS) tokens[agent.name] = (await agentToken(base, agent.name, agent.secret)).token;
  });
  after(async () => {
    await gateway?.close();
    await rm(directory, { recursive: true, force: true });
  });

  async function admin(agent: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const response = await fetch(`${gateway.adminUrl}${path}`, { method, headers: { authorization: `Bearer ${tokens[agent]}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: response.status, body: await response.json() };
  }
  const spec = (name: string, extra: Record<string, unknown> = {}) => ({ spec: { name, description: `${name} tools`, owner: 'team:x', riskTier: 'low', dataClassification: 'internal', ...extra } });

  it('proposes into the tenant admin\'s own tenant, and refuses another tenant', async () => {
    const own = await admin('alpha-admin', 'POST', '/admin/registry', spec('alpha-extra'));
    assert.deepEqual([own.status, own.body.entry.spec.tenant, own.body.entry.status.proposedBy], [201, 'alpha', 'agent:alpha-admin']);
    const other = await admin('alpha-admin', 'POST', '/admin/registry', spec('beta-sneak', { tenant: 'beta' }));
    assert.deepEqual([other.status, other.body.code], [403, 'not_permitted']);
    assert.equal((await admin('platform-admin', 'GET', '/admin/registry/beta-sneak')).status, 404, 'nothing was written');
    assert.equal((await admin('platform-admin', 'POST', '/admin/registry', spec('beta-extra', { tenant: 'beta' }))).status, 201);
  });

  it('revises only the tenant\'s entries, and never moves one out of the tenant', async () => {
    assert.equal((await admin('alpha-admin', 'PATCH', '/admin/registry/beta-extra', { spec: { description: 'taken over' } })).status, 404);
    const moved = await admin('alpha-admin', 'PATCH', '/admin/registry/alpha-extra', { spec: { tenant: 'beta' } });
    assert.deepEqual([moved.status, moved.body.code], [403, 'not_permitted']);
    assert.equal((await admin('alpha-admin', 'PATCH', '/admin/registry/alpha-extra', { spec: { description: 'alpha extras, revised' } })).status, 200);
    assert.equal((await admin('platform-admin', 'GET', '/admin/registry/beta-extra')).body.entry.spec.description, 'beta-extra tools');
  });

  it('shows drift of the tenant\'s backends only; the platform admin sees both', async () => {
    const items = async (agent: string) => (await admin(agent, 'GET', '/admin/registry/diff')).body.items.map((item: any) => `${item.backend}:${item.kind}`);
    assert.deepEqual(await items('alpha-admin'), ['alpha-extra:not_configured']);
    assert.deepEqual(await items('platform-admin'), ['alpha-extra:not_configured', 'beta-extra:not_configured']);
  });

  it('shows schema snapshots of the tenant\'s backends only: another tenant\'s are not found', async () => {
    const own = await admin('alpha-admin', 'GET', '/admin/registry/alpha/snapshots');
    assert.deepEqual([own.status, own.body.backend, own.body.snapshots], [200, 'alpha', []], 'unreachable, so never listed: no snapshot yet');
    assert.deepEqual([(await admin('alpha-admin', 'GET', '/admin/registry/beta/snapshots')).status, (await admin('alpha-admin', 'GET', '/admin/registry/beta/snapshots/latest')).status], [404, 404]);
    assert.equal((await admin('platform-admin', 'GET', '/admin/registry/beta/snapshots')).status, 200);
  });

  it('lists retirement candidates of the tenant only', async () => {
    const names = async (agent: string) => (await admin(agent, 'GET', '/admin/registry/review-due?unused_below=1')).body.retirement.backends.map((backend: any) => `${backend.name}:${backend.tenant}`);
    assert.deepEqual(await names('alpha-admin'), ['alpha:alpha']);
    assert.deepEqual(await names('platform-admin'), ['alpha:alpha', 'beta:beta']);
  });
});
