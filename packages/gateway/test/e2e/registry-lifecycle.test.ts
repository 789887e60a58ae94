// The registry's review gate over real HTTP: a gateway with the embedded
// identity provider, a registry section, and a watched directory of backend
// files. A discovered backend starts proposed and is not routed; its
// proposer cannot approve it; another admin reviews and activates it, and it
// joins the catalog of open sessions of both revisions; suspending it takes
// it out of every catalog at once, sessions kept; a stale If-Match is 409.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from '@modelcontextprotocol/client';
import { backendScripts, startHttpBackend, type HttpBackendProcess } from '@gatehouse/testing/backends/launch';
import type { RunningGateway } from '../../src/gateway.ts';
import { openAuditStore } from '../../src/audit/open-store.ts';
import { resolveAuditSettings } from '../../src/audit/settings.ts';
import type { GatewayConfig } from '../../src/config/schema.ts';
import { startYamlGateway, type YamlGateway } from '../fixtures/yaml-gateway.ts';
import { registryGatewayYaml, secretsOf } from '../fixtures/registry-gateway-yaml.ts';
import { eventually } from '../fixtures/eventually.ts';
import { modernRequest } from '../fixtures/raw-http.ts';
import { messageOf, readEvents } from '../fixtures/sse.ts';
import { Command } from 'commander';
import { registerRegistryLifecycleCommands } from '../../src/cli/commands/registry-lifecycle.ts';

const AGENTS = [
  { name: 'proposer', secret: 'proposer-test-secret', scopes: ['gatehouse.admin', 'known.read', 'known.invoke', 'found.read', 'found.invoke'], roles: ['platform'] },
  { name: 'reviewer', secret: 'reviewer-test-secret', scopes: ['gatehouse.admin', 'known.read', 'known.invoke', 'found.read', 'found.invoke'], roles: ['platform'] },
];

