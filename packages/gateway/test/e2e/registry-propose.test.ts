// Proposing through the admin API and the CLI over real HTTP, on a SQLite
// and a PostgreSQL registry store: a gateway with the embedded identity
// provider and a watched discovery directory. An admin proposes an entry
// (POST /admin/registry, `gatehouse registry propose`), its backend appears in
// the directory and stays unrouted; revisions with a stale If-Match are 412;
// the proposer cannot approve it; another admin does, activates it, and it is
// routed. Every write is audited with who proposed or revised it.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
import { dropSchema, POSTGRES_URL, postgresSkip } from '../audit/fixtures/audit-fixtures.ts';

const pgSkip = await postgresSkip();
const SCOPES = ['gatehouse.admin', 'known.read', 'known.invoke', 'orders.read', 'orders.invoke'];
const AGENTS = [
  { name: 'proposer', secret: 'proposer-test-secret', scopes: SCOPES, roles: ['platform'] },
  { name: 'reviewer', secret: 'reviewer-test-secret', scopes: SCOPES, roles: ['platform'] },
];

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`proposing a registry entry through the admin API (${kind} store)`, { skip: kind === 'postgres' ? pgSkip : false }, () => {
    let started: YamlGateway;
    let backendsDirectory: string;
    let backend: HttpBackendProcess;
    let config: GatewayConfig;
    let gateway: RunningGateway;
    let client: V1Client;
    let tokens: Record<string, string>;
    const schema = `registry_propose_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

    before(async () => {
      backend = await startHttpBackend(backendScripts.v2);
      started = await startYamlGateway('registry-propose', (directory) => {
        backendsDirectory = join(directory, 'backends.d');
        return registryGatewayYaml(directory, {
          agents: AGENTS,
          backends: [{ name: 'known', url: backend.url }],
          ...(kind === 'sqlite' ? {} : { store: POSTGRES_URL, postgresSchema: schema }),
          discoveryDirectory: backendsDirectory,
        });
      }, AGENTS.map((agent) => agent.name), secretsOf(AGENTS));
      ({ gateway, config, tokens } = started);
      client = new V1Client({ name: 'registry-propose-test', version: '1.0.0' });
      await client.connect(new V1Transport(new URL(gateway.url), { requestInit: { headers: { authorization: `Bearer ${tokens.reviewer}` } } }));
    });
    after(async () => {
      await client?.close();
      await started?.close();
      await backend?.close();
      if (kind === 'postgres') await dropSchema(schema);
    });

    async function admin(method: string, path: string, agent: string, body?: unknown, ifMatch?: string): Promise<{ status: number; etag: string | null; location: string | null; body: Record<string, any> }> {
      const response = await fetch(`${gateway.adminUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${tokens[agent]}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(ifMatch === undefined ? {} : { 'if-match': ifMatch }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, etag: response.headers.get('etag'), location: response.headers.get('location'), body: (await response.json()) as Record<string, any> };
    }
    async function cli(agent: string, ...args: string[]): Promise<{ out: string[]; err: string[]; exitCode: number }> {
      const result = { out: [] as string[], err: [] as string[], exitCode: 0 };
      const io = { out: (line: string) => result.out.push(line), err: (line: string) => result.err.push(line), fail: (code: number) => { result.exitCode = code; }, env: { GATEHOUSE_ADMIN_TOKEN: tokens[agent] } };
      const program = new Command('gatehouse').exitOverride();
      registerRegistryLifecycleCommands(program.command('registry'), io);
      await program.parseAsync(['node', 'gatehouse', 'registry', ...args, '--admin', gateway.adminUrl!]);
      return result;
    }
    const toolNames = async () => (await client.listTools()).tools.map((tool) => tool.name);

    it('proposes from the CLI, the proposer recorded; its backend, once discovered, is not routed', async () => {
      const proposed = await cli('proposer', 'propose', 'orders', '--description', 'Order lookups for support', '--owner', 'team:orders', '--risk-tier', 'low', '--runbook', 'https://wiki.example.com/orders', '--reason', 'support asks for it');
      assert.deepEqual([proposed.exitCode, proposed.err], [0, []]);
      assert.match(proposed.out[0]!, /^orders: proposed, proposed by agent:proposer \(version 1\)$/);
      const shown = await admin('GET', '/admin/registry/orders', 'reviewer');
      assert.deepEqual([shown.body.entry.status.state, shown.body.entry.status.proposedBy, shown.body.entry.spec.links], ['proposed', 'agent:proposer', { runbook: 'https://wiki.example.com/orders' }]);

      await writeFile(join(backendsDirectory, 'orders.yaml'), `name: orders\nurl: ${backend.url}\n`);
      // Discovered: the drift no longer calls the entry unconfigured; the entry keeps its state and proposer.
      await eventually(async () => assert.deepEqual((await admin('GET', '/admin/registry/diff', 'reviewer')).body.items, []), 10_000);
      await gateway.settled();
      assert.equal((await admin('GET', '/admin/registry/orders', 'reviewer')).body.entry.status.proposedBy, 'agent:proposer');
      assert.ok(!(await toolNames()).some((name) => name.startsWith('orders__')));
    });

    it('refuses a duplicate (409 already_exists), a bad spec (422 invalid_spec, field by field) and a body that is no proposal (400)', async () => {
      const duplicate = await admin('POST', '/admin/registry', 'reviewer', { spec: { name: 'orders', description: 'again', owner: 'team:orders', riskTier: 'low', dataClassification: 'internal' } });
      assert.deepEqual([duplicate.status, duplicate.body.code], [409, 'already_exists']);
      const bad = await admin('POST', '/admin/registry', 'reviewer', { spec: { name: 'billing', description: 'x', owner: 'alice', riskTier: 'extreme', dataClassification: 'internal' } });
      assert.deepEqual([bad.status, bad.body.code, bad.body.problems.map((problem: any) => problem.path)], [422, 'invalid_spec', ['spec.owner', 'spec.riskTier']]);
      assert.equal((await admin('POST', '/admin/registry', 'reviewer', { spec: 'orders' })).body.code, 'invalid_request');
    });

    it('revises with PATCH and PUT: a stale If-Match is 412, the right one moves the ETag on', async () => {
      const shown = await admin('GET', '/admin/registry/orders', 'proposer');
      const patched = await admin('PATCH', '/admin/registry/orders', 'proposer', { spec: { links: { repo: 'https://git.example.com/orders-mcp' }, scopes: ['orders.read'] }, reason: 'repo linked' }, shown.etag!);
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.deepEqual(patched.body.entry.spec.links, { runbook: 'https://wiki.example.com/orders', repo: 'https://git.example.com/orders-mcp' }, 'merged, not replaced');
      assert.deepEqual([patched.body.entry.metadata.generation, patched.body.event.type], [2, 'registry_spec_revised']);
      assert.notEqual(patched.etag, shown.etag);
      const stale = await admin('PATCH', '/admin/registry/orders', 'proposer', { spec: { description: 'stale' } }, shown.etag!);
      assert.deepEqual([stale.status, stale.body.code], [412, 'precondition_failed']);
      const whole = { ...patched.body.entry.spec, description: 'Order lookups and refunds for support', version: '1.1.0' };
      const put = await admin('PUT', '/admin/registry/orders', 'proposer', { spec: whole }, patched.etag!);
      assert.equal(put.status, 200, JSON.stringify(put.body));
      assert.deepEqual([put.body.entry.spec.description, put.body.entry.spec.version, put.body.entry.metadata.generation], ['Order lookups and refunds for support', '1.1.0', 3]);
      assert.equal((await admin('PUT', '/admin/registry/orders', 'proposer', { spec: { ...whole, name: 'orders-v2' } })).body.code, 'immutable_field');
      const cli409 = await cli('proposer', 'revise', 'orders', '--team', 'support', '--if-match', shown.etag!.replaceAll('"', ''));
      assert.equal(cli409.exitCode, 1);
      assert.match(cli409.err[0]!, /^412 precondition_failed: /);
      const revised = await cli('proposer', 'revise', 'orders', '--team', 'support');
      assert.match(revised.out[0]!, /^orders: generation 4 /);
    });

    it('lets another admin, not the proposer, approve it; activated, it is routed', async () => {
      assert.equal((await admin('POST', '/admin/registry/orders/transitions', 'proposer', { to: 'in_review', reason: 'ready' })).status, 200);
      const own = await admin('POST', '/admin/registry/orders/transitions', 'proposer', { to: 'approved', reason: 'mine', review: { decision: 'approve' } });
      assert.deepEqual([own.status, own.body.code], [403, 'self_review']);
      const approved = await admin('POST', '/admin/registry/orders/transitions', 'reviewer', { to: 'approved', reason: 'vetted', review: { decision: 'approve', checks: [{ name: 'tool-vetting', outcome: 'passed' }] } });
      assert.equal(approved.status, 200, JSON.stringify(approved.body));
      assert.equal((await admin('POST', '/admin/registry/orders/transitions', 'reviewer', { to: 'active', reason: 'go live' })).status, 200);
      assert.ok((await toolNames()).includes('orders__echo'));
      const result = await client.callTool({ name: 'orders__echo', arguments: { message: 'routed' } });
      assert.equal(result.isError ?? false, false);
    });

    it('audited the proposal and each revision with who made it', async () => {
      const store = await openAuditStore(resolveAuditSettings(config), { isReadOnly: true });
      try {
        const page = await store.query({ types: ['admin_action'] }, { limit: 200 });
        const records = page.items.map((item) => item.record).reverse();
        const proposals = records.filter((record) => record.operation.name === 'registry_proposal');
        assert.deepEqual(proposals.map((record) => [record.result.status, (record.operation.arguments as any).by, (record.operation.arguments as any).entry]), [
          ['success', 'agent:proposer', 'orders'], ['denied', 'agent:reviewer', 'orders'], ['denied', 'agent:reviewer', 'billing'],
        ], 'a body that is no proposal at all (400) changes nothing and is not an attempt on an entry');
        const revisions = records.filter((record) => record.operation.name === 'registry_revision');
        assert.deepEqual(revisions.map((record) => [record.result.status, (record.operation.arguments as any).method]), [
          ['success', 'PATCH'], ['error', 'PATCH'], ['success', 'PUT'], ['denied', 'PUT'], ['error', 'PATCH'], ['success', 'PATCH'],
        ]);
      } finally {
        await store.close();
      }
    });
  });
}
