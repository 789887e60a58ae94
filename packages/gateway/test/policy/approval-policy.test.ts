import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { approvalSettings, createApproval } from '../../src/policy/approval-policy.ts';
import { Approvals, partyOf, type ApprovalDecisionRecord } from '../../src/policy/approval-service.ts';
import { createApprovalsApi } from '../../src/admin/approval-queue-api.ts';
import { createPolicyChain } from '../../src/policy/chain.ts';
import type { Caller } from '../../src/identity/caller.ts';
import type { Decision, Policy } from '../../src/policy/policy.ts';
import { makeCaller, makeExchange, type ExchangeOptions } from './fixtures.ts';

const requester = makeCaller({ agent: 'support', user: 'alice', scopes: ['crm.invoke'] });
const TOKENS: Record<string, Caller> = {
  'admin-bob': makeCaller({ agent: 'console', user: 'bob', scopes: ['gatehouse.admin'] }),
  'admin-alice': makeCaller({ agent: 'console', user: 'alice', scopes: ['gatehouse.admin'] }),
  'no-admin': makeCaller({ agent: 'console', user: 'carol', scopes: ['crm.read'] }),
  'finance-dave': makeCaller({ agent: 'console', user: 'dave', scopes: ['gatehouse.admin'], roles: ['finance'] }),
  'finance-erin': makeCaller({ agent: 'console', user: 'erin', scopes: ['gatehouse.admin'], roles: ['finance'] }),
};

let server: Server;
let base: string;
let approvals: Approvals;
const decisions: ApprovalDecisionRecord[] = [];

