// The approvals queue in Redis, as two replicas share it: each "replica" here
// has its own Redis connection and its own policy set built by the registry,
// as two gateway processes with `session_store: redis://...` do.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { buildPolicies, type PolicySet } from '../../src/policy/registry.ts';
import { RedisApprovalStore } from '../../src/policy/redis-approval-store.ts';
import type { ApprovalRequest } from '../../src/policy/approval-store.ts';
import { makeCaller, makeExchange, redisUrlIfAvailable } from './fixtures.ts';

const url = await redisUrlIfAvailable();
const skip = url === undefined && process.env.CI !== 'true' ? 'Redis is not running at 127.0.0.1:6379 (start it, or run with CI=true to make this a failure)' : false;

const requester = makeCaller({ agent: 'support', user: 'alice' });
const approver = makeCaller({ agent: 'console', user: 'bob', scopes: ['gatehouse.admin'] });

describe('approvals shared through Redis', { skip }, () => {
  const connect = () => createClient({ url });
  const clients: Array<ReturnType<typeof connect>> = [];
  const replicas: PolicySet[] = [];

  before(async () => {
    for (let i = 0; i < 2; i++) {
      const client = connect();
      await client.connect();
      clients.push(client);
      const built = buildPolicies([{
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
    await stores[0]!.create({ id, status: 'pending', policy: 'p', createdAt: now, expiresAt: now + 60_000, requester: { identityKey: 'k', agent: 'a', user: undefined }, backend: 'crm', tool: 't', argumentsHash: 'h', preview: '{}', reason: 'r' });
    const by = { identityKey: 'b', agent: 'console', user: 'bob' };
    const verdicts = await Promise.all([
      stores[0]!.decide(id, { status: 'approved', by, reason: undefined, at: now }),
      stores[1]!.decide(id, { status: 'denied', by, reason: 'no', at: now }),
    ]);
    assert.equal(verdicts.filter((verdict) => verdict !== undefined).length, 1);
    const settled = await Promise.all([stores[0]!.settle(id, now), stores[1]!.settle(id, now)]);
    assert.deepEqual(settled.sort(), [false, true]);
    assert.equal((await stores[1]!.get(id))?.status, 'closed');
    assert.equal(await stores[0]!.findOpen('k', 'crm', 't', 'h'), undefined, 'a closed request is not open');
  });

  test('a pending request past its expiry reads as expired and can no longer be decided', async () => {
    const store = new RedisApprovalStore(clients[0]!);
    const id = `apr_test_${randomUUID()}`;
    const now = Date.now();
    await store.create({ id, status: 'pending', policy: 'p', createdAt: now - 2000, expiresAt: now - 1000, requester: { identityKey: 'k2', agent: 'a', user: undefined }, backend: 'crm', tool: 't', argumentsHash: 'h', preview: '{}', reason: 'r' });
    assert.equal((await store.get(id))?.status, 'expired');
    assert.equal(await store.decide(id, { status: 'approved', by: { identityKey: 'b', agent: 'c', user: undefined }, reason: undefined, at: now }), undefined);
    const waited = await store.waitForDecision(id, AbortSignal.timeout(1000));
    assert.equal(waited?.status, 'expired');
  });
});
