// Approvals that decide on facts the caller cannot forge (docs/policies.md),
// over real HTTP with the official SDK clients of both eras, on both
// endpoints: a gateway with the shipped default's policies in front of the
// demo CRM. `send_mass_email {segment: "all", recipient_count: 1}` used to
// run without approval and queue to the whole segment; now the gateway asks
// the CRM for a dry run first and the rule reads the CRM's own count, so the
// call is held, and the CRM refuses the forged count when called directly.
// A backend without dry-run support makes the rule hold, saying why.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from '@modelcontextprotocol/client';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { createDemoCrmHandler, createDemoCrmState, serveOverHttp, type DemoCrmState, type RunningHttpServer } from '../../../demo-crm/src/index.ts';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { agentToken } from '../../src/cli/commands/token.ts';
import { loadConfig } from '../../src/config/load.ts';
import { openAuditStore } from '../../src/audit/open-store.ts';
import { resolveAuditSettings } from '../../src/audit/settings.ts';
import type { AuditRecord } from '../../src/audit/record.ts';
import type { GatewayConfig } from '../../src/config/schema.ts';
import { gatewayConfig, httpBackend } from '../fixtures/gateway-config.ts';
import { useEmbeddedIdentity } from '../fixtures/embedded-default-identity.ts';
import { firstText } from '../fixtures/clients.ts';
import { modernRequest, post } from '../fixtures/raw-http.ts';

const defaultConfig = fileURLToPath(new URL('../../config/default.yaml', import.meta.url));

type ToolResult = { isError?: boolean; content?: unknown; structuredContent?: Record<string, unknown>; _meta?: Record<string, unknown> };

interface CallingClient {
  era: string;
  elicited: Array<Record<string, unknown>>;
  callTool(name: string, args: Record<string, unknown>): Promise<ToolResult>;
  close(): Promise<void>;
}

/** 2025-11-25 session (SDK v1) that takes URL elicitation, as an approval-aware client does. */
async function connectLegacy(url: string, token: string): Promise<CallingClient> {
  const client = new V1Client({ name: 'dry-run-test-v1', version: '1.0.0' }, { capabilities: { elicitation: { url: {} } } });
  const elicited: Array<Record<string, unknown>> = [];
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    elicited.push(request.params as Record<string, unknown>);
    return { action: 'accept' };
  });
  await client.connect(new V1Transport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return { era: 'legacy', elicited, callTool: async (name, args) => (await client.callTool({ name, arguments: args }, undefined, { timeout: 30_000 })) as ToolResult, close: () => client.close() };
}

