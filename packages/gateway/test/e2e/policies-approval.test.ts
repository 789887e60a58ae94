// Human approval through the real gateway, its admin API and the demo CRM,
// with official SDK clients of both eras over real HTTP: a 2025 client (SDK
// v1) waits on its open call and is sent the approval page by URL
// elicitation; a 2026-07-28 client (SDK v2) gets `input_required` with the
// page and a sealed requestState, and its retry completes once an approver
// decides. Approve, deny and timeout for each; every decision lands in the
// audit log.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from '@modelcontextprotocol/client';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { agentToken } from '../../src/cli/commands/token.ts';
import type { AuditRecord } from '../../src/audit/record.ts';
import type { AuditQuery } from '../../src/audit/query.ts';
import { readAuditRecords, waitForPendingApproval } from '../fixtures/approval-queue.ts';
import { modernMeta, modernRequest, post } from '../fixtures/raw-http.ts';
import type { GatewayConfig } from '../../src/config/schema.ts';
import { gatewayConfig, stdioBackend } from '../fixtures/gateway-config.ts';
import { useEmbeddedIdentity } from '../fixtures/embedded-default-identity.ts';
import { firstText } from '../fixtures/clients.ts';
import { connectLegacy, connectModern, policyErrorOf as policyError, type ToolResult } from '../fixtures/approval-clients.ts';

const demoCrm = fileURLToPath(new URL('../../../demo-crm/src/main.ts', import.meta.url));

