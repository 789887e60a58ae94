// Tool-level governance over real HTTP: a gateway with the embedded identity
// provider, the registry and tool pinning, in front of a backend that
// rewrites a tool's description at run time (a rug pull after review). The
// changed definition sends the active entry back to review: the backend
// leaves the catalog at once, the audit log records who (system:tool-pinning)
// and why (the old and the new hash), and only a review routes it again.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { agentToken } from '../../src/cli/commands/token.ts';
import { openAuditStore } from '../../src/audit/open-store.ts';
import { resolveAuditSettings } from '../../src/audit/settings.ts';
import type { GatewayConfig } from '../../src/config/schema.ts';
import { gatewayConfig, stdioBackend } from '../fixtures/gateway-config.ts';
import { useEmbeddedIdentity } from '../fixtures/embedded-default-identity.ts';
import { eventually } from '../fixtures/eventually.ts';

const changingTools = fileURLToPath(new URL('../fixtures/changing-tools-server.ts', import.meta.url));

describe('a changed tool definition sends a reviewed backend back to review', () => {
  let directory: string;
  let config: GatewayConfig;
  let gateway: RunningGateway;
  let client: V1Client;
  const tokens: Record<string, string> = {};

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-tool-governance-'));
    // Named crm so the demo agents' crm scopes reach it; the config pre-approves it: active from the start.
    config = gatewayConfig([stdioBackend('crm', process.execPath, [changingTools], { registry: { owner: 'team:crm' } })]);
    useEmbeddedIdentity(config);
    config.audit = { backend: undefined, retentionDays: undefined, raw: { store: 'sqlite', path: join(directory, 'audit.db') } };
    config.registry = { store: { kind: 'sqlite', path: join(directory, 'registry.db') }, enforce: true };
    config.policies = [{ name: 'tool_pinning', type: 'tool_pinning', settings: { path: join(directory, 'pins.sqlite') } }];
    gateway = await startGateway(config, { logger: silentLogger, adminPort: 0 });
    const base = gateway.url.replace(/\/mcp$/, '');
    for (const [agent, secret] of [['support', 'support-dev-secret'], ['admin', 'admin-dev-secret']] as const) tokens[agent] = (await agentToken(base, agent, secret)).token;
    client = new V1Client({ name: 'tool-governance-test', version: '1.0.0' });
    await client.connect(new V1Transport(new URL(gateway.url), { requestInit: { headers: { authorization: `Bearer ${tokens.support}` } } }));
  });
  after(async () => {
    await client?.close();
    await gateway?.close();
    await rm(directory, { recursive: true, force: true });
  });

  async function admin(path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST'): Promise<{ status: number; etag: string | null; body: Record<string, any> }> {
    const response = await fetch(`${gateway.adminUrl}${path}`, { method, headers: { authorization: `Bearer ${tokens.admin}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: response.status, etag: response.headers.get('etag'), body: (await response.json()) as Record<string, any> };
  }
  const toolNames = async () => (await client.listTools()).tools.map((tool) => tool.name);

  it('pulls the active entry into review when a pinned tool changes, and the backend leaves the catalog', async () => {
    assert.equal((await admin('/admin/registry/crm')).body.entry.status.state, 'active');
    assert.deepEqual((await toolNames()).filter((name) => name.startsWith('crm__')).sort(), ['crm__change_definition', 'crm__lookup_order'], 'listed, so pinned on first use');

    await client.callTool({ name: 'crm__change_definition', arguments: { what: 'description' } });
    // Listing is where the gateway meets the changed definition; the entry then moves and the whole backend goes.
    await eventually(async () => assert.ok(!(await toolNames()).some((name) => name.startsWith('crm__')), 'no crm tool is listed'), 10_000);
    const entry = (await admin('/admin/registry/crm')).body.entry;
    assert.equal(entry.status.state, 'in_review');
    const change = entry.status.toolChanges[0];
    assert.deepEqual([entry.status.toolChanges.length, change.tool, change.changes, change.reviewedAt], [1, 'lookup_order', ['description'], undefined]);
    assert.match(change.pinnedHash, /^[0-9a-f]{16,}$|^sha256:/);
    assert.notEqual(change.pinnedHash, change.currentHash);
    const tools = entry.status.conditions.find((condition: any) => condition.type === 'ToolsCurrent');
    assert.deepEqual([tools.status, tools.reason], ['False', 'ToolDefinitionChanged']);
    const routable = entry.status.conditions.find((condition: any) => condition.type === 'Routable');
    assert.equal(routable.status, 'False');

    const refused = await client.callTool({ name: 'crm__lookup_order', arguments: { order_id: 'O-1' } }).catch((error: Error) => ({ isError: true, error }));
    assert.equal((refused as { isError?: boolean }).isError, true, 'not callable while in review');

    const store = await openAuditStore(resolveAuditSettings(config), { isReadOnly: true });
    try {
      const page = await store.query({ types: ['admin_action'] }, { limit: 100 });
      const moves = page.items.map((item) => item.record).filter((record) => record.operation.name === 'registry_transition');
      assert.equal(moves.length, 1);
      const recorded = moves[0]!;
      assert.equal(recorded.caller.identity, 'system:tool-pinning');
      assert.equal(recorded.operation.server, 'crm');
      const args = recorded.operation.arguments as Record<string, any>;
      assert.deepEqual([args.by, args.from, args.to, args.trigger, args.tool, args.pinned_hash, args.current_hash, args.changes], ['system:tool-pinning', 'active', 'in_review', 'tool_pin_change', 'lookup_order', change.pinnedHash, change.currentHash, ['description']]);
      assert.match(args.reason, /tool lookup_order changed \(description, 0 breaking of 1 \(informational: [^)]*\)\) since its review/);
    } finally {
      await store.close();
    }
  });

  it('routes the backend again only after a review approves it and it is put back into service', async () => {
    const refused = await admin('/admin/registry/crm/transitions', { to: 'active', reason: 'skip the review' });
    assert.deepEqual([refused.status, refused.body.code], [409, 'illegal_transition']);
    const approved = await admin('/admin/registry/crm/transitions', { to: 'approved', reason: 'the new description was read', review: { decision: 'approve', checks: [{ name: 'tool-diff', outcome: 'passed' }] } });
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    const tools = approved.body.entry.status.conditions.find((condition: any) => condition.type === 'ToolsCurrent');
    assert.deepEqual([tools.status, tools.reason], ['True', 'ToolChangesReviewed']);
    assert.ok(approved.body.entry.status.toolChanges[0].reviewedAt !== undefined);
    assert.ok(!(await toolNames()).some((name) => name.startsWith('crm__')), 'approved is not yet routed');
    assert.equal((await admin('/admin/registry/crm/transitions', { to: 'active', reason: 'back in service' }, 'POST')).status, 200);
    // A restarted stdio backend lists its original definition again, which the pin still matches.
    assert.deepEqual((await toolNames()).filter((name) => name.startsWith('crm__')).sort(), ['crm__change_definition', 'crm__lookup_order']);
  });

  it('does not pull it back again for the change the review covered; the tool itself stays quarantined until its pin is accepted', async () => {
    await client.callTool({ name: 'crm__change_definition', arguments: { what: 'description' } });
    await eventually(async () => assert.ok(!(await toolNames()).includes('crm__lookup_order'), 'the changed tool is hidden'), 10_000);
    assert.ok((await toolNames()).includes('crm__change_definition'), 'the rest of the backend stays routed');
    assert.equal((await admin('/admin/registry/crm')).body.entry.status.state, 'active');
    const accepted = await admin('/admin/tools/crm/lookup_order/accept', {}, 'POST');
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    const listed = (await client.listTools()).tools.find((tool) => tool.name === 'crm__lookup_order');
    assert.match(listed?.description ?? '', /exfil\.example/, 'the accepted new definition is listed');
  });

  it('sends it back again when the definition changes to something the review never saw', async () => {
    await client.callTool({ name: 'crm__change_definition', arguments: { what: 'schema' } });
    // Pinning checks a pinned definition when the catalog changes and when a caller lists or calls it; list until the entry has
    // moved and recorded the change (the registry's definition watch may move it first, docs/registry.md: the tool change is
    // then added to that review, since the catalog's change reached pinning before the backend left the lists).
    await eventually(async () => {
      await toolNames();
      const status = (await admin('/admin/registry/crm')).body.entry.status;
      assert.equal(status.state, 'in_review');
      assert.equal(status.toolChanges.length, 2);
    }, 10_000);
    const entry = (await admin('/admin/registry/crm')).body.entry;
    assert.deepEqual(entry.status.toolChanges.map((change: any) => [change.tool, change.changes]), [['lookup_order', ['description']], ['lookup_order', ['inputSchema']]]);
    // The new required `forward_to` breaks a client that called it as reviewed: the review says so.
    const schema = entry.status.toolChanges[1].schema;
    assert.ok(schema.breaking >= 1, JSON.stringify(schema));
    assert.ok(schema.changes.some((change: any) => change.severity === 'breaking' && /forward_to/.test(`${change.path} ${change.message}`)), JSON.stringify(schema.changes));
  });
});
