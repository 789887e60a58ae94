// Retirement candidates over real HTTP: a gateway with the embedded identity
// provider, an audit store and two backends, one called and one never. The
// admin API and `gatehouse registry review-due --unused-below N --period 90d`
// list the serving backends and tools with fewer calls than N, with owners,
// and the counts are the audit store's own tool-call records.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { backendScripts, startHttpBackend, type HttpBackendProcess } from '@gatehouse/testing/backends/launch';
import type { RunningGateway } from '../../src/gateway.ts';
import { openAuditStore } from '../../src/audit/open-store.ts';
import { resolveAuditSettings } from '../../src/audit/settings.ts';
import type { GatewayConfig } from '../../src/config/schema.ts';
import { registerRegistryLifecycleCommands } from '../../src/cli/commands/registry-lifecycle.ts';
import { startYamlGateway, type YamlGateway } from '../fixtures/yaml-gateway.ts';
import { registryGatewayYaml, secretsOf } from '../fixtures/registry-gateway-yaml.ts';
import { eventually } from '../fixtures/eventually.ts';

const AGENTS = [{ name: 'ops', secret: 'ops-test-secret', scopes: ['gatehouse.admin', 'busy.read', 'busy.invoke', 'idle.read', 'idle.invoke'], roles: ['platform'] }];

describe('retirement candidates from the audit store', () => {
  let started: YamlGateway;
  let backend: HttpBackendProcess;
  let config: GatewayConfig;
  let gateway: RunningGateway;
  let token: string;
  let client: V1Client;

  before(async () => {
    backend = await startHttpBackend(backendScripts.v2);
    started = await startYamlGateway('retirement', (directory) => registryGatewayYaml(directory, {
      agents: AGENTS,
      backends: [{ name: 'busy', url: backend.url, keys: { owner: 'team:busy', team: 'orders' } }, { name: 'idle', url: backend.url, keys: { owner: 'user:ivan' } }],
    }), ['ops'], secretsOf(AGENTS));
    ({ gateway, config } = started);
    token = started.tokens.ops!;
    client = new V1Client({ name: 'retirement-test', version: '1.0.0' });
    await client.connect(new V1Transport(new URL(gateway.url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  });
  after(async () => {
    await client?.close();
    await started?.close();
    await backend?.close();
  });

  async function admin(path: string): Promise<{ status: number; body: any }> {
    const response = await fetch(`${gateway.adminUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: await response.json() };
  }

  async function auditedCalls(server: string): Promise<number> {
    const store = await openAuditStore(resolveAuditSettings(config), { isReadOnly: true });
    try {
      const page = await store.query({ types: ['tool_invocation'] }, { limit: 1000 });
      // A call is written ahead as `attempted`, then with its outcome: the outcome is the call.
      return page.items.filter((item) => item.record.operation.server === server && item.record.result.status !== 'attempted').length;
    } finally {
      await store.close();
    }
  }

  it('lists the never-called backend and every tool under the threshold, with owners, and counts as the audit store does', async () => {
    for (let index = 0; index < 3; index += 1) await client.callTool({ name: 'busy__echo', arguments: { message: `call ${index}` } });
    await eventually(async () => assert.equal(await auditedCalls('busy'), 3), 5_000);
    const listed = (await client.listTools()).tools.map((tool) => tool.name);
    const ownTools = (backendName: string) => listed.filter((name) => name.startsWith(`${backendName}__`)).map((name) => name.slice(backendName.length + 2)).sort();

    const answer = await admin('/admin/registry/review-due?unused_below=3&period=90d');
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const retirement = answer.body.retirement;
    assert.equal(retirement.unusedBelow, 3);
    assert.ok(Date.parse(retirement.until) - Date.parse(retirement.since) === 90 * 86_400_000);
    assert.deepEqual(retirement.backends, [{ name: 'idle', owner: 'user:ivan', team: null, tenant: 'default', state: 'active', calls: 0 }], 'busy has 3 calls, not below 3');
    const toolRows = retirement.tools.map((tool: any) => [tool.backend, tool.tool, tool.calls, tool.owner]);
    const expected = [
      ...ownTools('busy').filter((tool) => tool !== 'echo').map((tool) => ['busy', tool, 0, 'team:busy']),
      ...ownTools('idle').map((tool) => ['idle', tool, 0, 'user:ivan']),
    ];
    assert.deepEqual([...toolRows].sort(), [...expected].sort());
    assert.ok(ownTools('idle').includes('echo'));

    const higher = (await admin('/admin/registry/review-due?unused_below=4&period=last-7d')).body.retirement;
    assert.deepEqual(higher.backends.map((each: any) => [each.name, each.calls]), [['idle', 0], ['busy', 3]], 'fewest calls first');
    assert.deepEqual(higher.tools.find((tool: any) => tool.backend === 'busy' && tool.tool === 'echo').calls, await auditedCalls('busy'));
  });

  it('refuses a bad threshold or period with invalid_request', async () => {
    assert.deepEqual([(await admin('/admin/registry/review-due?unused_below=many')).body.code], ['invalid_request']);
    assert.match((await admin('/admin/registry/review-due?unused_below=1&period=soon')).body.error, /^period: "last-soon"|^period: "soon"/);
    assert.equal((await admin('/admin/registry/review-due?period=90d')).body.code, 'invalid_request');
  });

  it('prints them from the CLI: gatehouse registry review-due --unused-below 3 --period 90d', async () => {
    const result = { out: [] as string[], err: [] as string[], exitCode: 0 };
    const io = { out: (line: string) => result.out.push(line), err: (line: string) => result.err.push(line), fail: (code: number) => { result.exitCode = code; }, env: { GATEHOUSE_ADMIN_TOKEN: token } };
    const program = new Command('gatehouse').exitOverride();
    registerRegistryLifecycleCommands(program.command('registry'), io);
    await program.parseAsync(['node', 'gatehouse', 'registry', 'review-due', '--unused-below', '3', '--period', '90d', '--admin', gateway.adminUrl!]);
    assert.deepEqual([result.exitCode, result.err], [0, []]);
    const text = result.out.join('\n');
    assert.match(text, /^retirement candidates: fewer than 3 calls from /m);
    assert.match(text, /^BACKEND\s+CALLS\s+OWNER\s+TEAM\s+STATE\nidle\s+0\s+user:ivan\s+-\s+active$/m);
    assert.match(text, /^idle\s+echo\s+0\s+user:ivan$/m);
    assert.doesNotMatch(text, /^busy\s+echo\s/m);
  });
});