describe('approval through the gateway and its admin API', () => {
  let directory: string;
  let config: GatewayConfig;
  let gateway: RunningGateway;
  const tokens: Record<string, string> = {};
  let counter = 0;

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-approval-e2e-'));
    config = gatewayConfig([stdioBackend('crm', process.execPath, [demoCrm, '--stdio'])]);
    useEmbeddedIdentity(config);
    config.audit = { backend: undefined, retentionDays: undefined, raw: { store: 'sqlite', path: join(directory, 'audit.db') } };
    config.policies = [
      {
        name: 'partner_email_approval',
        type: 'approval',
        settings: { rules: [{ tool: 'send_email', when: 'args.to.endsWith("@partner.example")', reason: 'email to a partner domain' }], hold_timeout_seconds: 20 },
      },
      {
        name: 'quick_approval',
        type: 'approval',
        settings: { rules: [{ tool: 'crm/echo', when: 'args.message.startsWith("wire")', reason: 'wire transfers are reviewed' }], hold_timeout_seconds: 1 },
      },
    ];
    gateway = await startGateway(config, { logger: silentLogger, adminPort: 0 });
    const base = gateway.url.replace(/\/mcp$/, '');
    for (const [agent, secret] of [['support', 'support-dev-secret'], ['admin', 'admin-dev-secret']] as const) {
      tokens[agent] = (await agentToken(base, agent, secret)).token;
    }
  });
  after(async () => {
    await gateway?.close();
    await rm(directory, { recursive: true, force: true });
  });

  async function admin(path: string, method = 'GET', agent = 'admin'): Promise<{ status: number; body: Record<string, any> }> {
    const response = await fetch(`${gateway.adminUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens[agent]}`, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
      ...(method === 'POST' ? { body: JSON.stringify({ reason: 'checked with the partner team' }) } : {}),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  }

  const pendingApproval = (marker: string) => waitForPendingApproval(() => admin('/admin/approvals?status=pending'), marker);
  const auditQuery = (query: AuditQuery) => readAuditRecords(config, query, 50);

  /** The outcome records naming `marker`: a send changes data, so each call that ran also has its write-ahead attempt record, left out here. */
  const auditRecords = async (marker: string) => (await auditQuery({ target: marker })).filter((record) => record.result.status !== 'attempted');

  const connections = [
    ['2025-11-25 (SDK v1)', connectLegacy, 'legacy'],
    ['2026-07-28 (SDK v2)', connectModern, 'modern'],
  ] as const;

  for (const [label, connect, era] of connections) {
    describe(label, () => {
      it('holds a matching call, sends the approval page, and completes the call once an approver approves', async () => {
        const client = await connect(gateway.url, tokens.support!);
        try {
          assert.equal(client.era, era);
          const subject = `Partner notice ${++counter}-${era}`;
          const call = client.callTool('crm__send_email', { to: 'ops@partner.example', subject, body: 'Hello partners', idempotency_key: subject });
          const pending = await pendingApproval(subject);
          assert.equal(pending.tool, 'send_email');
          assert.equal(pending.reason, 'email to a partner domain');
          assert.deepEqual(pending.requested_by, { agent: 'support', user: null });
          assert.equal((await admin(`/admin/approvals/${pending.id}/approve`, 'POST', 'support')).status, 403, 'the requester (without the admin scope) cannot approve its own call');
          const approved = await admin(`/admin/approvals/${pending.id}/approve`, 'POST');
          assert.equal(approved.status, 200, JSON.stringify(approved.body));
          const result = await call;
          assert.notEqual(result.isError, true, JSON.stringify(result));
          assert.equal(result.structuredContent?.status, 'sent');
          assert.equal(client.elicited.length, 1, 'the user was sent the approval page once');
          assert.equal(client.elicited[0]!.mode, 'url');
          assert.equal(client.elicited[0]!.url, `${gateway.adminUrl}/approvals/${pending.id}`);

          const records = await auditRecords(subject);
          const decisions = records.flatMap((record) => record.context.policy_decisions.filter((entry) => entry.policy === 'partner_email_approval').map((entry) => entry.decision));
          // A 2026 client's first request ended in the hold (input_required); its retry was allowed.
          assert.deepEqual(decisions, era === 'modern' ? ['hold', 'allow'] : ['allow']);
          assert.equal(records.at(-1)!.result.status, 'success');
          const decisions2 = (await auditQuery({ types: ['approval_decision'] })).filter((record) => record.operation.arguments?.approval_id === pending.id);
          assert.deepEqual(decisions2.map((record) => [record.caller.agent, record.result.status, record.operation.arguments?.decision]), [['admin', 'success', 'approve']], 'the approval is audited once');
        } finally {
          await client.close();
        }
      });

      it('reports a denial to the agent as a tool error naming the approver and the reason', async () => {
        const client = await connect(gateway.url, tokens.support!);
        try {
          const subject = `Partner offer ${++counter}-${era}`;
          const call = client.callTool('crm__send_email', { to: 'sales@partner.example', subject, body: 'Discounts', idempotency_key: subject });
          const pending = await pendingApproval(subject);
          assert.equal((await admin(`/admin/approvals/${pending.id}/deny`, 'POST')).status, 200);
          const result = await call;
          assert.equal(result.isError, true);
          assert.equal(firstText(result), `An approver (agent "admin") denied this call to "send_email" (approval ${pending.id}: checked with the partner team). Do not retry it; tell the user it was not approved`);
          assert.equal(policyError(result)?.code, 'approval_denied');
          assert.equal(policyError(result)?.approval_id, pending.id);
          const records = await auditRecords(subject);
          const last = records.at(-1)!;
          assert.deepEqual(last.context.policy_decisions.map((entry) => [entry.policy, entry.decision]), [['scope_check', 'allow'], ['partner_email_approval', 'deny']]);
          // A denial is one policy_denial record in the security log, whatever the agent reads (docs/audit.md).
          assert.equal(last.operation.type, 'policy_denial');
          assert.equal(last.result.status, 'denied');
        } finally {
          await client.close();
        }
      });

      it('tells the agent the approval is still pending when nobody decides in time, and lets the same call through once approved', async () => {
        const client = await connect(gateway.url, tokens.support!);
        try {
          const message = `wire ${++counter}-${era} EUR 900`;
          const result = await client.callTool('crm__echo', { message });
          assert.equal(result.isError, true);
          const facts = policyError(result)!;
          assert.equal(facts.code, 'approval_pending');
          const id = String(facts.approval_id);
          assert.equal(firstText(result), `Approval ${id} for this call to "echo" is still pending after 1 s (wire transfers are reviewed). Tell the user an approver must decide at ${gateway.adminUrl}/approvals/${id}, then call the tool again with the same arguments`);
          const page = await fetch(`${gateway.adminUrl}/approvals/${id}`);
          assert.equal(page.status, 200, 'the page the URL elicitation points at is served');
          assert.equal((await admin(`/admin/approvals/${id}/approve`, 'POST')).status, 200);
          const retried = await client.callTool('crm__echo', { message });
          assert.notEqual(retried.isError, true, JSON.stringify(retried));
          assert.equal(retried.structuredContent?.message, message);
          const decisions = (await auditRecords(message)).map((record) => record.context.policy_decisions.find((entry) => entry.policy === 'quick_approval')?.decision);
          assert.deepEqual(decisions, era === 'modern' ? ['hold', 'deny', 'allow'] : ['deny', 'allow']);
        } finally {
          await client.close();
        }
      });
    });
  }

  it('holds the call of a 2026 client that declared no URL elicitation, as for a 2025 client, until an approver decides', async () => {
    const client = new V2Client({ name: 'approval-test-v2-plain', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(new V2Transport(new URL(gateway.url), { requestInit: { headers: { authorization: `Bearer ${tokens.support}` } } }));
    try {
      assert.equal(client.getProtocolEra(), 'modern');
      const subject = `Partner plain ${++counter}`;
      const call = client.callTool({ name: 'crm__send_email', arguments: { to: 'plain@partner.example', subject, body: 'Hi', idempotency_key: subject } }, { timeout: 30_000 });
      const pending = await pendingApproval(subject);
      assert.equal((await admin(`/admin/approvals/${pending.id}/approve`, 'POST')).status, 200);
      const result = (await call) as ToolResult;
      assert.notEqual(result.isError, true, JSON.stringify(result));
      const decisions = (await auditRecords(subject)).map((record) => record.context.policy_decisions.find((entry) => entry.policy === 'partner_email_approval')?.decision);
      assert.deepEqual(decisions, ['allow'], 'one request, held open: no input_required round');
    } finally {
      await client.close();
    }
  });

  it('binds the 2026 approval state to the call: a retry with other arguments, or altered state, is refused', async () => {
    const subject = `Partner memo ${++counter}`;
    const call = (id: number, args: Record<string, unknown>, retry?: Record<string, unknown>) => {
      const request = modernRequest(id, 'tools/call', { name: 'crm__send_email', arguments: args, ...retry });
      (request.body.params as Record<string, unknown>)._meta = modernMeta({ 'io.modelcontextprotocol/clientCapabilities': { elicitation: { url: {} } } });
      return post(gateway.url, request.body, { ...request.headers, authorization: `Bearer ${tokens.support}` });
    };
    const args = { to: 'ceo@partner.example', subject, body: 'Memo', idempotency_key: subject };
    const first = await call(1, args);
    assert.equal(first.body.result?.resultType, 'input_required', first.text);
    const { requestState, inputRequests } = first.body.result as { requestState: string; inputRequests: Record<string, { method: string; params: Record<string, unknown> }> };
    assert.deepEqual(Object.keys(inputRequests), ['approval']);
    assert.equal(inputRequests.approval!.params.mode, 'url');
    assert.equal(inputRequests.approval!.params.elicitationId, undefined, '2026-07-28 URL elicitation has no elicitationId');
    const inputResponses = { approval: { action: 'accept' } };
    const otherArgs = await call(2, { ...args, to: 'everyone@partner.example' }, { requestState, inputResponses });
    assert.equal(otherArgs.body.error?.code, -32602);
    assert.match(otherArgs.body.error.message, /other arguments/);
    const altered = await call(3, args, { requestState: `${requestState.slice(0, -4)}AAAA`, inputResponses });
    assert.equal(altered.body.error?.code, -32602);
    assert.match(altered.body.error.message, /altered/);
    const pending = await pendingApproval(subject);
    assert.equal((await admin(`/admin/approvals/${pending.id}/deny`, 'POST')).status, 200);
    const denied = await call(4, args, { requestState, inputResponses });
    assert.equal(denied.body.result?.isError, true, denied.text);
    assert.equal(denied.body.result._meta['io.gatehouse/policy-error'].code, 'approval_denied');
  });
});
