// The approvals queue in Redis, as two replicas share it: each "replica" here
// has its own Redis connection and its own policy set built by the registry,
// as two gateway processes with `session_store: redis://...` do.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { buildPolicies, type PolicySet } from '../../src/policy/registry.ts';
import { RedisApprovalStore } from '../../src/policy/redis-approval-store.ts';
import type { ApprovalParty, ApprovalRequest } from '../../src/policy/approval-store.ts';
import { partyOf } from '../../src/policy/approval-service.ts';
import { principalId } from '../../src/identity/delegation-parties.ts';
import { makeCaller, makeExchange, redisUrlIfAvailable } from './fixtures.ts';

const url = await redisUrlIfAvailable();
const skip = url === undefined && process.env.CI !== 'true' ? 'Redis is not running at 127.0.0.1:6379 (start it, or run with CI=true to make this a failure)' : false;

const requester = makeCaller({ agent: 'support', user: 'alice' });
const approver = makeCaller({ agent: 'console', user: 'bob', scopes: ['gatehouse.admin'] });

/** A party of issuer "i" as the stores keep it. */
function party(agent: string, user?: string): ApprovalParty {
  const parties = [principalId('i', agent), ...(user === undefined ? [] : [principalId('i', user)])];
  return { identityKey: JSON.stringify(['i', agent, user ?? null]), agent, user, principal: principalId('i', user ?? agent), parties };
}

function pendingRequest(id: string, overrides: Partial<ApprovalRequest> = {}): ApprovalRequest {
  const now = Date.now();
  return { id, status: 'pending', policy: 'p', createdAt: now, expiresAt: now + 60_000, requester: party('a'), backend: 'crm', tool: 't', argumentsHash: 'h', preview: '{}', reason: 'r', approversRequired: 1, approvedBy: [], ...overrides };
}

const approve = (by: ApprovalParty, roles: string[] = []) => ({ verdict: 'approve' as const, by, roles, reason: undefined, at: Date.now() });

