import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { castVote, type ApprovalVoteInput } from '../../src/policy/approval-decision.ts';
import type { ApprovalParty, ApprovalRequest } from '../../src/policy/approval-store.ts';
import { partyOf } from '../../src/policy/approval-service.ts';
import { makeCaller } from './fixtures.ts';

const party = (options: Parameters<typeof makeCaller>[0]): ApprovalParty => partyOf(makeCaller(options));

const REQUESTERS = {
  adminAgent: party({ agent: 'admin' }),
  aliceViaSupport: party({ agent: 'support', user: 'alice' }),
};
const APPROVERS = {
  adminAgent: party({ agent: 'admin' }),
  adminSelfExchanged: party({ agent: 'admin', user: 'admin', actors: ['admin'] }),
  adminForBob: party({ agent: 'admin', user: 'bob', actors: ['admin'] }),
  bobViaConsole: party({ agent: 'console', user: 'bob' }),
  bobViaCli: party({ agent: 'cli', user: 'bob' }),
  carolViaConsole: party({ agent: 'console', user: 'carol' }),
  aliceViaConsole: party({ agent: 'console', user: 'alice' }),
  consoleAgent: party({ agent: 'console' }),
  supportForBob: party({ agent: 'support', user: 'bob', actors: ['support'] }),
};

function request(overrides: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    id: 'apr_1', status: 'pending', policy: 'payment_approval', createdAt: 0, expiresAt: 60_000, requester: REQUESTERS.adminAgent,
    backend: 'crm', tool: 'send_mass_email', argumentsHash: 'h', preview: '{}', reason: 'r', approversRequired: 1, approvedBy: [], ...overrides,
  };
}

const vote = (by: ApprovalParty, verdict: 'approve' | 'deny' = 'approve', roles: string[] = []): ApprovalVoteInput => ({ verdict, by, roles, reason: undefined, at: 1000 });
const approvedBy = (...parties: ApprovalParty[]) => parties.map((by) => ({ by, at: 500 }));

describe('castVote', () => {
  const cases: Array<{ name: string; request: ApprovalRequest; vote: ApprovalVoteInput; expected: string }> = [
    { name: 'the requesting agent cannot approve its own call', request: request(), vote: vote(APPROVERS.adminAgent), expected: 'self_approval' },
    { name: 'nor with a token it exchanged for itself (sub=admin, act.sub=admin)', request: request(), vote: vote(APPROVERS.adminSelfExchanged), expected: 'self_approval' },
    { name: 'nor as the actor for another user', request: request(), vote: vote(APPROVERS.adminForBob), expected: 'self_approval' },
    { name: 'nor deny it', request: request(), vote: vote(APPROVERS.adminSelfExchanged, 'deny'), expected: 'self_approval' },
    { name: 'the requesting user cannot approve through another client', request: request({ requester: REQUESTERS.aliceViaSupport }), vote: vote(APPROVERS.aliceViaConsole), expected: 'self_approval' },
    { name: 'the requesting agent cannot approve while acting for someone else', request: request({ requester: REQUESTERS.aliceViaSupport }), vote: vote(APPROVERS.supportForBob), expected: 'self_approval' },
    { name: 'another person outside the chain approves a one-approver request', request: request(), vote: vote(APPROVERS.bobViaConsole), expected: 'approved' },
    { name: 'one denial denies', request: request({ approversRequired: 2, approvedBy: approvedBy(APPROVERS.bobViaConsole) }), vote: vote(APPROVERS.carolViaConsole, 'deny'), expected: 'denied' },
    { name: 'an approver may deny after approving, before the request is decided', request: request({ approversRequired: 2, approvedBy: approvedBy(APPROVERS.bobViaConsole) }), vote: vote(APPROVERS.bobViaConsole, 'deny'), expected: 'denied' },
    { name: 'the first of two approvals leaves the request pending', request: request({ approversRequired: 2 }), vote: vote(APPROVERS.bobViaConsole), expected: 'pending' },
    { name: 'the second distinct approval approves it', request: request({ approversRequired: 2, approvedBy: approvedBy(APPROVERS.bobViaConsole) }), vote: vote(APPROVERS.carolViaConsole), expected: 'approved' },
    { name: 'the same approver twice does not count', request: request({ approversRequired: 2, approvedBy: approvedBy(APPROVERS.bobViaConsole) }), vote: vote(APPROVERS.bobViaConsole), expected: 'already_approved' },
    { name: 'nor the same person through another client', request: request({ approversRequired: 2, approvedBy: approvedBy(APPROVERS.bobViaConsole) }), vote: vote(APPROVERS.bobViaCli), expected: 'already_approved' },
    { name: 'nor the client that carried an approval, approving on its own', request: request({ approversRequired: 2, approvedBy: approvedBy(APPROVERS.bobViaConsole) }), vote: vote(APPROVERS.consoleAgent), expected: 'already_approved' },
    { name: 'an approver without the rule\'s role is refused', request: request({ approverRole: 'finance' }), vote: vote(APPROVERS.bobViaConsole, 'approve', ['admin']), expected: 'missing_role' },
    { name: 'and cannot deny either', request: request({ approverRole: 'finance' }), vote: vote(APPROVERS.bobViaConsole, 'deny'), expected: 'missing_role' },
    { name: 'an approver with the role counts', request: request({ approverRole: 'finance' }), vote: vote(APPROVERS.bobViaConsole, 'approve', ['finance', 'admin']), expected: 'approved' },
    { name: 'a decided request takes no more votes', request: request({ status: 'approved' }), vote: vote(APPROVERS.bobViaConsole), expected: 'not_pending' },
    { name: 'an expired request takes no votes', request: request({ status: 'expired' }), vote: vote(APPROVERS.bobViaConsole), expected: 'not_pending' },
  ];
  for (const { name, request: before, vote: input, expected } of cases) {
    test(name, () => {
      const outcome = castVote(structuredClone(before), input);
      assert.equal(outcome.isCounted ? outcome.request.status : outcome.code, expected);
      if (!outcome.isCounted) assert.deepEqual(outcome.request, before, 'a refused vote changes nothing');
    });
  }

  test('an unknown request is not_found', () => {
    const outcome = castVote(undefined, vote(APPROVERS.bobViaConsole));
    assert.equal(!outcome.isCounted && outcome.code, 'not_found');
  });

  test('a self-approval names the shared principal', () => {
    const outcome = castVote(request(), vote(APPROVERS.adminSelfExchanged));
    assert.deepEqual(!outcome.isCounted && outcome.shared, [JSON.stringify(['https://idp.example', 'admin'])]);
  });

  test('the approving vote is recorded with its approver, time and reason, and the last one decides', () => {
    const first = castVote(request({ approversRequired: 2 }), { ...vote(APPROVERS.bobViaConsole), reason: 'budget ok' });
    assert.ok(first.isCounted);
    assert.deepEqual(first.request.approvedBy, [{ by: APPROVERS.bobViaConsole, at: 1000, reason: 'budget ok' }]);
    assert.equal(first.request.decidedBy, undefined);
    const second = castVote(first.request, { ...vote(APPROVERS.carolViaConsole), at: 2000 });
    assert.ok(second.isCounted);
    assert.equal(second.request.decidedBy, APPROVERS.carolViaConsole);
    assert.equal(second.request.decidedAt, 2000);
    assert.equal(second.request.approvedBy.length, 2);
  });
});
