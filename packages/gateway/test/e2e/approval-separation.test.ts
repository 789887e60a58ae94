// Separation of duties for approvals, attacked as an outsider would over real
// HTTP: a real gateway with the embedded identity provider and the demo CRM,
// official SDK clients of both eras on both endpoints, and the admin API. The
// admin agent exchanges its own token for itself (RFC 8693, sub=admin,
// act.sub=admin) and tries to approve its own held send_mass_email; a
// payment rule needs two distinct approvers holding the finance role.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeJwt } from 'jose';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { agentToken, findAuthorization } from '../../src/cli/commands/token.ts';
import { requestToken } from '../../src/identity/oauth-token-client.ts';
import { ACCESS_TOKEN_TYPE, TOKEN_EXCHANGE_GRANT } from '../../src/identity/backend-credentials.ts';
import type { AuditRecord } from '../../src/audit/record.ts';
import type { AuditQuery } from '../../src/audit/query.ts';
import { readAuditRecords, waitForPendingApproval } from '../fixtures/approval-queue.ts';
import type { GatewayConfig } from '../../src/config/schema.ts';
import { gatewayConfig, stdioBackend } from '../fixtures/gateway-config.ts';
import { useEmbeddedIdentity } from '../fixtures/embedded-default-identity.ts';
import { connectLegacy, connectModern, type ApprovalClient } from '../fixtures/approval-clients.ts';
import { loadSampleCustomers } from '../../../demo-crm/src/data.ts';

const demoCrm = fileURLToPath(new URL('../../../demo-crm/src/main.ts', import.meta.url));

const ADMIN_SCOPES = ['crm.read', 'crm.invoke', 'crm.customers.read', 'crm.customers.write', 'crm.email.send', 'crm.email.bulk', 'crm.admin', 'gatehouse.admin'];
const AGENTS = [
  { name: 'admin', secret: 'admin-test-secret', scopes: ADMIN_SCOPES, roles: ['admin'] },
  { name: 'support', secret: 'support-test-secret', scopes: ['crm.read', 'crm.invoke', 'crm.customers.read'], roles: ['support'] },
  { name: 'treasurer-a', secret: 'treasurer-a-test-secret', scopes: ['gatehouse.admin'], roles: ['finance'] },
  { name: 'treasurer-b', secret: 'treasurer-b-test-secret', scopes: ['gatehouse.admin'], roles: ['finance'] },
];
const ENTERPRISE_SIZE = loadSampleCustomers().filter((customer) => customer.tier === 'enterprise').length;