/** 2026-07-28 (SDK v2): an approval comes back as input_required with the page; the SDK retries by itself. */
async function connectModern(url: string, token: string): Promise<CallingClient> {
  const client = new V2Client({ name: 'dry-run-test-v2', version: '1.0.0' }, { capabilities: { elicitation: { url: {} } }, versionNegotiation: { mode: 'auto' } });
  const elicited: Array<Record<string, unknown>> = [];
  client.setRequestHandler('elicitation/create', async (request) => {
    elicited.push(request.params as Record<string, unknown>);
    return { action: 'accept' };
  });
  await client.connect(new V2Transport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return { era: client.getProtocolEra() ?? 'legacy', elicited, callTool: async (name, args) => (await client.callTool({ name, arguments: args }, { timeout: 30_000 })) as ToolResult, close: () => client.close() };
}

/** A mailer whose send_mass_email has no dry run: it must never be called while the rule cannot get an estimate. */
async function startMailerWithoutDryRun(calls: Array<Record<string, unknown>>): Promise<RunningHttpServer> {
  const handler = createMcpHandler(() => {
    const server = new McpServer({ name: 'old-mailer', version: '1.0.0' });
    server.registerTool('send_mass_email', {
      description: 'Queue one email to a list. Use when the user asks for a campaign.',
      inputSchema: z.object({ segment: z.string(), subject: z.string(), body: z.string(), recipient_count: z.number().int() }),
    }, (args) => {
      calls.push(args);
      return { content: [{ type: 'text', text: `queued to ${args.segment}` }] };
    });
    return server;
  });
  return serveOverHttp(handler, { port: 0, host: '127.0.0.1' });
}

describe('approval rules that decide on the backend\'s dry-run estimate (the shipped default)', () => {
  let directory: string;
  let config: GatewayConfig;
  let gateway: RunningGateway;
  let crm: RunningHttpServer;
  let mailer: RunningHttpServer;
  let state: DemoCrmState;
  const mailerCalls: Array<Record<string, unknown>> = [];
  const tokens: Record<string, string> = {};
  let counter = 0;

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-dry-run-e2e-'));
    state = createDemoCrmState();
    crm = await serveOverHttp(createDemoCrmHandler({ state }), { port: 0, host: '127.0.0.1' });
    mailer = await startMailerWithoutDryRun(mailerCalls);
    // The shipped default's policies as written (the pin file aside), the hold shortened so a held call answers within the test.
    const shipped = (await loadConfig(defaultConfig)).config.policies.filter((policy) => policy.type !== 'tool_pinning');
    const approval = shipped.find((policy) => policy.name === 'mass_email_approval');
    assert.ok(approval, 'the default ships mass_email_approval');
    approval.settings = { ...approval.settings, hold_timeout_seconds: 2 };
    config = gatewayConfig([httpBackend('crm', crm.url), httpBackend('mailer', mailer.url)]);
    useEmbeddedIdentity(config);
    // The mailer is not in the demo directory: calling it takes the CRM's scopes, which the admin agent holds.
    config.authorization = { backends: { mailer: { readScope: 'crm.read', invokeScope: 'crm.invoke' } } };
    config.audit = { backend: undefined, retentionDays: undefined, raw: { store: 'sqlite', path: join(directory, 'audit.db') } };
    config.policies = shipped;
    gateway = await startGateway(config, { logger: silentLogger, adminPort: 0 });
    const base = gateway.url.replace(/\/mcp$/, '');
    // Only the admin agent holds crm.email.bulk in the demo directory.
    tokens.admin = (await agentToken(base, 'admin', 'admin-dev-secret')).token;
  });
  after(async () => {
    await gateway?.close();
    await crm?.close();
    await mailer?.close();
    await rm(directory, { recursive: true, force: true });
  });

  async function approvalsList(): Promise<Array<Record<string, any>>> {
    const response = await fetch(`${gateway.adminUrl}/admin/approvals?status=all`, { headers: { authorization: `Bearer ${tokens.admin}` } });
    return ((await response.json()) as { approvals: Array<Record<string, any>> }).approvals;
  }

  async function auditRecords(marker: string): Promise<AuditRecord[]> {
    const store = await openAuditStore(resolveAuditSettings(config), { isReadOnly: true });
    try {
      return (await store.query({ target: marker }, { limit: 50 })).items.map((item) => item.record);
    } finally {
      await store.close();
    }
  }

  /** Connects as the admin agent (the only one holding crm.email.bulk), runs `use`, and closes the client whatever happens. */
  async function asAdmin(connect: (url: string, token: string) => Promise<CallingClient>, url: string, use: (client: CallingClient) => Promise<void>): Promise<void> {
    const client = await connect(url, tokens.admin!);
    try {
      await use(client);
    } finally {
      await client.close();
    }
  }

  const campaignsTo = (subject: string) => state.outbox.campaigns().filter((campaign) => campaign.subject === subject);

  const endpoints = [
    ['/mcp', (url: string) => url, 'crm__send_mass_email'],
    ['/servers/crm/mcp', (url: string) => url.replace(/\/mcp$/, '/servers/crm/mcp'), 'send_mass_email'],
  ] as const;
  const eras = [
    ['2025-11-25 session (SDK v1)', connectLegacy, 'legacy'],
    ['2026-07-28 (SDK v2)', connectModern, 'modern'],
  ] as const;

  for (const [endpoint, urlOf, tool] of endpoints) {
    for (const [label, connect, era] of eras) {
      describe(`${label} on ${endpoint}`, () => {
        it('holds {segment: "all", recipient_count: 1} for approval on the CRM\'s own count, and nothing is queued', async () => {
          await asAdmin(connect, urlOf(gateway.url), async (client) => {
            assert.equal(client.era, era);
            const subject = `Forged count ${++counter}-${era}`;
            const result = await client.callTool(tool, { segment: 'all', subject, body: 'Hello everyone', recipient_count: 1 });
            assert.equal(result.isError, true, JSON.stringify(result));
            const meta = result._meta?.['io.gatehouse/policy-error'] as Record<string, unknown>;
            assert.equal(meta.code, 'approval_pending', firstText(result));
            const pending = (await approvalsList()).find((item) => item.id === meta.approval_id)!;
            assert.equal(pending.status, 'pending');
            assert.equal(pending.reason, 'a mass email to more than 1000 recipients, or to another number than it declares, needs a human\'s approval (the backend\'s dry run estimates recipient_count 12, cost_usd 0.012)');
            assert.match(firstText(result), /the backend's dry run estimates recipient_count 12, cost_usd 0\.012/);
            assert.equal(client.elicited.length, 1, 'the user was sent the approval page');
            assert.deepEqual(campaignsTo(subject), [], 'the CRM queued nothing');

            const records = await auditRecords(subject);
            assert.ok(records.every((record) => record.operation.arguments?.dry_run === undefined), 'the gateway\'s dry run is not audited as the caller\'s action');
            const decisions = records.flatMap((record) => record.context.policy_decisions.filter((entry) => entry.policy === 'mass_email_approval'));
            // A 2026 client's first request ended in input_required (hold); its retry waited and was answered "pending".
            assert.deepEqual(decisions.map((entry) => entry.decision).sort(), era === 'modern' ? ['deny', 'hold'] : ['deny']);
            for (const entry of decisions) assert.deepEqual(entry.estimate, { recipient_count: 12, cost_usd: 0.012 }, 'the decision records the estimate it used');
          });
        });

        it('runs a small honest campaign without approval', async () => {
          await asAdmin(connect, urlOf(gateway.url), async (client) => {
            const subject = `Enterprise note ${++counter}-${era}`;
            const size = state.customers.segmentSize('enterprise');
            const result = await client.callTool(tool, { segment: 'enterprise', subject, body: 'Hello', recipient_count: size });
            assert.notEqual(result.isError, true, JSON.stringify(result));
            assert.equal(result.structuredContent?.status, 'queued');
            assert.equal(client.elicited.length, 0);
            assert.deepEqual(campaignsTo(subject).map((campaign) => campaign.recipientCount), [size]);
          });
        });
      });
    }
  }

  it('answers a 2026-07-28 request for the forged count with input_required and the approval page', async () => {
    const request = modernRequest(7, 'tools/call', { name: 'crm__send_mass_email', arguments: { segment: 'all', subject: `Wire check ${++counter}`, body: 'Hi', recipient_count: 1 } });
    (request.body.params as { _meta: Record<string, unknown> })._meta['io.modelcontextprotocol/clientCapabilities'] = { elicitation: { url: {} } };
    const response = await post(gateway.url, request.body, { ...request.headers, authorization: `Bearer ${tokens.admin}` });
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.result.resultType, 'input_required', response.text);
    assert.match(response.body.result.inputRequests.approval.params.message, /recipient_count 12/);
  });

  it('holds a campaign to the large newsletter segment, whatever count it declares', async () => {
    await asAdmin(connectModern, gateway.url, async (client) => {
      const subject = `Newsletter ${++counter}`;
      const result = await client.callTool('crm__send_mass_email', { segment: 'newsletter', subject, body: 'News', recipient_count: 2400 });
      assert.equal((result._meta?.['io.gatehouse/policy-error'] as Record<string, unknown>).code, 'approval_pending');
      assert.match(firstText(result), /recipient_count 2400, cost_usd 2\.4/);
      assert.deepEqual(campaignsTo(subject), []);
    });
  });

  it('lets an agent preview a large campaign with its own dry run, without approval and without queuing', async () => {
    await asAdmin(connectLegacy, gateway.url, async (client) => {
      const subject = `Preview ${++counter}`;
      const result = await client.callTool('crm__send_mass_email', { segment: 'newsletter', subject, body: 'News', recipient_count: 1, dry_run: true });
      assert.notEqual(result.isError, true, JSON.stringify(result));
      assert.deepEqual(result.structuredContent?.estimate, { recipient_count: 2400, cost_usd: 2.4 });
      assert.equal(client.elicited.length, 0);
      assert.deepEqual(campaignsTo(subject), []);
    });
  });

  it('the CRM itself refuses the forged count when called directly, naming both numbers', async () => {
    const client = new V2Client({ name: 'direct', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(new V2Transport(new URL(crm.url)));
    try {
      const subject = `Direct ${++counter}`;
      const result = (await client.callTool({ name: 'send_mass_email', arguments: { segment: 'all', subject, body: 'Hi', recipient_count: 1 } })) as ToolResult;
      assert.equal(result.isError, true);
      assert.match(firstText(result), /^recipient_count is 1, but segment "all" has 12 recipients, so nothing was queued\./);
      assert.deepEqual(campaignsTo(subject), []);
    } finally {
      await client.close();
    }
  });

  it('holds the call when the backend offers no dry run, saying why, and never calls that backend', async () => {
    await asAdmin(connectLegacy, gateway.url, async (client) => {
      const result = await client.callTool('mailer__send_mass_email', { segment: 'all', subject: `Old mailer ${++counter}`, body: 'Hi', recipient_count: 1 });
      const meta = result._meta?.['io.gatehouse/policy-error'] as Record<string, unknown>;
      assert.equal(meta.code, 'approval_pending', firstText(result));
      const pending = (await approvalsList()).find((item) => item.id === meta.approval_id)!;
      assert.equal(pending.backend, 'mailer');
      assert.equal(pending.reason, 'a mass email to more than 1000 recipients, or to another number than it declares, needs a human\'s approval (held without an estimate: tool "send_mass_email" of backend "mailer" does not declare a boolean "dry_run" argument in its inputSchema, so the gateway cannot ask it for an estimate)');
      assert.deepEqual(mailerCalls, [], 'neither a dry run nor the call reached the mailer');
    });
  });
});