before(async () => {
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  approvals = new Approvals({ approvalUrlBase: base, onDecision: (record) => decisions.push(record) });
  const handler = createApprovalsApi({
    approvals,
    authenticate: async (request) => TOKENS[(request.headers.authorization ?? '').replace(/^Bearer /, '')],
  });
  server.on('request', (request, response) => {
    if (!handler(request, response)) response.writeHead(404).end();
  });
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

function approvalPolicy(settings: Record<string, unknown> = {}): Policy {
  return createApproval('mass_email_approval', approvalSettings.parse({
    rules: [{ tool: 'send_mass_email', when: 'args.recipient_count > 1000', reason: 'mass email to more than 1000 recipients' }],
    hold_timeout_seconds: 10,
    progress_interval_seconds: 1,
    ...settings,
  }), { approvals });
}

let campaign = 0;
function massEmail(options: Partial<ExchangeOptions> = {}, count = 5000) {
  return makeExchange({ tool: 'send_mass_email', caller: requester, args: { segment: 'all', subject: `Campaign ${++campaign}`, body: 'Hello', recipient_count: count }, progressToken: 'p-1', ...options });
}

async function admin(path: string, token: string | undefined, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${base}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function pendingFor(subject: string): Promise<Record<string, unknown>> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const { body } = await admin('/admin/approvals', 'admin-bob');
    const found = (body.approvals as Record<string, unknown>[]).find((item) => String(item.preview).includes(subject));
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail(`no pending approval for ${subject}`);
}

describe('approval policy and the admin approvals API', () => {
  test('lets a call below the threshold through without asking anyone', () => {
    assert.deepEqual(approvalPolicy().onRequest!(massEmail({}, 10)), { policy: 'mass_email_approval', decision: 'allow' });
  });

  test('holds a matching call, sends progress, and lets it through once an approver approves over HTTP', async () => {
    const exchange = massEmail();
    const held = createPolicyChain([approvalPolicy()]).runRequest(exchange);
    assert.ok(held instanceof Promise);
    const pending = await pendingFor(`Campaign ${campaign}`);
    assert.equal(pending.status, 'pending');
    assert.equal(pending.tool, 'send_mass_email');
    assert.deepEqual(pending.requested_by, { agent: 'support', user: 'alice' });
    assert.equal(pending.reason, 'mass email to more than 1000 recipients');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const approved = await admin(`/admin/approvals/${String(pending.id)}/approve`, 'admin-bob', { reason: 'reviewed copy' });
    assert.equal(approved.status, 200);
    assert.equal((approved.body.approval as Record<string, unknown>).status, 'approved');
    assert.deepEqual(await held, { isAllowed: true });
    assert.deepEqual(exchange.decisions, [{ policy: 'mass_email_approval', decision: 'allow', details: { approval_id: pending.id, approved_by: 'user "bob" (via agent "console")' } }]);
    const progress = exchange.notifications.filter((notification) => notification.method === 'notifications/progress');
    assert.ok(progress.length >= 1, 'at least one progress notification while waiting');
    assert.equal((progress[0]!.params as Record<string, unknown>).progressToken, 'p-1');
    const record = decisions.find((decision) => decision.approvalId === pending.id);
    assert.deepEqual({ ...record, decidedAt: 0, argumentsHash: '' }, {
      approvalId: pending.id, decision: 'approved', status: 'approved', approvals: 1, approversRequired: 1, policy: 'mass_email_approval', backend: 'crm', tool: 'send_mass_email', reason: 'reviewed copy', decidedAt: 0, argumentsHash: '',
      approver: partyOf(TOKENS['admin-bob']),
      requester: partyOf(requester),
    });
  });

  test('a denial reaches the held call as approval_denied with the approver and reason', async () => {
    const held = approvalPolicy().onRequest!(massEmail()) as Promise<Decision>;
    const pending = await pendingFor(`Campaign ${campaign}`);
    assert.equal((await admin(`/admin/approvals/${String(pending.id)}/deny`, 'admin-bob', { reason: 'wrong segment' })).status, 200);
    const decision = await held;
    assert.equal(decision.decision, 'deny');
    assert.equal(decision.error?.code, 'approval_denied');
    assert.equal(decision.reason, `An approver (user "bob" (via agent "console")) denied this call to "send_mass_email" (approval ${String(pending.id)}: wrong segment). Do not retry it; tell the user it was not approved`);
    assert.equal(decisions.at(-1)?.decision, 'denied');
  });

  test('after the hold times out the agent gets the approval id, and the same call passes once approved', async () => {
    const policy = approvalPolicy({ hold_timeout_seconds: 1 });
    const args = massEmail();
    const timedOut = await policy.onRequest!(args);
    assert.equal(timedOut.error?.code, 'approval_pending');
    const id = timedOut.error!.approvalId!;
    assert.match(id, /^apr_[A-Za-z0-9_-]{22}$/);
    assert.equal(timedOut.reason, `Approval ${id} for this call to "send_mass_email" is still pending after 1 s (mass email to more than 1000 recipients). Tell the user an approver must decide at ${base}/approvals/${id}, then call the tool again with the same arguments`);
    assert.equal((await admin(`/admin/approvals/${id}/approve`, 'admin-bob', {})).status, 200);
    const retry = makeExchange({ tool: 'send_mass_email', caller: requester, args: (args.message.params as { arguments: Record<string, unknown> }).arguments });
    assert.equal((await policy.onRequest!(retry)).decision, 'allow');
    const again = await approvalPolicy({ on_match: 'reject' }).onRequest!(makeExchange({ tool: 'send_mass_email', caller: requester, args: (args.message.params as { arguments: Record<string, unknown> }).arguments }));
    assert.equal(again.error?.code, 'approval_required', 'an approval lets exactly one call through');
    assert.notEqual(again.error?.approvalId, id);
  });

  test('reject mode answers at once with the approval id and link', async () => {
    const decision = await approvalPolicy({ on_match: 'reject' }).onRequest!(massEmail());
    const id = decision.error!.approvalId!;
    assert.equal(decision.reason, `This call to "send_mass_email" needs a human approval (mass email to more than 1000 recipients). Approval request ${id} was sent to the approvers (${base}/approvals/${id}). Tell the user it awaits approval, and call the tool again with the same arguments once it has been approved`);
    assert.deepEqual(decision.error?.toToolResult()._meta, { 'io.gatehouse/policy-error': { code: 'approval_required', policy: 'mass_email_approval', kind: 'approval', approval_id: id } });
  });

  test('the requester cannot approve their own call, and approving needs the admin scope', async () => {
    const decision = await approvalPolicy({ on_match: 'reject' }).onRequest!(massEmail());
    const id = decision.error!.approvalId!;
    const self = await admin(`/admin/approvals/${id}/approve`, 'admin-alice', {});
    assert.equal(self.status, 403);
    assert.equal(self.body.code, 'self_approval');
    assert.match(String(self.body.error), /requested by user "alice" \(via agent "support"\), who cannot also approve or deny it/);
    assert.equal((await admin(`/admin/approvals/${id}/approve`, 'no-admin', {})).status, 403);
    assert.equal((await admin(`/admin/approvals/${id}/approve`, undefined, {})).status, 401);
    assert.equal((await admin('/admin/approvals', undefined)).status, 401);
    assert.equal((await admin(`/admin/approvals/${id}`, 'admin-bob')).body.approval !== undefined, true);
    assert.equal((await admin(`/admin/approvals/${id}/approve`, 'admin-bob', {})).status, 200);
    const twice = await admin(`/admin/approvals/${id}/deny`, 'admin-bob', {});
    assert.equal(twice.status, 409);
    assert.equal(twice.body.code, 'not_pending');
  });

  test('a 2026-07-28 client taking URL elicitation gets a hold to bridge, and its retry presenting the approval completes', async () => {
    const capabilities = { elicitation: { url: {} } };
    const exchange = massEmail({ era: 'modern', capabilities });
    const outcome = await createPolicyChain([approvalPolicy()]).runRequest(exchange);
    assert.equal(outcome.isAllowed, false);
    if (outcome.isAllowed) return;
    const hold = outcome.hold!;
    assert.equal(hold.url, `${base}/approvals/${hold.approvalId}`);
    assert.deepEqual(hold.elicitation, { mode: 'url', url: hold.url, elicitationId: hold.approvalId, message: hold.elicitation.message });
    assert.equal(exchange.decisions.at(-1)?.decision, 'hold');
    const page = await fetch(hold.url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Status: <strong>pending<\/strong>/);
    const retry = massEmail({ era: 'modern', capabilities, args: (exchange.message.params as { arguments: Record<string, unknown> }).arguments });
    approvals.present(retry, hold.approvalId);
    const waiting = createPolicyChain([approvalPolicy()]).runRequest(retry);
    await admin(`/admin/approvals/${hold.approvalId}/approve`, 'admin-bob', {});
    assert.deepEqual(await waiting, { isAllowed: true });
  });

  test('a 2025 client declaring URL elicitation is sent the approval link', async () => {
    const exchange = massEmail({ capabilities: { elicitation: { url: {} } }, answerRequest: async () => ({ jsonrpc: '2.0', id: 1, result: { action: 'accept' } }) });
    const held = approvalPolicy().onRequest!(exchange) as Promise<Decision>;
    const pending = await pendingFor(`Campaign ${campaign}`);
    assert.deepEqual(exchange.requests.map((request) => request.method), ['elicitation/create']);
    assert.equal(exchange.requests[0]!.params?.mode, 'url');
    assert.equal(exchange.requests[0]!.params?.url, `${base}/approvals/${String(pending.id)}`);
    await admin(`/admin/approvals/${String(pending.id)}/approve`, 'admin-bob', {});
    assert.equal((await held).decision, 'allow');
    assert.ok(exchange.notifications.some((notification) => notification.method === 'notifications/elicitation/complete'));
  });

  test('a rule needing two finance approvers holds the call through the first approval and lets it through on the second', async () => {
    const tiered = { rules: [{ tool: 'send_mass_email', reason: 'every campaign', approvers_required: 2, approver_role: 'finance' }] };
    const exchange = massEmail();
    const held = Promise.resolve(createPolicyChain([approvalPolicy(tiered)]).runRequest(exchange));
    const pending = await pendingFor(`Campaign ${campaign}`);
    assert.deepEqual([pending.approvers_required, pending.approver_role], [2, 'finance']);
    const withoutRole = await admin(`/admin/approvals/${String(pending.id)}/approve`, 'admin-bob', {});
    assert.deepEqual([withoutRole.status, withoutRole.body.code], [403, 'missing_role']);
    const first = await admin(`/admin/approvals/${String(pending.id)}/approve`, 'finance-dave', { reason: 'budget ok' });
    assert.equal((first.body.approval as Record<string, unknown>).status, 'pending');
    const again = await admin(`/admin/approvals/${String(pending.id)}/approve`, 'finance-dave', {});
    assert.deepEqual([again.status, again.body.code], [403, 'already_approved']);
    assert.match(String(again.body.error), /already approved .*; it needs 2 distinct approvers with the role "finance" and has 1 of 2 approvals so far, so another approver must approve it$/);
    assert.equal(await Promise.race([held.then(() => 'ran'), new Promise((resolve) => setTimeout(() => resolve('waiting'), 200))]), 'waiting');
    assert.equal((await admin(`/admin/approvals/${String(pending.id)}/approve`, 'finance-erin', {})).status, 200);
    assert.deepEqual(await held, { isAllowed: true });
    assert.equal(exchange.decisions.at(-1)?.details?.approved_by, 'user "dave" (via agent "console"), user "erin" (via agent "console")');
    assert.deepEqual(decisions.filter((record) => record.approvalId === pending.id).map((record) => [record.approver.user, record.status, record.approvals]), [['dave', 'pending', 1], ['erin', 'approved', 2]]);
  });

  test('reject mode tells the agent how many approvers, with which role, a tiered rule needs', async () => {
    const decision = await approvalPolicy({ on_match: 'reject', rules: [{ tool: 'send_mass_email', reason: 'every campaign', approvers_required: 2, approver_role: 'finance' }] }).onRequest!(massEmail());
    const id = decision.error!.approvalId!;
    assert.equal(decision.reason, `This call to "send_mass_email" needs a human approval (every campaign). Approval request ${id} was sent to the approvers (${base}/approvals/${id}; it needs 2 distinct approvers with the role "finance"). Tell the user it awaits approval, and call the tool again with the same arguments once it has been approved`);
  });
});
