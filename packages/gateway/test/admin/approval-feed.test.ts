// The approvals feed behind GET /admin/approvals/events, over two Approvals
// sharing one store (two replicas of a shared store): what this replica
// does arrives at once, what the other does arrives by the feed's look at
// the store, each change once.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApprovalFeed, type ApprovalEvent } from '../../src/admin/approval-feed.ts';
import { Approvals } from '../../src/policy/approval-service.ts';
import { MemoryApprovalStore } from '../../src/policy/approval-store.ts';
import { partyOf } from '../../src/policy/approval-service.ts';
import { makeCaller } from '../policy/fixtures.ts';

const requester = makeCaller({ agent: 'support', user: 'alice', scopes: ['crm.invoke'] });
const approver = makeCaller({ agent: 'console', user: 'bob', scopes: ['gatehouse.approver'] });

function held(approvals: Approvals, marker: string, approversRequired = 1) {
  return approvals.create({ policy: 'p', expiresAt: Date.now() + 60_000, requester: partyOf(requester), backend: 'crm', tool: 'send_email', argumentsHash: marker, preview: `{"subject":"${marker}"}`, reason: 'r', approversRequired });
}

async function until(what: string, condition: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 500 && !condition(); attempt++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(condition(), what);
}

describe('the approvals feed', () => {
  it('sends what this replica does at once, as the request stood then', async () => {
    const here = new Approvals({ approvalUrlBase: 'http://approvals.test' });
    // A look every minute: nothing below may wait for one.
    const feed = new ApprovalFeed(here, { intervalMs: 60_000 });
    const events: ApprovalEvent[] = [];
    const { pending, unsubscribe } = await feed.subscribe((event) => events.push(event));
    try {
      assert.deepEqual(pending, []);
      const created = await held(here, 'local');
      assert.deepEqual(events.map((event) => [event.type, event.approval.id]), [['created', created.id]]);
      await here.decide(created.id, approver, 'deny', 'no');
      assert.deepEqual(events.map((event) => [event.type, event.approval.status]), [['created', 'pending'], ['decided', 'denied']]);
    } finally {
      unsubscribe();
    }
  });

  it('brings what another replica of the shared store did within a look, each change once', async () => {
    const store = new MemoryApprovalStore();
    const here = new Approvals({ approvalUrlBase: 'http://approvals.test', store });
    const there = new Approvals({ approvalUrlBase: 'http://approvals.test', store });
    const feed = new ApprovalFeed(here, { intervalMs: 50 });
    const events: ApprovalEvent[] = [];
    const { unsubscribe } = await feed.subscribe((event) => events.push(event));
    const created = await held(there, 'remote', 2);
    await until('created arrives', () => events.some((event) => event.type === 'created'));
    await there.decide(created.id, approver, 'approve');
    await until('the vote arrives', () => events.some((event) => event.type === 'updated'));
    await there.decide(created.id, makeCaller({ agent: 'console', user: 'carol', scopes: ['gatehouse.approver'] }), 'approve');
    await until('the decision arrives', () => events.some((event) => event.type === 'decided'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(events.map((event) => [event.type, event.approval.approvedBy.length]), [['created', 0], ['updated', 1], ['decided', 2]]);
    assert.equal(events.at(-1)!.approval.status, 'approved');
    unsubscribe();
    assert.equal(feed.listenerCount, 0);
  });
});
