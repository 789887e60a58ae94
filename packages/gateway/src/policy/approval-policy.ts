// Human approval for high-stakes calls (docs/policies.md): a person confirms
// actions above a threshold, such as `args.recipient_count > 1000`.
// A rule (tool pattern + CEL condition) matches; the call then needs an
// approved request for exactly this caller, tool and arguments. Without one
// it is held: waiting in process with progress notifications (and the
// approval link by URL elicitation where the client takes it), turned into a
// 2026-07-28 `input_required` by the bridge, or refused with the approval id
// so the agent retries the same call after an approver decided. A rule with
// `estimate: dry_run` decides on the backend's own estimate of the call
// (dry-run-estimate.ts), not on numbers the caller wrote. A rule may ask for
// several distinct approvers and an approver role (docs/policies.md, tiers: "large
// financial transactions"); approval-service.ts counts them.

import { z } from 'zod';
import type { Exchange } from '../exchange/exchange.ts';
import { hasCapability } from '../exchange/client-relay.ts';
import { allowOnce, type Decision, type Policy } from './policy.ts';
import { PolicyError, describeWait } from './policy-error.ts';
import type { ApprovalRequest } from './approval-store.ts';
import { describeApprovers, describeParty, partyOf, type Approvals } from './approval-service.ts';
import { canonicalHash } from './canonical-hash.ts';
import { celCondition } from './condition-schema.ts';
import { list, oneOf, text, toolPattern, wholeNumber } from './settings-schema.ts';
import { argumentsOf, callerOf } from './tool-selector.ts';
import { CEL_ESTIMATE_VARIABLE } from './cel.ts';
import { describeEstimate, estimateRuleProblem, estimateRuleShape, evaluateWithEstimate, type DryRunEstimates } from './dry-run-estimate.ts';

export const approvalSettings = z.strictObject({
  rules: list(
    z.strictObject(
      {
        tool: toolPattern(),
        /** CEL over caller, tool, backend, args, session, now (and estimate, with `estimate: dry_run`); absent: every call to the tool. */
        when: celCondition([CEL_ESTIMATE_VARIABLE]).optional(),
        /** Shown to the agent and the approver; default: the condition. */
        reason: text().optional(),
        /** Distinct approvers, none a party of the requester's delegation chain, before the call runs (e.g. 2 for a payment). */
        approvers_required: wholeNumber(1, 10).default(1),
        /** A role every approver's token must carry (the `roles` claim as identity maps it), e.g. finance. */
        approver_role: text('expected one role name such as finance').optional(),
        ...estimateRuleShape,
      },
      { error: 'expected a mapping with tool, when, reason, approvers_required, approver_role, estimate and on_estimate_error' },
    ).superRefine((rule, context) => {
      const problem = estimateRuleProblem(rule);
      if (problem !== undefined) context.addIssue({ code: 'custom', path: [problem.path], message: problem.message });
    }),
  ).min(1, { error: 'expected at least one rule' }),
  /** hold: wait for the decision (or hand a 2026 client an input_required); reject: answer at once with the approval id. */
  on_match: oneOf(['hold', 'reject']).default('hold'),
  hold_timeout_seconds: wholeNumber(1, 3600).default(120),
  progress_interval_seconds: wholeNumber(1, 600).default(5),
  /** How long a request stays open for an approver. */
  approval_ttl_seconds: wholeNumber(60, 2_592_000).default(86_400),
  /** A condition that cannot be evaluated (a missing argument): require approval, or let the call through. */
  on_condition_error: oneOf(['require', 'skip']).default('require'),
  preview_characters: wholeNumber(40, 100_000).default(500),
});

export type ApprovalSettings = z.infer<typeof approvalSettings>;

export interface ApprovalDependencies {
  approvals: Approvals;
  /** Dry runs for rules with `estimate: dry_run`; without it those rules fail closed. */
  estimates?: DryRunEstimates;
  now?: () => number;
}

type ApprovalRule = ApprovalSettings['rules'][number];

