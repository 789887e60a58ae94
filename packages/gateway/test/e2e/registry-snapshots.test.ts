// Schema snapshots and the major-bump rule over real HTTP: a gateway started
// from YAML with the registry, the audit log and the embedded identity
// provider, in front of three copies of the CI-tools fixture server, each
// pre-approved as `good` 1.0.0. Each then restarts as another release
// (--variant-file): additive 1.1.0, breaking 1.1.0 (no major step), and
// breaking 2.0.0. The registry stored the approved snapshot of each, and
// reacts per case: recorded and routed; back to review and flagged; back to
// review. A second gateway, observing only (enforce: false) with
// block_breaking_without_major, withholds the broken tools until a review.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ciFixtureScript } from '@gatehouse/testing/ci-fixtures/fixture-launch';
import { runCommandInProcess } from '@gatehouse/testing/ci-fixtures/command-runner';
import { openAuditStore } from '../../src/audit/open-store.ts';
import { resolveAuditSettings } from '../../src/audit/settings.ts';
import { registerRegistryLifecycleCommands } from '../../src/cli/commands/registry-lifecycle.ts';
import { startYamlGateway, type YamlGateway } from '../fixtures/yaml-gateway.ts';
import { registryGatewayYaml } from '../fixtures/registry-gateway-yaml.ts';
import { eventually } from '../fixtures/eventually.ts';

const BACKENDS = ['steady', 'nomajor', 'major'] as const;

function configText(directory: string, options: { enforce: boolean; block: boolean; backends: readonly string[] }): string {
  const scopes = options.backends.flatMap((name) => [`${name}.read`, `${name}.invoke`]);
  return registryGatewayYaml(directory, {
    agents: [
      { name: 'ops', secret: 'ops-secret', scopes: ['gatehouse.admin', ...scopes] },
      { name: 'rita', secret: 'rita-secret', scopes: ['gatehouse.reviewer'] },
    ],
    backends: options.backends.map((name) => ({
      name,
      keys: { command: process.execPath, args: [ciFixtureScript, '--variant-file', join(directory, `${name}.variant`), '--stdio'], owner: `team:${name}` },
    })),
    registry: { enforce: options.enforce, block_breaking_without_major: options.block },
  });
}

