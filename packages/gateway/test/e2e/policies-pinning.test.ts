// Tool pinning through the real gateway: a backend that changes a reviewed
// tool's description, then its inputSchema, after the gateway pinned it (the
// rug pull the policy exists for). The gateway hears list_changed, hides the
// tool, refuses calls with the changed fields named, lists it on the admin
// API, and lets it back once an admin accepts the new definition.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from '@modelcontextprotocol/client';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { agentToken } from '../../src/cli/commands/token.ts';
import { gatewayConfig, stdioBackend } from '../fixtures/gateway-config.ts';
import { useEmbeddedIdentity } from '../fixtures/embedded-default-identity.ts';
import { firstText } from '../fixtures/clients.ts';

const changingTools = fileURLToPath(new URL('../fixtures/changing-tools-server.ts', import.meta.url));

describe('tool pinning through the gateway', () => {
  let directory: string;
  let gateway: RunningGateway;
  let legacy: V1Client;
  let modern: V2Client;
  const tokens: Record<string, string> = {};

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-pinning-e2e-'));
    // Named crm so the demo agents' crm.read / crm.invoke scopes let them use it.
    const config = gatewayConfig([stdioBackend('crm', process.execPath, [changingTools])]);
    useEmbeddedIdentity(config);
    config.policies = [{ name: 'tool_pinning', type: 'tool_pinning', settings: { path: join(directory, 'pins.sqlite') } }];
    gateway = await startGateway(config, { logger: silentLogger, adminPort: 0 });
    const base = gateway.url.replace(/\/mcp$/, '');
    for (const [agent, secret] of [['support', 'support-dev-secret'], ['admin', 'admin-dev-secret']] as const) {
      tokens[agent] = (await agentToken(base, agent, secret)).token;
    }
    const requestInit = { headers: { authorization: `Bearer ${tokens.support}` } };
    legacy = new V1Client({ name: 'pinning-test-v1', version: '1.0.0' });
    await legacy.connect(new V1Transport(new URL(gateway.url), { requestInit }));
    modern = new V2Client({ name: 'pinning-test-v2', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await modern.connect(new V2Transport(new URL(gateway.url), { requestInit }));
  });
  after(async () => {
    await legacy?.close();
    await modern?.close();
    await gateway?.close();
    await rm(directory, { recursive: true, force: true });
  });

  async function admin(path: string, method = 'GET'): Promise<{ status: number; body: Record<string, any> }> {
    const response = await fetch(`${gateway.adminUrl}${path}`, { method, headers: { authorization: `Bearer ${tokens.admin}` } });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  }

  async function listedNames(): Promise<string[]> {
    return (await legacy.listTools()).tools.map((tool) => tool.name);
  }

  /** Waits until the gateway has refreshed the backend's list after list_changed. */
  async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
    for (let attempt = 0; attempt < 200; attempt++) {
      if (await condition()) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.fail(`timed out waiting until ${what}`);
  }

  async function lookup(client: 'legacy' | 'modern') {
    const args = { name: 'crm__lookup_order', arguments: { order_id: 'O-1' } };
    return (client === 'legacy' ? await legacy.callTool(args) : await modern.callTool(args)) as { isError?: boolean; content: unknown; _meta?: Record<string, any> };
  }

  for (const [what, field] of [['description', 'description'], ['schema', 'inputSchema']] as const) {
    it(`quarantines a pinned tool whose ${what} changed, and releases it once an admin accepts the new definition`, async () => {
      assert.ok((await listedNames()).includes('crm__lookup_order'));
      assert.equal((await lookup('legacy')).isError, undefined, 'the reviewed definition works and is pinned');
      const pinned = await admin('/admin/tools/crm/lookup_order');
      assert.equal(pinned.body.state, 'pinned');

      await legacy.callTool({ name: 'crm__change_definition', arguments: { what } });
      await until(async () => !(await listedNames()).includes('crm__lookup_order'), 'the changed tool is hidden from tools/list');

      for (const client of ['legacy', 'modern'] as const) {
        const refused = await lookup(client);
        assert.equal(refused.isError, true, client);
        assert.equal(firstText(refused), `Tool "lookup_order" of backend "crm" is quarantined: its definition changed since it was reviewed (${field} changed), which is how a backend could silently change what the tool does. The gateway refuses it until an administrator reviews and accepts the new definition. Use another tool, or tell the user to ask an administrator`);
        const facts = refused._meta?.['io.gatehouse/policy-error'];
        assert.equal(facts?.code, 'tool_quarantined');
      }

      const quarantined = await admin('/admin/tools/quarantined');
      const entry = (quarantined.body.tools as Array<Record<string, any>>).find((tool) => tool.tool === 'lookup_order');
      assert.ok(entry !== undefined, JSON.stringify(quarantined.body));
      assert.deepEqual(entry.changes, [field]);
      assert.notEqual(entry.pinned_hash ?? entry.pinnedHash, entry.current_hash ?? entry.currentHash);
      const catalog = await admin('/admin/catalog');
      const listed = (catalog.body.tools as Array<Record<string, any>>).find((tool) => tool.name === 'crm__lookup_order')!;
      assert.deepEqual([listed?.backend, listed?.tool, listed?.state, listed?.changes], ['crm', 'lookup_order', 'quarantined', [field]], 'the catalog lists the quarantined tool');
      assert.notDeepEqual(listed.pinned_definition[field], listed.current_definition[field], 'with the old and the new definition to diff');
      assert.equal(listed.pinned_definition.name, 'lookup_order');

      const accepted = await admin('/admin/tools/crm/lookup_order/accept', 'POST');
      assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
      assert.equal(accepted.body.state, 'pinned');
      assert.ok((await listedNames()).includes('crm__lookup_order'), 'listed again');
      const args = what === 'schema' ? { order_id: 'O-1', forward_to: 'nobody' } : { order_id: 'O-1' };
      const released = await modern.callTool({ name: 'crm__lookup_order', arguments: args });
      assert.notEqual(released.isError, true, JSON.stringify(released));
      assert.equal(((await admin('/admin/tools/quarantined')).body.tools as unknown[]).length, 0);
    });
  }
});
