// An approver's decision as an audit record (`approval_decision`, one of the
// security operation types): who decided, for whom, which call (backend,
// tool, hash of the arguments) and why. The held call's own record follows
// when the agent's call completes or is refused.

import type { AuditFacts } from '../audit/record.ts';
import type { ApprovalDecisionRecord } from './approvals.ts';

export function approvalDecisionFacts(record: ApprovalDecisionRecord, gatewayId: string): AuditFacts {
  return {
    type: 'approval_decision',
    startedAt: record.decidedAt,
    durationMs: 0,
    gatewayId,
    status: 'success',
    caller: { identity: record.approver.user ?? record.approver.agent, agent: record.approver.agent },
    server: record.backend,
    name: record.tool,
    policyDecisions: [{
      policy: record.policy,
      decision: record.decision === 'approved' ? 'allow' : 'deny',
      ...(record.reason === undefined ? {} : { reason: record.reason }),
      details: {
        approval_id: record.approvalId,
        requested_by: record.requester.user ?? record.requester.agent,
        requester_agent: record.requester.agent,
        arguments_hash: record.argumentsHash,
      },
    }],
  };
}
