// The review sweep over real HTTP: a gateway with the embedded identity
// provider, `registry.suspend_overdue: true` and a one-second sweep. A
// backend whose review date passes is flagged (GET /admin/registry,
// review-due, the Prometheus gauge) and suspended by the sweep: it leaves
// the catalog of an open session at once, without a restart, and the session
// keeps working with the other backend. The suspension is audited.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { backendScripts, startHttpBackend, type HttpBackendProcess } from '@gatehouse/testing/backends/launch';
import type { RunningGateway } from '../../src/gateway.ts';
import { openAuditStore } from '../../src/audit/open-store.ts';
import { resolveAuditSettings } from '../../src/audit/settings.ts';
import type { GatewayConfig } from '../../src/config/schema.ts';
import { startYamlGateway, type YamlGateway } from '../fixtures/yaml-gateway.ts';
import { registryGatewayYaml, secretsOf } from '../fixtures/registry-gateway-yaml.ts';
import { eventually } from '../fixtures/eventually.ts';

const AGENTS = [{ name: 'ops', secret: 'ops-test-secret', scopes: ['gatehouse.admin', 'stay.read', 'stay.invoke', 'due.read', 'due.invoke'], roles: ['platform'] }];

describe('the review sweep suspends a backend past its review date', () => {
  let started: YamlGateway;
  let backend: HttpBackendProcess;
  let config: GatewayConfig;
  let gateway: RunningGateway;
  let token: string;
  let client: V1Client;
  let listChanges = 0;

  before(async () => {
    backend = await startHttpBackend(backendScripts.v2);
    started = await startYamlGateway('review-sweep', (directory) => registryGatewayYaml(directory, {
      agents: AGENTS,
      backends: [{ name: 'stay', url: backend.url }, { name: 'due', url: backend.url, keys: { owner: 'team:due', risk_tier: 'low' } }],
      registry: { suspend_overdue: true, review_sweep_interval_seconds: 1 },
    }), ['ops'], secretsOf(AGENTS));
    ({ gateway, config } = started);
    token = started.tokens.ops!;
    client = new V1Client({ name: 'review-sweep-test', version: '1.0.0' });
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      listChanges += 1;
    });
    await client.connect(new V1Transport(new URL(gateway.url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  });
  after(async () => {
    await client?.close();
    await started?.close();
    await backend?.close();
  });

  async function admin(path: string, body?: unknown): Promise<{ status: number; body: any; text: string }> {
    const response = await fetch(`${gateway.adminUrl}${path}`, { method: body === undefined ? 'GET' : 'POST', headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await response.text();
    return { status: response.status, text, body: (response.headers.get('content-type') ?? '').startsWith('application/json') ? JSON.parse(text) : undefined };
  }
  const toolNames = async () => (await client.listTools()).tools.map((tool) => tool.name).sort();

  it('flags and then suspends the backend whose review date passed, at once in the open session, which keeps working', async () => {
    const before = await toolNames();
    assert.ok(before.includes('due__echo') && before.includes('stay__echo'), before.join(', '));
    // A periodic review that sets the next one two seconds away (the config file proposed it, so this agent may review).
    const dueAt = new Date(Date.now() + 2_000).toISOString();
    const renewed = await admin('/admin/registry/due/transitions', { to: 'active', reason: 'short review period for the test', review: { decision: 'approve', next_review_at: dueAt } });
    assert.equal(renewed.status, 200, renewed.text);
    assert.equal((await admin('/admin/registry/review-due')).body.entries.length, 0, 'not yet due');
    const heardBefore = listChanges;

    await eventually(async () => assert.equal((await admin('/admin/registry/due')).body.entry.status.state, 'suspended'), 10_000);
    // The answer follows the store: no restart, and the open session no longer lists the backend.
    assert.ok(!(await toolNames()).some((name) => name.startsWith('due__')));
    await eventually(async () => assert.ok(listChanges > heardBefore, 'the session heard tools/list_changed'), 5_000);
    const stay = await client.callTool({ name: 'stay__echo', arguments: { message: 'still here' } });
    assert.equal(stay.isError ?? false, false, 'the same session keeps using the other backend');
    const gone = await client.callTool({ name: 'due__echo', arguments: { message: 'x' } }).then((result) => result.isError === true, () => true);
    assert.ok(gone, 'the suspended backend cannot be called');

    const entry = (await admin('/admin/registry')).body.entries.find((each: any) => each.spec.name === 'due');
    const review = entry.status.conditions.find((condition: any) => condition.type === 'ReviewCurrent');
    assert.deepEqual([entry.status.state, entry.status.suspendedFrom, review.status, review.reason], ['suspended', 'active', 'False', 'ReviewOverdue']);
    assert.deepEqual((await admin('/admin/registry/review-due')).body.entries.map((each: any) => [each.name, each.state]), [['due', 'suspended']]);
    assert.equal((await admin('/admin/registry/stay')).body.entry.status.state, 'active', 'a backend whose review is current is untouched');
  });

  it('counts it on /metrics by tenant and risk tier, and records the suspension in the audit log', async () => {
    const metrics = await admin('/metrics');
    assert.match(metrics.text, /^mcp_registry_reviews_overdue\{tenant="default",risk_tier="low"\} 1$/m);
    assert.match(metrics.text, /^mcp_registry_entries\{state="suspended",tenant="default"\} 1$/m);
    assert.match(metrics.text, /^mcp_registry_entries\{state="active",tenant="default"\} 1$/m);
    const store = await openAuditStore(resolveAuditSettings(config), { isReadOnly: true });
    try {
      const page = await store.query({ types: ['admin_action'] }, { limit: 100 });
      const sweep = page.items.map((item) => item.record).filter((record) => record.operation.name === 'registry_transition' && record.caller.identity === 'system:review-sweep');
      assert.equal(sweep.length, 1);
      const args = sweep[0]!.operation.arguments as Record<string, any>;
      assert.deepEqual([args.from, args.to, args.trigger, sweep[0]!.operation.server], ['active', 'suspended', 'review_overdue', 'due']);
      assert.match(args.reason, /periodic review was due on .*registry\.suspend_overdue/);
    } finally {
      await store.close();
    }
  });

  it('routes it again once reviewed: suspended -> in_review -> approved -> active', async () => {
    assert.equal((await admin('/admin/registry/due/transitions', { to: 'active', reason: 'lift without review' })).body.code, 'review_overdue');
    for (const body of [
      { to: 'in_review', reason: 'quarterly review' },
      { to: 'approved', reason: 'reviewed', review: { decision: 'approve' } },
      { to: 'active', reason: 'back in service' },
    ]) {
      const moved = await admin('/admin/registry/due/transitions', body);
      assert.equal(moved.status, 200, moved.text);
    }
    assert.ok((await toolNames()).includes('due__echo'));
  });
});
