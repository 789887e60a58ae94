// Two tenants on one gateway, attacked from inside as a department would try
// it: a real gateway started from a YAML config with a `tenants` section,
// the embedded identity provider issuing the tenant claim, three stdio
// backends (one owned by each tenant, one shared), official SDK clients of
// both revisions over real HTTP, and the admin API. Every agent holds every
// backend's scopes, so what keeps tenant alpha out of tenant beta is the
// tenant, not a missing scope.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from '@modelcontextprotocol/client';
import { stdioCommand } from '@gatehouse/testing/backends/launch';
import type { RunningGateway } from '../../src/gateway.ts';
import { startYamlGateway, type YamlGateway } from '../fixtures/yaml-gateway.ts';
import type { AuditRecord } from '../../src/audit/record.ts';
import { eventually } from '../fixtures/eventually.ts';

const v2Script = fileURLToPath(import.meta.resolve('@gatehouse/testing/backends/v2-server'));
const BACKEND_SCOPES = ['alpha.read', 'alpha.invoke', 'beta.read', 'beta.invoke', 'shared.read', 'shared.invoke'];
const SHARED_LIMIT = 3;

type Era = 'legacy' | 'modern';
type ToolResult = { isError?: boolean; content?: Array<{ type: string; text?: string }>; _meta?: Record<string, unknown> };

interface TenantClient {
  listTools(): Promise<string[]>;
  callTool(name: string, args: Record<string, unknown>): Promise<ToolResult>;
  sessionId: string | undefined;
  close(): Promise<void>;
}

function configText(directory: string): string {
  const { command, args } = stdioCommand(v2Script);
  const backend = (name: string) => `  - name: ${name}\n    command: ${JSON.stringify(command)}\n    args: ${JSON.stringify(args)}\n`;
  const agent = (name: string, scopes: readonly string[], tenant?: string) =>
    `      - { name: ${name}, secret: ${name}-secret, scopes: ${JSON.stringify(scopes)}${tenant === undefined ? '' : `, tenant: ${tenant}`} }\n`;
  return `gateway:
  port: 0
  admin_port: 0
authentication:
  embedded_idp:
    port: 0
    agents:
${agent('alpha-agent', BACKEND_SCOPES, 'alpha')}${agent('beta-agent', BACKEND_SCOPES, 'beta')}${agent('alpha-admin', ['gatehouse.admin'], 'alpha')}${agent('beta-admin', ['gatehouse.admin'], 'beta')}${agent('platform-admin', ['gatehouse.admin'])}${agent('drifter', BACKEND_SCOPES)}
audit:
  store: sqlite
  path: ${JSON.stringify(join(directory, 'audit.db'))}
registry:
  store: sqlite
  path: ${JSON.stringify(join(directory, 'registry.db'))}
backends:
${backend('alpha')}${backend('beta')}${backend('shared')}
policies:
  - name: pins
    type: tool_pinning
    path: ${JSON.stringify(join(directory, 'pins.sqlite'))}
  - name: shared_backend_limit
    type: rate_limit
    requests: ${SHARED_LIMIT}
    window_seconds: 3600
    per: [backend]
    applies_to: { backends: [shared] }
tenants:
  list:
    - name: alpha
      backends: [alpha]
      shared: [shared]
    - name: beta
      backends: [beta]
      shared: [shared]
      policies:
        - name: payments
          type: approval
          on_match: reject
          rules:
            - { tool: '*/echo', when: 'args.message.startsWith("pay ")', reason: 'beta pays only with a second person' }
`;
}