describe('the registry gates routing on review', () => {
  let started: YamlGateway;
  let backend: HttpBackendProcess;
  let config: GatewayConfig;
  let gateway: RunningGateway;
  let tokens: Record<string, string>;
  let legacy: V1Client;
  let modern: V2Client;
  let legacyListChanges = 0;
  const listenMethods: string[] = [];
  const listenAbort = new AbortController();

  before(async () => {
    backend = await startHttpBackend(backendScripts.v2);
    started = await startYamlGateway('registry-e2e', (directory) => {
      const backendsDirectory = join(directory, 'backends.d');
      // The discovered record points at the test backend on loopback, which the outbound guard opens only when told (the fixture does).
      const yaml = registryGatewayYaml(directory, { agents: AGENTS, backends: [{ name: 'known', url: backend.url }], discoveryDirectory: backendsDirectory });
      writeFileSync(join(backendsDirectory, 'found.yaml'), `name: found\nurl: ${backend.url}\nowner: agent:proposer\ndescription: found in the directory\n`);
      return yaml;
    }, AGENTS.map((agent) => agent.name), secretsOf(AGENTS));
    ({ gateway, config, tokens } = started);
    const headers = { authorization: `Bearer ${tokens.reviewer}` };
    legacy = new V1Client({ name: 'registry-test-v1', version: '1.0.0' });
    legacy.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      legacyListChanges += 1;
    });
    await legacy.connect(new V1Transport(new URL(gateway.url), { requestInit: { headers } }));
    modern = new V2Client({ name: 'registry-test-v2', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await modern.connect(new V2Transport(new URL(gateway.url), { requestInit: { headers } }));
    // A 2026-07-28 listen stream: how a stateless client hears list_changed.
    const listen = modernRequest('listen-1', 'subscriptions/listen', { notifications: { toolsListChanged: true } });
    const stream = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers, ...listen.headers }, body: JSON.stringify(listen.body), signal: listenAbort.signal });
    assert.equal(stream.status, 200);
    void readEvents(stream, (events) => {
      listenMethods.push(String(messageOf(events.at(-1)!)?.method));
      return false;
    }).catch(() => undefined);
  });

  after(async () => {
    listenAbort.abort();
    await legacy?.close();
    await modern?.close();
    await started?.close();
    await backend?.close();
  });

  async function admin(path: string, agent: string, body?: unknown, ifMatch?: string): Promise<{ status: number; etag: string | null; body: Record<string, any> }> {
    const response = await fetch(`${gateway.adminUrl}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${tokens[agent]}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(ifMatch === undefined ? {} : { 'if-match': ifMatch }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, etag: response.headers.get('etag'), body: (await response.json()) as Record<string, any> };
  }

  const move = (name: string, agent: string, body: Record<string, unknown>, ifMatch?: string) => admin(`/admin/registry/${name}/transitions`, agent, body, ifMatch);
  const legacyTools = async () => (await legacy.listTools()).tools.map((tool) => tool.name);
  const modernTools = async () => (await modern.listTools()).tools.map((tool) => tool.name);

  it('starts the config file\'s backend active and the discovered one proposed, which no catalog lists', async () => {
    const found = await eventually(async () => {
      const answer = await admin('/admin/registry/found', 'reviewer');
      assert.equal(answer.status, 200);
      return answer;
    });
    assert.equal(found.body.entry.status.state, 'proposed');
    assert.equal(found.body.entry.status.proposedBy, 'agent:proposer');
    assert.equal(found.etag, `"${found.body.entry.metadata.resourceVersion}"`);
    assert.equal((await admin('/admin/registry/known', 'reviewer')).body.entry.status.state, 'active');
    await gateway.settled();
    assert.ok((await legacyTools()).includes('known__echo'), JSON.stringify(await legacyTools()));
    assert.ok(!(await legacyTools()).some((name) => name.startsWith('found__')));
    assert.ok(!(await modernTools()).some((name) => name.startsWith('found__')));
  });

  it('refuses the proposer\'s approval of its own entry (403 self_review)', async () => {
    assert.equal((await move('found', 'proposer', { to: 'in_review', reason: 'ready for review' })).status, 200);
    const refused = await move('found', 'proposer', { to: 'approved', reason: 'looks fine to me', review: { decision: 'approve' } });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.code, 'self_review');
  });

  it('routes it once another admin approves and activates it, and open sessions of both revisions hear list_changed', async () => {
    const heardBefore = legacyListChanges;
    const listenBefore = listenMethods.filter((method) => method === 'notifications/tools/list_changed').length;
    const approved = await move('found', 'reviewer', { to: 'approved', reason: 'vetted', review: { decision: 'approve', checks: [{ name: 'tool-vetting', outcome: 'passed' }], next_review_at: new Date(Date.now() + 30 * 86_400_000).toISOString() } });
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    assert.ok(!(await legacyTools()).some((name) => name.startsWith('found__')), 'approved is not yet routed');
    const active = await move('found', 'reviewer', { to: 'active', reason: 'put into service' }, approved.etag!);
    assert.equal(active.status, 200, JSON.stringify(active.body));
    // The answer comes once the backend joined the catalog: no waiting.
    assert.ok((await legacyTools()).includes('found__echo'));
    assert.ok((await modernTools()).includes('found__echo'));
    await eventually(async () => assert.ok(legacyListChanges > heardBefore, 'the 2025-11-25 session heard tools/list_changed'), 5_000);
    await eventually(async () => assert.ok(listenMethods.filter((method) => method === 'notifications/tools/list_changed').length > listenBefore, 'the 2026-07-28 listen stream heard tools/list_changed'), 5_000);
    const result = await legacy.callTool({ name: 'found__echo', arguments: { message: 'routed' } });
    assert.equal(result.isError ?? false, false);
  });

  it('takes a suspended backend out of every catalog at once, keeping the sessions', async () => {
    const current = await admin('/admin/registry/found', 'reviewer');
    const heardBefore = legacyListChanges;
    const suspended = await move('found', 'reviewer', { to: 'suspended', reason: 'incident 42' }, current.etag!);
    assert.equal(suspended.status, 200, JSON.stringify(suspended.body));
    assert.ok(!(await legacyTools()).some((name) => name.startsWith('found__')));
    assert.ok(!(await modernTools()).some((name) => name.startsWith('found__')));
    assert.ok((await legacyTools()).includes('known__echo'), 'the same session still serves the other backend');
    await eventually(async () => assert.ok(legacyListChanges > heardBefore), 5_000);
    const call = await legacy.callTool({ name: 'found__echo', arguments: { message: 'x' } }).catch((error: Error) => ({ isError: true, error }));
    assert.equal(call.isError, true);
  });

  it('answers a stale If-Match with 409 conflict and changes nothing', async () => {
    const stale = await move('found', 'reviewer', { to: 'retired', reason: 'not needed' }, '"2"');
    assert.equal(stale.status, 409);
    assert.equal(stale.body.code, 'conflict');
    assert.equal((await admin('/admin/registry/found', 'reviewer')).body.entry.status.state, 'suspended');
  });

  it('lists entries and the ones due for review', async () => {
    const listed = await admin('/admin/registry', 'reviewer');
    assert.deepEqual(listed.body.entries.map((entry: any) => entry.spec.name), ['found', 'known']);
    const due = await admin('/admin/registry/review-due?within_days=365', 'reviewer');
    assert.deepEqual(due.body.entries.map((entry: any) => entry.name).sort(), ['found', 'known']);
    assert.deepEqual((await admin('/admin/registry/review-due', 'reviewer')).body.entries, []);
  });

  it('records every transition, allowed or refused, as an admin action with who, from, to and why', async () => {
    const store = await openAuditStore(resolveAuditSettings(config), { isReadOnly: true });
    try {
      const page = await store.query({ types: ['admin_action'] }, { limit: 100 });
      const moves = page.items.map((item) => item.record).filter((record) => record.operation.name === 'registry_transition').reverse();
      const summary = moves.map((record) => [record.operation.arguments?.by, record.operation.arguments?.from, record.operation.arguments?.to, record.operation.arguments?.reason]);
      assert.deepEqual(summary.map((row) => row.slice(0, 4)), [
        ['agent:proposer', 'proposed', 'in_review', 'ready for review'],
        ['agent:proposer', 'in_review', 'approved', 'looks fine to me'],
        ['agent:reviewer', 'in_review', 'approved', 'vetted'],
        ['agent:reviewer', 'approved', 'active', 'put into service'],
        ['agent:reviewer', 'active', 'suspended', 'incident 42'],
        ['agent:reviewer', undefined, 'retired', 'not needed'],
      ]);
    } finally {
      await store.close();
    }
  });

  /** `gatehouse registry ...` in-process, as `agent`, against the admin listener. */
  async function cli(agent: string, ...args: string[]): Promise<{ out: string[]; err: string[]; exitCode: number }> {
    const result = { out: [] as string[], err: [] as string[], exitCode: 0 };
    const io = { out: (line: string) => result.out.push(line), err: (line: string) => result.err.push(line), fail: (code: number) => { result.exitCode = code; }, env: { GATEHOUSE_ADMIN_TOKEN: tokens[agent] } };
    const program = new Command('gatehouse').exitOverride();
    registerRegistryLifecycleCommands(program.command('registry'), io);
    await program.parseAsync(['node', 'gatehouse', 'registry', ...args, '--admin', gateway.adminUrl!]);
    return result;
  }

  it('drives the same lifecycle from the CLI: list, show, transition with If-Match, review-due, and refusals on stderr', async () => {
    const listed = await cli('reviewer', 'list');
    assert.match(listed.out.join('\n'), /^found\s+suspended\s+agent:proposer\s+medium/m);
    const shown = await cli('reviewer', 'show', 'found');
    const version = /version "(\d+)"/.exec(shown.out[0]!)?.[1];
    assert.ok(version !== undefined, shown.out[0]);
    const lifted = await cli('reviewer', 'transition', 'found', '--to', 'active', '--reason', 'incident closed', '--if-match', version);
    assert.deepEqual(lifted.err, []);
    assert.match(lifted.out[0]!, /^found: suspended -> active/);
    assert.ok((await legacyTools()).includes('found__echo'));
    const stale = await cli('reviewer', 'transition', 'found', '--to', 'deprecated', '--reason', 'x', '--if-match', version);
    assert.equal(stale.exitCode, 1);
    assert.match(stale.err[0]!, /^409 conflict: /);
    const due = await cli('reviewer', 'review-due', '--within-days', '365');
    assert.match(due.out.join('\n'), /^found\s+agent:proposer\s+active/m);
    // The file's backend is active as seeded; the discovered one is discovery's, not the file's: no drift, exit 0.
    const inStep = await cli('reviewer', 'diff');
    assert.deepEqual([inStep.exitCode, inStep.out], [0, ['no drift: the registry store matches the config file']]);
  });

  it('marks every tool of a deprecated backend in _meta and its description, and keeps routing it', async () => {
    const current = await admin('/admin/registry/found', 'reviewer');
    assert.equal((await move('found', 'reviewer', { to: 'deprecated', reason: 'replaced by crm-v2' }, current.etag!)).status, 200);
    const tool = (await legacy.listTools()).tools.find((each) => each.name === 'found__echo');
    assert.ok(tool !== undefined);
    const notice = tool._meta?.['dev.gatehouse/deprecation'] as Record<string, unknown> | undefined;
    assert.match(String(notice?.deprecation), /^@\d+$/);
    assert.match(tool.description ?? '', /Deprecated: found is deprecated since/);
    const result = await legacy.callTool({ name: 'found__echo', arguments: { message: 'still routed' } });
    assert.equal(result.isError ?? false, false);
  });
});
