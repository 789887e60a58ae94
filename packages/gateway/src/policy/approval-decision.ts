// Whether an approver's vote counts, as one pure function every approval
// store applies inside its compare-and-set: separation of duties (no party
// of the requester's delegation chain decides), the approver role, distinct
// approvers for a request that needs several, and one denial denies.

import type { ApprovalParty, ApprovalRequest } from './approval-store.ts';

export interface ApprovalVoteInput {
  verdict: 'approve' | 'deny';
  by: ApprovalParty;
  /** The approver's roles (identity/caller.ts `roles`), checked against the request's approver role. */
  roles: readonly string[];
  reason: string | undefined;
  at: number;
}

export type ApprovalRefusalCode = 'not_found' | 'not_pending' | 'self_approval' | 'missing_role' | 'already_approved';

export type ApprovalVoteOutcome =
  | { isCounted: true; request: ApprovalRequest }
  | {
      isCounted: false;
      code: ApprovalRefusalCode;
      /** The request as it stands (unchanged by the refused vote); `undefined` for `not_found`. */
      request: ApprovalRequest | undefined;
      /** For `self_approval` and `already_approved`: the principals the approver shares with the requester or an earlier approver. */
      shared?: string[];
    };

/**
 * Counts `vote` on `request` or says why it does not count. `request` is the
 * stored request with expiry applied; the returned one is a new object.
 * Checks run in this order so the answer names the most basic problem first.
 */
export function castVote(request: ApprovalRequest | undefined, vote: ApprovalVoteInput): ApprovalVoteOutcome {
  if (request === undefined) return { isCounted: false, code: 'not_found', request };
  if (request.status !== 'pending') return { isCounted: false, code: 'not_pending', request };
  const requesterShared = sharedParties(vote.by, request.requester);
  if (requesterShared.length > 0) return { isCounted: false, code: 'self_approval', request, shared: requesterShared };
  if (request.approverRole !== undefined && !vote.roles.includes(request.approverRole)) return { isCounted: false, code: 'missing_role', request };
  if (vote.verdict === 'deny') {
    return {
      isCounted: true,
      request: { ...request, status: 'denied', decidedAt: vote.at, decidedBy: vote.by, ...(vote.reason === undefined ? {} : { decisionReason: vote.reason }) },
    };
  }
  for (const earlier of request.approvedBy) {
    const shared = sameApprover(vote.by, earlier.by);
    if (shared.length > 0) return { isCounted: false, code: 'already_approved', request, shared };
  }
  const approvedBy = [...request.approvedBy, { by: vote.by, at: vote.at, ...(vote.reason === undefined ? {} : { reason: vote.reason }) }];
  if (approvedBy.length < request.approversRequired) return { isCounted: true, request: { ...request, approvedBy } };
  return {
    isCounted: true,
    request: { ...request, approvedBy, status: 'approved', decidedAt: vote.at, decidedBy: vote.by, ...(vote.reason === undefined ? {} : { decisionReason: vote.reason }) },
  };
}

/**
 * The principals of the approver's chain that are also in the requester's.
 * Both whole chains count: an agent that asked must not approve as itself,
 * through a token exchanged for itself, nor as the actor for someone else.
 */
function sharedParties(approver: ApprovalParty, requester: ApprovalParty): string[] {
  const requesterParties = new Set(requester.parties);
  return approver.parties.filter((party) => requesterParties.has(party));
}

/**
 * Whether two approvals come from the same approver: one's principal took
 * part in the other's chain. Two people approving through the same console
 * client are distinct (neither is the other's principal); the console agent
 * approving on its own after carrying a person's approval is not.
 */
function sameApprover(next: ApprovalParty, earlier: ApprovalParty): string[] {
  const shared = new Set<string>();
  if (earlier.parties.includes(next.principal)) shared.add(next.principal);
  if (next.parties.includes(earlier.principal)) shared.add(earlier.principal);
  return [...shared];
}