describe('two tenants isolated on one gateway', () => {
  let started: YamlGateway;
  let gateway: RunningGateway;
  let base: string;
  let admin: string;
  let tokens: Record<string, string>;

  before(async () => {
    started = await startYamlGateway('tenants', configText, ['alpha-agent', 'beta-agent', 'alpha-admin', 'beta-admin', 'platform-admin', 'drifter']);
    ({ gateway, base, tokens } = started);
    admin = gateway.adminUrl!;
  });
  after(async () => {
    await started?.close();
  });

  async function connect(era: Era, token: string, path = '/mcp'): Promise<TenantClient> {
    const url = new URL(`${base}${path}`);
    const requestInit = { headers: { authorization: `Bearer ${token}` } };
    if (era === 'legacy') {
      const client = new V1Client({ name: 'tenant-test-v1', version: '1.0.0' });
      const transport = new V1Transport(url, { requestInit });
      await client.connect(transport);
      return {
        listTools: async () => (await client.listTools()).tools.map((tool) => tool.name),
        callTool: async (name, args) => (await client.callTool({ name, arguments: args })) as ToolResult,
        get sessionId() {
          return transport.sessionId;
        },
        close: () => client.close(),
      };
    }
    const client = new V2Client({ name: 'tenant-test-v2', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(new V2Transport(url, { requestInit }));
    assert.equal(client.getProtocolEra(), 'modern');
    return {
      listTools: async () => (await client.listTools()).tools.map((tool) => tool.name),
      callTool: async (name, args) => (await client.callTool({ name, arguments: args })) as ToolResult,
      sessionId: undefined,
      close: () => client.close(),
    };
  }

  async function adminGet(token: string, path: string): Promise<{ status: number; body: Record<string, any> }> {
    const response = await fetch(`${admin}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  }

  async function adminPost(token: string, path: string): Promise<{ status: number; body: Record<string, any> }> {
    const response = await fetch(`${admin}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  }

  /** A raw 2025 initialize, for the answers an SDK client turns into exceptions. */
  async function rawInitialize(token: string, path: string): Promise<{ status: number; body: Record<string, any> }> {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
    });
    const text = await response.text();
    return { status: response.status, body: text.startsWith('{') ? (JSON.parse(text) as Record<string, any>) : {} };
  }

  function text(result: ToolResult): string {
    return result.content?.find((item) => item.type === 'text')?.text ?? '';
  }

  for (const era of ['legacy', 'modern'] as const) {
    it(`lists only the caller's own and granted backends (${era})`, async () => {
      const alpha = await connect(era, tokens['alpha-agent']!);
      const beta = await connect(era, tokens['beta-agent']!);
      try {
        const alphaTools = await alpha.listTools();
        const betaTools = await beta.listTools();
        assert.ok(alphaTools.includes('alpha__echo') && alphaTools.includes('shared__echo'), alphaTools.join(', '));
        assert.deepEqual(alphaTools.filter((name) => name.startsWith('beta__')), [], 'alpha sees none of beta\'s tools');
        assert.ok(betaTools.includes('beta__echo') && betaTools.includes('shared__echo'), betaTools.join(', '));
        assert.deepEqual(betaTools.filter((name) => name.startsWith('alpha__')), [], 'beta sees none of alpha\'s tools');
      } finally {
        await Promise.all([alpha.close(), beta.close()]);
      }
    });

    it(`refuses a call to another tenant's tool by name, though the caller holds its scopes (${era})`, async () => {
      const alpha = await connect(era, tokens['alpha-agent']!);
      try {
        assert.equal(text(await alpha.callTool('alpha__echo', { message: `own ${era}` })), `own ${era}`);
        await assert.rejects(alpha.callTool('beta__echo', { message: 'trespass' }), (error: Error) => /not in this endpoint's catalog|not in this tenant's catalog/.test(error.message));
      } finally {
        await alpha.close();
      }
    });

    it(`serves a tenant's own endpoint and refuses another tenant's with tenant_mismatch (${era})`, async () => {
      const own = await connect(era, tokens['alpha-agent']!, '/t/alpha/mcp');
      try {
        assert.ok((await own.listTools()).includes('alpha__echo'));
      } finally {
        await own.close();
      }
      await assert.rejects(connect(era, tokens['alpha-agent']!, '/t/beta/mcp'), /403|tenant/i);
      const perBackend = await connect(era, tokens['alpha-agent']!, '/t/alpha/servers/shared/mcp');
      try {
        const names = await perBackend.listTools();
        assert.ok(names.includes('echo') && !names.some((name) => name.includes('__')), names.join(', '));
      } finally {
        await perBackend.close();
      }
    });
  }

  it('answers another tenant\'s endpoint with 403 tenant_mismatch, and its backend endpoint with 404', async () => {
    const mismatch = await rawInitialize(tokens['alpha-agent']!, '/t/beta/mcp');
    assert.equal(mismatch.status, 403);
    assert.equal(mismatch.body.error?.data?.auth_error, 'tenant_mismatch');
    const unknown = await rawInitialize(tokens['alpha-agent']!, '/t/gamma/mcp');
    assert.equal(unknown.status, 403);
    assert.equal(unknown.body.error?.data?.auth_error, 'tenant_unknown');
    assert.equal((await rawInitialize(tokens['alpha-agent']!, '/servers/beta/mcp')).status, 404);
    assert.equal((await rawInitialize(tokens['alpha-agent']!, '/t/alpha/servers/beta/mcp')).status, 404);
  });

  it('challenges a request without a token on a tenant endpoint with that endpoint\'s own resource metadata', async () => {
    const response = await fetch(`${base}/t/alpha/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' });
    assert.equal(response.status, 401);
    await response.body?.cancel();
    const challenge = response.headers.get('www-authenticate') ?? '';
    const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
    assert.equal(metadataUrl, `${base}/.well-known/oauth-protected-resource/t/alpha/mcp`);
    const metadata = (await (await fetch(metadataUrl!)).json()) as { resource: string };
    assert.equal(metadata.resource, `${base}/t/alpha/mcp`);
  });

  it('refuses a token that names no tenant (tenants.unassigned: refuse) with tenant_required', async () => {
    const refused = await rawInitialize(tokens.drifter!, '/mcp');
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error?.data?.auth_error, 'tenant_required');
  });

  it('does not let a caller use or end another tenant\'s 2025 session (it is not found there)', async () => {
    const beta = await connect('legacy', tokens['beta-agent']!);
    try {
      const sessionId = beta.sessionId!;
      const headers = { authorization: `Bearer ${tokens['alpha-agent']}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25', 'mcp-session-id': sessionId };
      // A session lives in the tenant that created it: in another tenant it does not exist (404, as an unknown id).
      const used = await fetch(`${base}/mcp`, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list' }) });
      assert.equal(used.status, 404);
      await used.body?.cancel();
      const ended = await fetch(`${base}/mcp`, { method: 'DELETE', headers });
      assert.equal(ended.status, 404);
      await ended.body?.cancel();
      assert.ok((await beta.listTools()).includes('beta__echo'), 'beta\'s session lives on');
    } finally {
      await beta.close();
    }
  });

  it('keeps rate-limit counters per tenant: alpha exhausting the shared backend\'s limit leaves beta\'s intact', async () => {
    const alpha = await connect('modern', tokens['alpha-agent']!);
    const beta = await connect('legacy', tokens['beta-agent']!);
    try {
      for (let call = 0; call < SHARED_LIMIT; call++) assert.equal((await alpha.callTool('shared__echo', { message: `a${call}` })).isError ?? false, false);
      const limited = await alpha.callTool('shared__echo', { message: 'one too many' });
      assert.equal(limited.isError, true);
      assert.match(text(limited), /rate|limit/i);
      const betaCall = await beta.callTool('shared__echo', { message: 'beta still has its own allowance' });
      assert.equal(betaCall.isError ?? false, false, text(betaCall));
      assert.equal(text(betaCall), 'beta still has its own allowance');
    } finally {
      await Promise.all([alpha.close(), beta.close()]);
    }
  });

  it('runs a tenant\'s own policies on its calls only, and only its admins (and platform admins) see and decide its approvals', async () => {
    const alpha = await connect('modern', tokens['alpha-agent']!);
    const beta = await connect('legacy', tokens['beta-agent']!);
    try {
      assert.equal(text(await alpha.callTool('alpha__echo', { message: 'pay 10 alpha-needs-no-approval' })), 'pay 10 alpha-needs-no-approval');
      const held = await beta.callTool('beta__echo', { message: 'pay 10 beta-marker' });
      assert.equal(held.isError, true, 'beta\'s own approval policy holds its payment');
      const pending = await eventually(async () => {
        const { body } = await adminGet(tokens['beta-admin']!, '/admin/approvals');
        const found = (body.approvals as Array<Record<string, any>>).find((item) => String(item.preview).includes('beta-marker'));
        assert.ok(found !== undefined);
        return found;
      });
      assert.equal(pending.tenant, 'beta');
      const alphaList = await adminGet(tokens['alpha-admin']!, '/admin/approvals?status=all');
      assert.equal(alphaList.status, 200);
      assert.deepEqual((alphaList.body.approvals as Array<Record<string, any>>).filter((item) => item.tenant !== 'alpha'), [], 'alpha\'s admin lists no other tenant\'s approvals');
      assert.equal((await adminGet(tokens['alpha-admin']!, `/admin/approvals/${pending.id}`)).status, 404);
      const refused = await adminPost(tokens['alpha-admin']!, `/admin/approvals/${pending.id}/approve`);
      assert.equal(refused.status, 404);
      assert.equal(refused.body.code, 'not_found');
      const platform = await adminGet(tokens['platform-admin']!, '/admin/approvals');
      assert.ok((platform.body.approvals as Array<Record<string, any>>).some((item) => item.id === pending.id), 'the platform admin sees every tenant\'s approvals');
      const approved = await adminPost(tokens['beta-admin']!, `/admin/approvals/${pending.id}/approve`);
      assert.equal(approved.status, 200, JSON.stringify(approved.body));
      assert.equal(text(await beta.callTool('beta__echo', { message: 'pay 10 beta-marker' })), 'pay 10 beta-marker');
    } finally {
      await Promise.all([alpha.close(), beta.close()]);
    }
  });

  it('records the tenant on audit records; a tenant admin reads only its own, a platform admin all', async () => {
    const alpha = await connect('modern', tokens['alpha-agent']!);
    const beta = await connect('modern', tokens['beta-agent']!);
    try {
      await alpha.callTool('alpha__echo', { message: 'audit-alpha' });
      await beta.callTool('beta__echo', { message: 'audit-beta' });
    } finally {
      await Promise.all([alpha.close(), beta.close()]);
    }
    const query = '/admin/audit/records?type=tool_invocation&limit=1000';
    const platform = await eventually(async () => {
      const { body } = await adminGet(tokens['platform-admin']!, query);
      const records = body.records as AuditRecord[];
      assert.ok(records.some((record) => record.operation.arguments?.message === 'audit-alpha'));
      assert.ok(records.some((record) => record.operation.arguments?.message === 'audit-beta'));
      return records;
    });
    for (const record of platform) assert.ok(record.caller.tenant === 'alpha' || record.caller.tenant === 'beta', `record ${record.audit_id} carries its tenant`);
    const alphaRecords = (await adminGet(tokens['alpha-admin']!, query)).body.records as AuditRecord[];
    assert.ok(alphaRecords.length > 0);
    assert.deepEqual(alphaRecords.filter((record) => record.caller.tenant !== 'alpha'), [], 'alpha\'s admin reads no other tenant\'s records');
    assert.ok(!alphaRecords.some((record) => record.operation.server === 'beta'));
    const other = await adminGet(tokens['alpha-admin']!, '/admin/audit/records?tenant=beta');
    assert.equal(other.status, 403);
    assert.equal(other.body.code, 'tenant_out_of_scope');
    assert.equal((await adminGet(tokens['platform-admin']!, `${query}&tenant=beta`)).body.records.every((record: AuditRecord) => record.caller.tenant === 'beta'), true);
  });

  it('attributes usage to tenants: figures equal the audit records, and a tenant admin sees its own tenant only', async () => {
    // Read together until they agree: audit records are written in batches, after the calls answered.
    const usage = await eventually(async () => {
      const read = await adminGet(tokens['platform-admin']!, '/admin/audit/records?type=tool_invocation&limit=10000&period=today');
      const records = (read.body.records as AuditRecord[]).filter((record) => record.result.status !== 'attempted');
      const { status, body } = await adminGet(tokens['platform-admin']!, '/admin/usage?by=tenant&period=today');
      assert.equal(status, 200, JSON.stringify(body));
      const calls = Object.fromEntries((body.rows as Array<Record<string, any>>).map((row) => [row.key, row.calls]));
      const expected: Record<string, number> = {};
      for (const record of records) expected[record.caller.tenant ?? 'default'] = (expected[record.caller.tenant ?? 'default'] ?? 0) + 1;
      assert.deepEqual(calls, expected);
      return calls;
    });
    assert.ok(usage.alpha! > 0 && usage.beta! > 0);
    const own = await adminGet(tokens['beta-admin']!, '/admin/usage?by=tenant&period=today');
    assert.deepEqual((own.body.rows as Array<Record<string, any>>).map((row) => row.key), ['beta']);
    assert.equal(own.body.rows[0].calls, usage.beta);
  });

  it('enrols each tenant\'s backends as its registry entries, which only its admins (and platform admins) see and move', async () => {
    const names = async (token: string) => ((await adminGet(token, '/admin/registry')).body.entries as Array<{ spec: { name: string; tenant: string } }>).map((entry) => `${entry.spec.name}:${entry.spec.tenant}`).sort();
    assert.deepEqual(await names(tokens['alpha-admin']!), ['alpha:alpha']);
    assert.deepEqual(await names(tokens['beta-admin']!), ['beta:beta']);
    assert.deepEqual(await names(tokens['platform-admin']!), ['alpha:alpha', 'beta:beta', 'shared:default']);
    assert.equal((await adminGet(tokens['alpha-admin']!, '/admin/registry/alpha')).status, 200);
    assert.equal((await adminGet(tokens['alpha-admin']!, '/admin/registry/beta')).status, 404);
    const moved = await fetch(`${admin}/admin/registry/beta/transitions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens['alpha-admin']}`, 'content-type': 'application/json' },
      body: JSON.stringify({ to: 'suspended', reason: 'alpha tries to switch beta off' }),
    });
    assert.equal(moved.status, 404);
    assert.equal(((await moved.json()) as { code: string }).code, 'not_found');
    assert.equal((await adminGet(tokens['platform-admin']!, '/admin/registry/beta')).body.entry.status.state, 'active');
  });

  it('shows a tenant admin the tool pins of its own backends only, and refuses it another tenant\'s', async () => {
    const backends = async (token: string) => [...new Set(((await adminGet(token, '/admin/tools/pins')).body.pins as Array<{ backend: string }>).map((pin) => pin.backend))].sort();
    assert.deepEqual(await backends(tokens['alpha-admin']!), ['alpha']);
    assert.deepEqual(await backends(tokens['platform-admin']!), ['alpha', 'beta', 'shared']);
    assert.equal((await adminGet(tokens['alpha-admin']!, '/admin/tools/alpha/echo')).status, 200);
    const other = await adminGet(tokens['alpha-admin']!, '/admin/tools/beta/echo');
    assert.equal(other.status, 403);
    assert.equal(other.body.code, 'tenant_out_of_scope');
    assert.equal((await adminPost(tokens['alpha-admin']!, '/admin/tools/shared/echo/accept')).status, 403, 'a shared backend is the platform\'s to review');
  });

  it('narrows the console\'s reads (me, sessions, catalog, overview) to a tenant admin\'s tenant; a platform admin sees all', async () => {
    const alphaClient = await connect('legacy', tokens['alpha-agent']!);
    const betaClient = await connect('legacy', tokens['beta-agent']!);
    try {
      const me = await adminGet(tokens['alpha-admin']!, '/admin/me');
      assert.equal(me.body.tenant, 'alpha');
      assert.equal(me.body.is_platform_admin, false);
      const platformMe = await adminGet(tokens['platform-admin']!, '/admin/me');
      assert.equal(platformMe.body.tenant, null);
      assert.equal(platformMe.body.is_platform_admin, true);

      const sessionClients = async (token: string) => new Set(((await adminGet(token, '/admin/sessions?limit=500')).body.sessions as Array<{ client_id: string; tenant: string }>).map((session) => `${session.client_id}`));
      const tenantsOfSessions = ((await adminGet(tokens['platform-admin']!, '/admin/sessions?limit=500')).body.sessions as Array<{ client_id: string; tenant: string }>)
        .filter((session) => session.client_id === 'alpha-agent' || session.client_id === 'beta-agent').map((session) => `${session.client_id}:${session.tenant}`);
      assert.ok(tenantsOfSessions.includes('alpha-agent:alpha') && tenantsOfSessions.includes('beta-agent:beta'), `each session names its tenant: ${tenantsOfSessions.join(', ')}`);
      const alphaSees = await sessionClients(tokens['alpha-admin']!);
      assert.ok(alphaSees.has('alpha-agent') && !alphaSees.has('beta-agent'), `alpha's admin lists ${[...alphaSees].join(', ')}`);
      const platformSees = await sessionClients(tokens['platform-admin']!);
      assert.ok(platformSees.has('alpha-agent') && platformSees.has('beta-agent'));
      const ending = await fetch(`${admin}/admin/sessions/${encodeURIComponent(betaClient.sessionId!)}`, { method: 'DELETE', headers: { authorization: `Bearer ${tokens['alpha-admin']!}` } });
      assert.equal(ending.status, 404, 'another tenant\'s session is not found to a tenant admin, so it cannot end it');
      assert.ok((await betaClient.listTools()).length > 0, 'beta\'s session goes on');

      const catalogBackends = async (token: string) => [...new Set(((await adminGet(token, '/admin/catalog')).body.tools as Array<{ backend: string }>).map((tool) => tool.backend))].sort();
      assert.deepEqual(await catalogBackends(tokens['alpha-admin']!), ['alpha', 'shared']);
      assert.deepEqual(await catalogBackends(tokens['platform-admin']!), ['alpha', 'beta', 'shared']);

      const overviewBackends = async (token: string) => ((await adminGet(token, '/admin/overview')).body.backends as Array<{ name: string }>).map((backend) => backend.name).sort();
      assert.deepEqual(await overviewBackends(tokens['alpha-admin']!), ['alpha', 'shared']);
      assert.deepEqual(await overviewBackends(tokens['platform-admin']!), ['alpha', 'beta', 'shared']);
    } finally {
      await alphaClient.close();
      await betaClient.close();
    }
  });

  it('labels the usage counters with configured tenant names only', async () => {
    const metrics = await (await fetch(`${admin}/metrics`)).text();
    const tenants = new Set([...metrics.matchAll(/^mcp_usage_calls_total\{tenant="([^"]*)"/gm)].map((match) => match[1]));
    assert.deepEqual([...tenants].sort(), ['alpha', 'beta']);
    assert.match(metrics, /^mcp_usage_calls_total\{tenant="alpha",backend="alpha"\} [1-9]/m);
  });
});