describe('the registry stores approved schema snapshots and applies the major-bump rule', () => {
  let started: YamlGateway;
  let client: V1Client;
  let ops: string;
  let rita: string;

  before(async () => {
    started = await startYamlGatewayWithVariants('snapshots', { enforce: true, block: true, backends: BACKENDS });
    ops = started.tokens.ops!;
    rita = started.tokens.rita!;
    client = new V1Client({ name: 'snapshots-test', version: '1.0.0' });
    await client.connect(new V1Transport(new URL(started.gateway.url), { requestInit: { headers: { authorization: `Bearer ${ops}` } } }));
  });
  after(async () => {
    await client?.close();
    await started?.close();
  });

  const admin = async (path: string, token = ops, body?: unknown) => {
    const response = await fetch(`${started.gateway.adminUrl}${path}`, { method: body === undefined ? 'GET' : 'POST', headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const snapshots = async (name: string) => (await admin(`/admin/registry/${name}/snapshots`)).body;
  const release = (name: string, variant: string) => writeFile(join(started.directory, `${name}.variant`), variant);
  const toolsOf = async (name: string) => (await client.listTools()).tools.map((tool) => tool.name).filter((tool) => tool.startsWith(`${name}__`)).sort();
  const cli = (args: string[]) => runCommandInProcess((program, io) => registerRegistryLifecycleCommands(program.command('registry'), io), ['registry', ...args, '--admin', started.gateway.adminUrl!, '--token', ops]);

  it('stores the approved snapshot of each active backend: tools with schemas and annotations, resources, templates, prompts, serverInfo.version', async () => {
    for (const name of BACKENDS) {
      const listed = await eventually(async () => {
        const answer = await snapshots(name);
        assert.equal(answer.snapshots.length, 1, `${name} has its approved snapshot`);
        return answer;
      });
      assert.deepEqual([listed.approved, listed.snapshots[0].kind, listed.snapshots[0].serverVersion, listed.snapshots[0].state, listed.snapshots[0].tools], [1, 'approved', '1.0.0', 'active', 4]);
    }
    const { snapshot } = (await admin('/admin/registry/nomajor/snapshots/1')).body.snapshot;
    const getCustomer = snapshot.tools.find((tool: any) => tool.name === 'get_customer');
    assert.deepEqual(getCustomer.inputSchema.required, ['customer_id']);
    assert.deepEqual(getCustomer.annotations, { readOnlyHint: true, openWorldHint: false });
    assert.ok(getCustomer.outputSchema.properties.tier);
    assert.deepEqual([snapshot.resources.length, snapshot.resourceTemplates.length, snapshot.prompts[0].name], [1, 1, 'summarize_customer']);
  });

  it('records an additive release and keeps routing it, audited as registry_definitions_changed', async () => {
    await release('steady', 'additive');
    const answer = await eventually(async () => {
      const listed = await snapshots('steady');
      assert.equal(listed.snapshots.length, 2);
      return listed;
    });
    const changed = answer.snapshots[1];
    assert.deepEqual([changed.kind, changed.serverVersion, changed.verdict.kind, changed.verdict.breaking, changed.verdict.baseSequence], ['changed', '1.1.0', 'additive', 0, 1]);
    assert.equal(answer.approved, 1, 'the approved baseline stays the reviewed one');
    assert.equal((await admin('/admin/registry/steady')).body.entry.status.state, 'active');
    await eventually(async () => assert.ok((await toolsOf('steady')).includes('steady__count_orders'), 'the new tool is routed'));
    const audited = await auditRecords('registry_definitions_changed');
    assert.ok(audited.some((record) => record.caller.identity === 'system:schema-diff' && record.operation.arguments.verdict === 'additive' && record.operation.server === 'steady'));
  });

  it('sends a breaking release without a major version bump back to review, says so in the reason, and flags it', async () => {
    await release('nomajor', 'breaking');
    const entry = await eventually(async () => {
      const found = (await admin('/admin/registry/nomajor')).body.entry;
      assert.equal(found.status.state, 'in_review');
      return found;
    });
    const flag = entry.status.conditions.find((condition: any) => condition.type === 'DefinitionsCompatible');
    assert.deepEqual([flag.status, flag.reason], ['False', 'BreakingWithoutMajorBump']);
    assert.match(flag.message, /breaking change without a major version bump \(version 1\.0\.0 -> 1\.1\.0\)/);
    assert.deepEqual(entry.status.definitionChanges.map((change: any) => [change.kind, change.breakingTools]), [['breaking_without_major_bump', ['echo', 'get_customer', 'list_orders']]]);
    await eventually(async () => assert.deepEqual(await toolsOf('nomajor'), [], 'in review: out of the catalog'));
    const moves = await auditRecords('registry_transition');
    const move = moves.find((record) => record.operation.server === 'nomajor');
    assert.ok(move !== undefined, 'the transition is audited');
    assert.deepEqual([move.caller.identity, move.operation.arguments.from, move.operation.arguments.to, move.operation.arguments.verdict], ['system:schema-diff', 'active', 'in_review', 'breaking_without_major_bump']);
    assert.match(move.operation.arguments.reason, /breaking change without a major version bump/);
  });

  it('sends a breaking release with a major version bump back to review, not flagged as unannounced', async () => {
    await release('major', 'breaking-major');
    const entry = await eventually(async () => {
      const found = (await admin('/admin/registry/major')).body.entry;
      assert.equal(found.status.state, 'in_review');
      return found;
    });
    const flag = entry.status.conditions.find((condition: any) => condition.type === 'DefinitionsCompatible');
    assert.deepEqual([flag.status, flag.reason], ['False', 'BreakingChange']);
    assert.doesNotMatch(flag.message, /without a major/);
    const listed = await snapshots('major');
    assert.deepEqual(listed.snapshots.map((record: any) => [record.kind, record.serverVersion, record.verdict?.kind ?? null]), [['approved', '1.0.0', null], ['changed', '2.0.0', 'breaking_with_major_bump']]);
  });

  it('shows and diffs the stored snapshots from the CLI, failing on the unannounced break as gatehouse schema diff does', async () => {
    const shown = await cli(['snapshots', 'nomajor']);
    assert.equal(shown.exitCode, 0, shown.err);
    assert.match(shown.out, /1\s+approved\s+1\.0\.0/);
    assert.match(shown.out, /2\s+changed\s+1\.1\.0.*breaking_without_major_bump/);
    const diffed = await cli(['diff-snapshot', 'nomajor']);
    assert.equal(diffed.exitCode, 1, 'a breaking change without a major step fails');
    assert.match(diffed.out, /tool "echo" removed/);
    const major = await cli(['diff-snapshot', 'major', '--from', '1', '--to', '2.0.0', '--format', 'json']);
    assert.equal(major.exitCode, 0, 'announced by the major step');
    assert.equal(JSON.parse(major.out).data.version.isMajorBump, true);
    assert.equal((await cli(['diff-snapshot', 'major', '--to', '9'])).exitCode, 2);
  });

  it('a review of the new release routes it again and stores its snapshot as the new approved one', async () => {
    assert.equal((await admin('/admin/registry/major/transitions', rita, { to: 'approved', reason: 'v2 announced to its clients', review: { decision: 'approve' } })).status, 200);
    assert.equal((await admin('/admin/registry/major/transitions', ops, { to: 'active', reason: 'serve v2' })).status, 200);
    const listed = await eventually(async () => {
      const answer = await snapshots('major');
      assert.equal(answer.approved, 3);
      return answer;
    });
    assert.deepEqual([listed.snapshots[2].kind, listed.snapshots[2].serverVersion, listed.snapshots[2].reviewRound], ['approved', '2.0.0', 1]);
    const entry = (await admin('/admin/registry/major')).body.entry;
    assert.equal(entry.status.conditions.find((condition: any) => condition.type === 'DefinitionsCompatible').status, 'True');
    await eventually(async () => assert.ok((await toolsOf('major')).includes('major__export_customers')));
  });

  async function auditRecords(name: string): Promise<any[]> {
    const store = await openAuditStore(resolveAuditSettings({ audit: { backend: undefined, retentionDays: undefined, raw: { store: 'sqlite', path: join(started.directory, 'audit.db') } } } as never), { isReadOnly: true });
    try {
      const page = await store.query({ types: ['admin_action'] }, { limit: 200 });
      return page.items.map((item) => item.record).filter((record) => record.operation.name === name);
    } finally {
      await store.close();
    }
  }
});

describe('block_breaking_without_major withholds the broken tools on an observing gateway', () => {
  let started: YamlGateway;
  let client: V1Client;

  before(async () => {
    started = await startYamlGatewayWithVariants('snapshots-block', { enforce: false, block: true, backends: ['nomajor'] });
    client = new V1Client({ name: 'snapshots-block-test', version: '1.0.0' });
    await client.connect(new V1Transport(new URL(started.gateway.url), { requestInit: { headers: { authorization: `Bearer ${started.tokens.ops}` } } }));
  });
  after(async () => {
    await client?.close();
    await started?.close();
  });

  it('leaves the tools a breaking change without a major step touched out of the catalog, and keeps the untouched ones', async () => {
    const toolNames = async () => (await client.listTools()).tools.map((tool) => tool.name).sort();
    await eventually(async () => {
      const answer = await fetch(`${started.gateway.adminUrl}/admin/registry/nomajor/snapshots`, { headers: { authorization: `Bearer ${started.tokens.ops}` } });
      assert.equal(((await answer.json()) as any).approved, 1);
    });
    await writeFile(join(started.directory, 'nomajor.variant'), 'breaking');
    // Still routed (enforce: false), but get_customer and list_orders broke: withheld; echo is gone; delete_customer and the new export stay.
    await eventually(async () => assert.deepEqual(await toolNames(), ['nomajor__delete_customer', 'nomajor__export_customers']));
  });
});

/** startYamlGateway with each backend's variant file written `good` first, and tokens for ops and rita. */
async function startYamlGatewayWithVariants(name: string, options: { enforce: boolean; block: boolean; backends: readonly string[] }): Promise<YamlGateway> {
  return startYamlGateway(name, (directory) => {
    for (const backend of options.backends) writeFileSync(join(directory, `${backend}.variant`), 'good');
    return configText(directory, options);
  }, ['ops', 'rita']);
}