describe('approvals shared through Redis', { skip }, () => {
  const connect = () => createClient({ url });
  const clients: Array<ReturnType<typeof connect>> = [];
  const replicas: PolicySet[] = [];

  before(async () => {
    for (let i = 0; i < 2; i++) {
      const client = connect();
      await client.connect();
      clients.push(client);
      const built = await buildPolicies([{
        name: 'mass_email_approval',
        type: 'approval',
        settings: { rules: [{ tool: 'send_mass_email', when: 'args.recipient_count > 1000' }], hold_timeout_seconds: 5 },
      }], { redis: client });
      assert.ok(built.ok);
      if (built.ok) replicas.push(built.set);
    }
  });
  after(async () => {
    for (const set of replicas) await set.close();
    for (const client of clients) await client.quit();
  });

  const massEmail = (subject: string, signal?: AbortSignal) => makeExchange({ tool: 'send_mass_email', caller: requester, args: { segment: 'all', subject, body: 'Hi', recipient_count: 5000 }, ...(signal === undefined ? {} : { signal }) });

  test('a call held on one replica completes once an approver decides through the other, and the approval lets one call through', async () => {
    const subject = `Campaign ${randomUUID()}`;
    const held = replicas[0]!.chain.runRequest(massEmail(subject));
    let pending: ApprovalRequest | undefined;
    for (let attempt = 0; attempt < 100 && pending === undefined; attempt++) {
      pending = (await replicas[1]!.approvals!.list('pending')).find((request) => request.preview.includes(subject));
      if (pending === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(pending !== undefined, 'the other replica lists the request');
    assert.equal(pending.requester.user, 'alice');
    const decided = await replicas[1]!.approvals!.decide(pending.id, approver, 'approve', 'looks fine');
    assert.equal(decided.status, 'approved');
    assert.equal(decided.decisionReason, 'looks fine');
    assert.deepEqual(await held, { isAllowed: true });

    // The client gives up after 300 ms, so the second call stops waiting for its own approval.
    const again = await replicas[1]!.chain.runRequest(massEmail(subject, AbortSignal.timeout(300)));
    assert.equal(again.isAllowed, false);
    if (!again.isAllowed) assert.notEqual(again.error.approvalId, pending.id, 'a second identical call needs a new approval');
    if (!again.isAllowed) assert.equal((await replicas[0]!.approvals!.get(again.error.approvalId!))?.status, 'pending');
  });

  test('decide and settle are compare-and-set across connections: one approver and one call win', async () => {
    const stores = clients.map((client) => new RedisApprovalStore(client));
    const id = `apr_test_${randomUUID()}`;
    const now = Date.now();
    await stores[0]!.create(pendingRequest(id, { requester: party('k') }));
    const by = party('console', 'bob');
    const verdicts = await Promise.all([
      stores[0]!.decide(id, { verdict: 'approve', by, roles: [], reason: undefined, at: now }),
      stores[1]!.decide(id, { verdict: 'deny', by, roles: [], reason: 'no', at: now }),
    ]);
    assert.equal(verdicts.filter((verdict) => verdict.isCounted).length, 1);
    assert.deepEqual(verdicts.filter((verdict) => !verdict.isCounted).map((verdict) => !verdict.isCounted && verdict.code), ['not_pending']);
    const settled = await Promise.all([stores[0]!.settle(id, now), stores[1]!.settle(id, now)]);
    assert.deepEqual(settled.sort(), [false, true]);
    assert.equal((await stores[1]!.get(id))?.status, 'closed');
    assert.equal(await stores[0]!.findOpen(party('k').identityKey, 'crm', 't', 'h'), undefined, 'a closed request is not open');
  });

  test('two distinct approvers voting at the same moment through two replicas are both counted, and the request is approved', async () => {
    const prefix = `gatehouse-test:${randomUUID()}:`;
    const stores = clients.map((client) => new RedisApprovalStore(client, { prefix }));
    const id = `apr_test_${randomUUID()}`;
    await stores[0]!.create(pendingRequest(id, { approversRequired: 2, approverRole: 'finance' }));
    const [first, second] = await Promise.all([
      stores[0]!.decide(id, approve(party('console', 'carol'), ['finance'])),
      stores[1]!.decide(id, approve(party('console', 'dave'), ['finance'])),
    ]);
    assert.equal(first.isCounted && second.isCounted, true, JSON.stringify([first, second]));
    const stored = await stores[1]!.get(id);
    assert.equal(stored?.status, 'approved');
    assert.deepEqual(stored?.approvedBy.map((vote) => vote.by.user).sort(), ['carol', 'dave']);
    assert.equal(stored?.approverRole, 'finance');
  });

  test('the requester\'s delegation parties survive the store, so an approver from that chain is refused on any replica', async () => {
    const prefix = `gatehouse-test:${randomUUID()}:`;
    const stores = clients.map((client) => new RedisApprovalStore(client, { prefix }));
    const id = `apr_test_${randomUUID()}`;
    const requesterParty = partyOf(makeCaller({ agent: 'admin' }));
    await stores[0]!.create(pendingRequest(id, { requester: requesterParty }));
    const stored = (await stores[1]!.get(id))?.requester;
    assert.deepEqual([stored?.principal, stored?.parties], [requesterParty.principal, requesterParty.parties]);
    const selfExchanged = partyOf(makeCaller({ agent: 'admin', user: 'admin', actors: ['admin'] }));
    const refused = await stores[1]!.decide(id, approve(selfExchanged));
    assert.equal(!refused.isCounted && refused.code, 'self_approval');
    assert.equal((await stores[0]!.get(id))?.status, 'pending');
  });

  test('a denied request with no approvals reads back with an empty list of approvals after Redis re-encodes it on settle', async () => {
    const prefix = `gatehouse-test:${randomUUID()}:`;
    const store = new RedisApprovalStore(clients[0]!, { prefix });
    const id = `apr_test_${randomUUID()}`;
    await store.create(pendingRequest(id, { approversRequired: 2 }));
    const denied = await store.decide(id, { verdict: 'deny', by: party('console', 'bob'), roles: [], reason: 'no', at: Date.now() });
    assert.equal(denied.isCounted && denied.request.status, 'denied');
    assert.equal(await store.settle(id, Date.now()), true);
    const closed = await store.get(id);
    assert.equal(closed?.status, 'closed');
    assert.deepEqual(closed?.approvedBy, [], 'cjson writes an empty array as {}; the store reads it back as a list');
    assert.deepEqual(closed?.requester.parties, party('a').parties);
  });

  test('a request stored by an older gateway (one approver, no parties) is read with its agent and user as the parties', async () => {
    const prefix = `gatehouse-test:${randomUUID()}:`;
    const store = new RedisApprovalStore(clients[0]!, { prefix });
    const id = `apr_test_${randomUUID()}`;
    const { approversRequired: _n, approvedBy: _a, ...older } = pendingRequest(id);
    const requester = { identityKey: JSON.stringify(['i', 'support', 'alice']), agent: 'support', user: 'alice' };
    await clients[0]!.sendCommand(['SET', `${prefix}${id}`, JSON.stringify({ ...older, requester }), 'PX', '60000']);
    const read = await store.get(id);
    assert.equal(read?.approversRequired, 1);
    assert.deepEqual(read?.approvedBy, []);
    assert.deepEqual(read?.requester.parties, [principalId('i', 'support'), principalId('i', 'alice')]);
    const self = await store.decide(id, approve(party('console', 'alice')));
    assert.equal(!self.isCounted && self.code, 'self_approval');
    const counted = await store.decide(id, approve(party('console', 'bob')));
    assert.equal(counted.isCounted && counted.request.status, 'approved');
  });

  test('a pending request past its expiry reads as expired and can no longer be decided', async () => {
    const store = new RedisApprovalStore(clients[0]!);
    const id = `apr_test_${randomUUID()}`;
    const now = Date.now();
    await store.create(pendingRequest(id, { createdAt: now - 2000, expiresAt: now - 1000, requester: party('k2') }));
    assert.equal((await store.get(id))?.status, 'expired');
    const late = await store.decide(id, approve(party('c')));
    assert.equal(!late.isCounted && late.code, 'not_pending');
    const waited = await store.waitForDecision(id, AbortSignal.timeout(1000));
    assert.equal(waited?.status, 'expired');
  });
});