/** What the rules say about a call: approval needed (and why), or not, with the facts an estimate rule used; or a refusal. */
interface RuleVerdict {
  needsApproval: boolean;
  /** The rule that asks for approval: how many approvers, with which role. */
  rule?: ApprovalRule;
  reason: string;
  /** The estimate and how it was got, for the decision (audit reads it). */
  details?: Record<string, unknown>;
  refusal?: Decision;
}

export function createApproval(name: string, settings: ApprovalSettings, dependencies: ApprovalDependencies): Policy {
  const allow = allowOnce(name);
  const approvals = dependencies.approvals;
  const estimates = dependencies.estimates;
  const now = dependencies.now ?? Date.now;

  /** The first rule that matches from `from` on, or `undefined` when none does; synchronous until a rule needs an estimate. */
  function matchingRule(exchange: Exchange, from = 0): RuleVerdict | undefined | Promise<RuleVerdict | undefined> {
    const target = exchange.target;
    if (target?.kind !== 'tool' || target.name === undefined) return undefined;
    for (let index = from; index < settings.rules.length; index++) {
      const rule = settings.rules[index]!;
      if (!rule.tool.matches(target.backend, target.name)) continue;
      if (rule.estimate !== undefined) return matchingOnEstimate(exchange, rule, index);
      if (rule.when === undefined) return { needsApproval: true, rule, reason: rule.reason ?? `every call to ${rule.tool.pattern} needs approval` };
      const verdict = rule.when.evaluate(exchange);
      if (verdict === true) return { needsApproval: true, rule, reason: rule.reason ?? rule.when.source };
      if (typeof verdict !== 'boolean' && settings.on_condition_error === 'require') return { needsApproval: true, rule, reason: `${rule.reason ?? rule.when.source} (the condition could not be evaluated: ${verdict.error})` };
    }
    return undefined;
  }

  /** A rule deciding on the backend's estimate: without one it fails closed (`on_estimate_error`), whatever `on_condition_error` says. */
  async function matchingOnEstimate(exchange: Exchange, rule: ApprovalRule, index: number): Promise<RuleVerdict | undefined> {
    const why = rule.reason ?? rule.when?.source ?? `every call to ${rule.tool.pattern} needs approval`;
    // The call is itself a dry run of a tool that declares one: it changes nothing, so this rule has nothing to hold.
    if (estimates?.isDryRun(exchange) === true) return matchingRule(exchange, index + 1);
    const outcome = estimates === undefined
      ? { isAvailable: false as const, problem: 'this gateway was built without dry runs', elapsedMs: 0 }
      : await estimates.fetch(exchange);
    const facts = { estimate_source: 'dry_run', dry_run_ms: outcome.elapsedMs };
    if (!outcome.isAvailable) return withoutEstimate(exchange, rule, why, outcome.problem, facts);
    const verdict = evaluateWithEstimate(rule.when, exchange, outcome.estimate);
    const withEstimate = { ...facts, estimate: outcome.estimate };
    if (!verdict.isKnown) return withoutEstimate(exchange, rule, why, verdict.problem, withEstimate);
    if (verdict.matches) return { needsApproval: true, rule, reason: `${why} (the backend's dry run estimates ${describeEstimate(outcome.estimate)})`, details: withEstimate };
    return (await matchingRule(exchange, index + 1)) ?? { needsApproval: false, reason: '', details: withEstimate };
  }

  /** Fails closed: hold with the problem in the reason, or refuse (`on_estimate_error: deny`). */
  function withoutEstimate(exchange: Exchange, rule: ApprovalRule, why: string, problem: string, facts: Record<string, unknown>): RuleVerdict {
    const details = { ...facts, estimate_error: problem };
    if (rule.on_estimate_error !== 'deny') return { needsApproval: true, rule, reason: `${why} (held without an estimate: ${problem})`, details };
    return { needsApproval: false, reason: problem, details, refusal: estimateRefusal(exchange, problem, details) };
  }

  function estimateRefusal(exchange: Exchange, problem: string, details: Record<string, unknown>): Decision {
    const message = `Policy "${name}" decides on calls to "${exchange.target?.name}" from the backend's own estimate of the call and could not get one (${problem}), so the call was not forwarded. Retry later; if it keeps failing, tell the user an administrator must check the backend's dry-run support`;
    const withCode = { code: 'estimate_unavailable', ...details };
    return { policy: name, decision: 'deny', reason: message, details: withCode, error: new PolicyError(name, 'estimate_unavailable', message, { details: withCode }) };
  }

  function decideOn(exchange: Exchange, verdict: RuleVerdict | undefined): Decision | Promise<Decision> {
    if (verdict === undefined) return allow;
    if (verdict.refusal !== undefined) return verdict.refusal;
    if (!verdict.needsApproval) return { policy: name, decision: 'allow', ...(verdict.details === undefined ? {} : { details: verdict.details }) };
    const decided = decideHeld(exchange, verdict.reason, verdict.rule);
    const details = verdict.details;
    return details === undefined ? decided : decided.then((decision) => ({ ...decision, details: { ...decision.details, ...details } }));
  }

  async function decideHeld(exchange: Exchange, reason: string, rule: ApprovalRule | undefined): Promise<Decision> {
    const target = exchange.target!;
    const args = argumentsOf(exchange);
    const requester = partyOf(callerOf(exchange));
    const argumentsHash = canonicalHash(args);
    const presentedId = approvals.presentedOn(exchange);
    let request: ApprovalRequest | undefined;
    if (presentedId !== undefined) {
      request = await approvals.get(presentedId);
      const isSameCall = request !== undefined && request.requester.identityKey === requester.identityKey && request.backend === target.backend && request.tool === target.name && request.argumentsHash === argumentsHash;
      if (!isSameCall) request = undefined;
    } else {
      request = await approvals.store.findOpen(requester.identityKey, target.backend, target.name!, argumentsHash);
    }
    if (request === undefined || request.status === 'expired' || request.status === 'closed') {
      request = await approvals.create({
        policy: name,
        expiresAt: now() + settings.approval_ttl_seconds * 1000,
        requester,
        ...(exchange.tenant === undefined ? {} : { tenant: exchange.tenant }),
        backend: target.backend,
        tool: target.name!,
        argumentsHash,
        preview: previewOf(args, settings.preview_characters),
        reason,
        approversRequired: rule?.approvers_required ?? 1,
        ...(rule?.approver_role === undefined ? {} : { approverRole: rule.approver_role }),
      });
    }
    if (request.status !== 'pending') return settle(request);
    if (settings.on_match === 'reject') return required(request, 'approval_required');
    // A 2026-07-28 client that takes URL elicitation gets an input_required from the bridge; its retry presents the id and waits here.
    if (presentedId === undefined && exchange.client.era === 'modern' && hasCapability(exchange.client.capabilities, 'elicitation/create', { mode: 'url' })) {
      return { policy: name, decision: 'hold', reason: `waiting for approval ${request.id}`, details: { approval_id: request.id }, hold: approvals.holdFor(request), error: requiredError(request, 'approval_required') };
    }
    const decided = await waitWhileNotifying(exchange, request);
    if (decided === undefined || decided.status === 'pending') return required(request, 'approval_pending');
    return settle(decided);
  }

  /** Acts on a decided request once: an approval lets exactly one call through; a denial is reported once. */
  async function settle(request: ApprovalRequest): Promise<Decision> {
    if (request.status === 'expired') return required(request, 'approval_pending');
    const isFirst = await approvals.store.settle(request.id, now());
    if (request.status === 'approved' && isFirst) {
      const approvers = request.approvedBy.length === 0 ? request.decidedBy === undefined ? [] : [request.decidedBy] : request.approvedBy.map((vote) => vote.by);
      return { policy: name, decision: 'allow', details: { approval_id: request.id, approved_by: approvers.length === 0 ? undefined : approvers.map(describeParty).join(', ') } };
    }
    if (request.status === 'denied') {
      const by = request.decidedBy === undefined ? 'an approver' : describeParty(request.decidedBy);
      const message = `An approver (${by}) denied this call to "${request.tool}" (approval ${request.id}${request.decisionReason === undefined ? '' : `: ${request.decisionReason}`}). Do not retry it; tell the user it was not approved`;
      const details = { code: 'approval_denied', approval_id: request.id };
      return { policy: name, decision: 'deny', reason: message, details, error: new PolicyError(name, 'approval_denied', message, { approvalId: request.id, details }) };
    }
    // Approved, but another call already used it: this one needs its own approval.
    return required(request, 'approval_required');
  }

  function requiredError(request: ApprovalRequest, code: 'approval_required' | 'approval_pending'): PolicyError {
    const url = approvals.urlFor(request.id);
    const message = code === 'approval_required'
      ? `This call to "${request.tool}" needs a human approval (${request.reason}). Approval request ${request.id} was sent to the approvers (${url}${request.approversRequired === 1 && request.approverRole === undefined ? '' : `; it needs ${describeApprovers(request)}`}). Tell the user it awaits approval, and call the tool again with the same arguments once it has been approved`
      : `Approval ${request.id} for this call to "${request.tool}" is still ${request.status === 'expired' ? 'undecided and has expired' : `pending after ${describeWait(settings.hold_timeout_seconds * 1000)}`} (${request.reason}). Tell the user an approver must decide at ${url}, then call the tool again with the same arguments`;
    return new PolicyError(name, code, message, { approvalId: request.id, details: { approval_url: url } });
  }

  function required(request: ApprovalRequest, code: 'approval_required' | 'approval_pending'): Decision {
    const error = requiredError(request, code);
    return { policy: name, decision: 'deny', reason: error.message, details: { code, approval_id: request.id }, error };
  }

  /** Holds the call: progress every few seconds, the link by URL elicitation where the client declared it. */
  async function waitWhileNotifying(exchange: Exchange, request: ApprovalRequest): Promise<ApprovalRequest | undefined> {
    const hold = approvals.holdFor(request);
    const canElicit = exchange.relay.request !== undefined && hasCapability(exchange.client.capabilities, 'elicitation/create', { mode: 'url' });
    if (canElicit) {
      // The client answers once the user has seen the link; the decision itself arrives through the store, so the answer is not awaited.
      exchange.relay.request!('elicitation/create', hold.elicitation, exchange.signal).catch(() => undefined);
    }
    const progressToken = progressTokenOf(exchange);
    const startedAt = now();
    const timer = progressToken === undefined ? undefined : setInterval(() => {
      const waited = Math.round((now() - startedAt) / 1000);
      exchange.relay.notify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken, progress: waited, message: `Waiting for approval ${request.id} (${waited} s); ${describeApprovers(request)} decide${request.approversRequired === 1 ? 's' : ''} at ${hold.url}` } });
    }, settings.progress_interval_seconds * 1000);
    timer?.unref();
    const timeout = AbortSignal.timeout(settings.hold_timeout_seconds * 1000);
    try {
      const decided = await approvals.waitForDecision(request.id, AbortSignal.any([timeout, exchange.signal]));
      if (canElicit && decided !== undefined) {
        exchange.relay.notify({ jsonrpc: '2.0', method: 'notifications/elicitation/complete', params: { elicitationId: request.id } });
      }
      return decided;
    } finally {
      if (timer !== undefined) clearInterval(timer);
    }
  }

  return {
    name,
    type: 'approval',
    onRequest(exchange): Decision | Promise<Decision> {
      const verdict = matchingRule(exchange);
      return verdict instanceof Promise ? verdict.then((settled) => decideOn(exchange, settled)) : decideOn(exchange, verdict);
    },
  };
}

function progressTokenOf(exchange: Exchange): string | number | undefined {
  const meta = (exchange.message as { params?: { _meta?: { progressToken?: unknown } } }).params?._meta;
  const token = meta?.progressToken;
  return typeof token === 'string' || typeof token === 'number' ? token : undefined;
}

/** The arguments as JSON, each long string cut, the whole cut to `limit` characters. */
function previewOf(args: Record<string, unknown>, limit: number): string {
  const text = JSON.stringify(args, (_key, value: unknown) => (typeof value === 'string' && value.length > 200 ? `${value.slice(0, 200)}…` : value));
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}