describe('separation of duties for approvals', () => {
  let directory: string;
  let config: GatewayConfig;
  let gateway: RunningGateway;
  let base: string;
  const tokens: Record<string, string> = {};
  let counter = 0;

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-approval-duties-'));
    config = gatewayConfig([stdioBackend('crm', process.execPath, [demoCrm, '--stdio'])]);
    useEmbeddedIdentity(config, { embeddedIdp: { port: 0, agents: AGENTS.map((agent) => ({ ...agent, description: 'test agent' })) } });
    config.audit = { backend: undefined, retentionDays: undefined, raw: { store: 'sqlite', path: join(directory, 'audit.db') } };
    config.policies = [
      {
        name: 'mass_email_approval',
        type: 'approval',
        settings: { rules: [{ tool: 'send_mass_email', reason: 'a mass email is checked by a second person' }], hold_timeout_seconds: 20 },
      },
      {
        name: 'payment_approval',
        type: 'approval',
        settings: {
          rules: [{ tool: 'crm/echo', when: 'args.message.startsWith("pay ")', reason: 'payments need two finance approvers', approvers_required: 2, approver_role: 'finance' }],
          hold_timeout_seconds: 20,
        },
      },
    ];
    gateway = await startGateway(config, { logger: silentLogger, adminPort: 0 });
    base = gateway.url.replace(/\/mcp$/, '');
    for (const agent of AGENTS) tokens[agent.name] = (await agentToken(base, agent.name, agent.secret)).token;
    tokens['admin-exchanged'] = await exchangeForItself('admin', tokens.admin!);
    tokens['treasurer-a-exchanged'] = await exchangeForItself('treasurer-a', tokens['treasurer-a']!);
  });
  after(async () => {
    await gateway?.close();
    await rm(directory, { recursive: true, force: true });
  });

  /** RFC 8693: the agent presents its own token as subject_token and gets one for the gateway again. */
  async function exchangeForItself(agent: string, token: string): Promise<string> {
    const found = await findAuthorization(base);
    const secret = AGENTS.find((candidate) => candidate.name === agent)!.secret;
    const exchanged = await requestToken(found.tokenEndpoint, {
      grant_type: TOKEN_EXCHANGE_GRANT,
      subject_token: token,
      subject_token_type: ACCESS_TOKEN_TYPE,
      resource: found.resource,
    }, { clientId: agent, clientSecret: secret });
    return exchanged.access_token;
  }

  async function admin(path: string, token: string, method = 'GET'): Promise<{ status: number; body: Record<string, any> }> {
    const response = await fetch(`${gateway.adminUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
      ...(method === 'POST' ? { body: JSON.stringify({ reason: 'reviewed' }) } : {}),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  }

  const approve = (id: string, agent: string) => admin(`/admin/approvals/${id}/approve`, tokens[agent]!, 'POST');

  const pendingApproval = (marker: string) => waitForPendingApproval(() => admin('/admin/approvals?status=pending', tokens['treasurer-a']!), marker);
  const auditQuery = (query: AuditQuery) => readAuditRecords(config, query, 200);

  const approvalDecisions = async (id: string) => (await auditQuery({ types: ['approval_decision'] })).filter((record) => record.operation.arguments?.approval_id === id);

  it('the self-exchanged token names the admin agent as subject and as actor (the attack\'s premise)', () => {
    const claims = decodeJwt(tokens['admin-exchanged']!);
    assert.equal(claims.sub, 'admin');
    assert.deepEqual(claims.act, { sub: 'admin' });
  });

  const connections = [
    ['2025-11-25 (SDK v1)', connectLegacy, 'legacy'],
    ['2026-07-28 (SDK v2)', connectModern, 'modern'],
  ] as const;
  const endpoints = [['/mcp', (url: string) => url], ['/servers/crm/mcp', (url: string) => url.replace(/\/mcp$/, '/servers/crm/mcp')]] as const;

  for (const [label, connect, era] of connections) {
    for (const [endpoint, urlOf] of endpoints) {
      it(`${label} on ${endpoint}: the admin agent cannot approve its own held send_mass_email, with its own token or one it exchanged for itself`, async () => {
        const client: ApprovalClient = await connect(urlOf(gateway.url), tokens.admin!);
        try {
          assert.equal(client.era, era);
          const subject = `Campaign ${++counter}-${era}`;
          const tool = endpoint === '/mcp' ? 'crm__send_mass_email' : 'send_mass_email';
          const call = client.callTool(tool, { segment: 'enterprise', subject, body: 'Hello', recipient_count: ENTERPRISE_SIZE });
          call.catch(() => undefined);
          const pending = await pendingApproval(subject);
          for (const token of ['admin-exchanged', 'admin']) {
            const refused = await approve(pending.id, token);
            assert.equal(refused.status, 403, `${token}: ${JSON.stringify(refused.body)}`);
            assert.equal(refused.body.code, 'self_approval');
          }
          assert.equal((await admin(`/admin/approvals/${pending.id}`, tokens['treasurer-a']!)).body.approval.status, 'pending', 'the refused approvals changed nothing');
          const approved = await approve(pending.id, 'treasurer-a');
          assert.equal(approved.status, 200, JSON.stringify(approved.body));
          const result = await call;
          assert.notEqual(result.isError, true, JSON.stringify(result));
          assert.equal(result.structuredContent?.segment, 'enterprise');
          // 2025: sent on the open call's stream; 2026: the input_required the SDK answered before its retry waited.
          assert.equal(client.elicited.length, 1, 'the client was sent the approval page once');
          // A send changes data, so the call that ran also has its write-ahead attempt record (audit.md), left out here.
          const decisions = (await auditQuery({ target: subject })).filter((record) => record.result.status !== 'attempted').map((record) => record.context.policy_decisions.find((entry) => entry.policy === 'mass_email_approval')?.decision);
          assert.deepEqual(decisions, era === 'modern' ? ['hold', 'allow'] : ['allow'], 'a 2026 call was held as input_required and its retry ran');
          const refusals = (await approvalDecisions(pending.id)).filter((record) => record.result.error?.code === 'self_approval');
          assert.equal(refusals.length, 2, 'both refused self-approvals are audited');
        } finally {
          await client.close();
        }
      });
    }
  }

  for (const [label, connect, era] of connections) {
    it(`${label}: a payment needs two distinct finance approvers; one is not enough, the same one twice does not count, a second runs the call`, async () => {
      const client = await connect(gateway.url, tokens.support!);
      try {
        const message = `pay ${++counter}-${era} EUR 9000 to ACME`;
        const call = client.callTool('crm__echo', { message });
        call.catch(() => undefined);
        const pending = await pendingApproval(message);
        assert.deepEqual([pending.approvers_required, pending.approver_role, pending.approvals], [2, 'finance', []]);

        const withoutRole = await approve(pending.id, 'admin');
        assert.equal(withoutRole.status, 403, JSON.stringify(withoutRole.body));
        assert.equal(withoutRole.body.code, 'missing_role');
        assert.match(withoutRole.body.error, /must be decided by 2 distinct approvers with the role "finance"/);

        const first = await approve(pending.id, 'treasurer-a');
        assert.equal(first.status, 200, JSON.stringify(first.body));
        assert.equal(first.body.approval.status, 'pending', 'one approval of two leaves the request pending');
        assert.deepEqual(first.body.approval.approvals.map((vote: any) => vote.by.agent), ['treasurer-a']);
        const stillWaiting = await Promise.race([call.then(() => 'ran'), new Promise((resolve) => setTimeout(() => resolve('waiting'), 500))]);
        assert.equal(stillWaiting, 'waiting', 'the call does not run on one approval');

        for (const token of ['treasurer-a', 'treasurer-a-exchanged']) {
          const twice = await approve(pending.id, token);
          assert.equal(twice.status, 403, `${token}: ${JSON.stringify(twice.body)}`);
          assert.equal(twice.body.code, 'already_approved');
          assert.equal(twice.body.approval.approvals.length, 1, 'the refusal shows the approvals so far');
        }

        const second = await approve(pending.id, 'treasurer-b');
        assert.equal(second.status, 200, JSON.stringify(second.body));
        assert.equal(second.body.approval.status, 'approved');
        assert.deepEqual(second.body.approval.approvals.map((vote: any) => vote.by.agent), ['treasurer-a', 'treasurer-b']);
        const result = await call;
        assert.notEqual(result.isError, true, JSON.stringify(result));
        assert.equal(result.structuredContent?.message, message);

        const records = await approvalDecisions(pending.id);
        assert.deepEqual(records.map((record) => [record.caller.agent, record.result.status, record.result.error?.code ?? null]), [
          ['admin', 'denied', 'missing_role'],
          ['treasurer-a', 'success', null],
          ['treasurer-a', 'denied', 'already_approved'],
          ['treasurer-a', 'denied', 'already_approved'],
          ['treasurer-b', 'success', null],
        ]);
        const issuer = gateway.authentication.issuer!;
        assert.deepEqual(records.filter((record) => record.result.status === 'success').map((record) => (record.operation.arguments?.approver as Record<string, unknown>).principal), [
          JSON.stringify([issuer, 'treasurer-a']),
          JSON.stringify([issuer, 'treasurer-b']),
        ], 'each approval is recorded with the approver\'s full principal');
      } finally {
        await client.close();
      }
    });
  }
});
