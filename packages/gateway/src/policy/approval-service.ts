// The approvals service every approval policy, the admin API and the
// transport's bridge share: creates requests, counts approvers' votes (never
// a party of the requester's delegation chain, never one approver twice:
// approval-decision.ts; every vote reported for audit), waits for a decision,
// and carries a 2026-07-28 retry's approval id from the opened requestState
// to the policy that asked for it.

import { randomBytes } from 'node:crypto';
import type { Exchange } from '../exchange/exchange.ts';
import { ANONYMOUS_CALLER, type Caller } from '../identity/caller.ts';
import { delegationParties, principalName, principalOf } from '../identity/delegation-parties.ts';
import type { ApprovalHold } from './policy.ts';
import { MemoryApprovalStore, type ApprovalParty, type ApprovalRequest, type ApprovalStatus, type ApprovalStore } from './approval-store.ts';
import type { ApprovalRefusalCode } from './approval-decision.ts';

export interface ApprovalDecisionRecord {
  approvalId: string;
  /** This approver's verdict; the request is decided once `approvals` reaches `approversRequired`, or at once on a denial. */
  decision: 'approved' | 'denied';
  /** The request's status after this vote (`pending` while more approvers are needed). */
  status: ApprovalStatus;
  approvals: number;
  approversRequired: number;
  approver: ApprovalParty;
  requester: ApprovalParty;
  policy: string;
  backend: string;
  tool: string;
  argumentsHash: string;
  reason: string | undefined;
  decidedAt: number;
}

export interface ApprovalsOptions {
  store?: ApprovalStore;
  /** Where approval pages are served: `{base}/approvals/{id}` (the admin listener, or the console); a function when known only once listening. */
  approvalUrlBase: string | (() => string);
  /** Every decision, for audit (`approval_decision` records). Must not throw. */
  onDecision?: (record: ApprovalDecisionRecord) => void;
  now?: () => number;
}

export type ApprovalErrorCode = ApprovalRefusalCode;

const BRAND = Symbol.for('gatehouse.ApprovalError');

export class ApprovalError extends Error {
  readonly [BRAND] = true;
  readonly code: ApprovalErrorCode;
  readonly httpStatus: number;
  /** The request as it stands, for the approver to see the approvals so far; absent for `not_found`. */
  readonly request: ApprovalRequest | undefined;

  constructor(code: ApprovalErrorCode, message: string, request?: ApprovalRequest) {
    super(message);
    this.name = 'ApprovalError';
    this.code = code;
    // self_approval, missing_role, already_approved: this approver may never decide it (403); another may.
    this.httpStatus = code === 'not_found' ? 404 : code === 'not_pending' ? 409 : 403;
    this.request = request;
  }
}

export function isApprovalError(value: unknown): value is ApprovalError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** The caller as a party to an approval: display names, and the principals separation of duties compares. */
export function partyOf(caller: Caller | undefined): ApprovalParty {
  if (caller === undefined || caller.isAnonymous) {
    return { identityKey: 'anonymous', agent: 'anonymous', user: undefined, principal: principalOf(ANONYMOUS_CALLER), parties: [...delegationParties(ANONYMOUS_CALLER)] };
  }
  return { identityKey: caller.identityKey, agent: caller.agent, user: caller.user, principal: principalOf(caller), parties: [...delegationParties(caller)] };
}

export class Approvals {
  readonly store: ApprovalStore;
  readonly #base: () => string;
  readonly #onDecision: ((record: ApprovalDecisionRecord) => void) | undefined;
  readonly #now: () => number;
  readonly #presented = new WeakMap<Exchange, string>();
  /** Told the request after it is created or a vote is counted here (admin/approval-feed.ts pushes it to live consoles). */
  readonly #listeners = new Set<(request: ApprovalRequest) => void>();

  constructor(options: ApprovalsOptions) {
    this.#now = options.now ?? Date.now;
    this.store = options.store ?? new MemoryApprovalStore({ now: this.#now });
    const base = options.approvalUrlBase;
    this.#base = typeof base === 'string' ? () => base.replace(/\/+$/, '') : () => base().replace(/\/+$/, '');
    this.#onDecision = options.onDecision;
  }

  /** Calls `listener` after each request created and each vote counted on this replica; returns the unsubscribe. */
  onChange(listener: (request: ApprovalRequest) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #changed(request: ApprovalRequest): void {
    for (const listener of this.#listeners) listener(request);
  }

  urlFor(id: string): string {
    return `${this.#base()}/approvals/${encodeURIComponent(id)}`;
  }

  /** A new pending request with no approvals yet; one approver unless `approversRequired` says more. */
  async create(request: Omit<ApprovalRequest, 'id' | 'status' | 'createdAt' | 'approvedBy' | 'approversRequired'> & { approversRequired?: number }): Promise<ApprovalRequest> {
    const created: ApprovalRequest = { approversRequired: 1, ...request, approvedBy: [], id: `apr_${randomBytes(16).toString('base64url')}`, status: 'pending', createdAt: this.#now() };
    await this.store.create(created);
    this.#changed(created);
    return created;
  }

  get(id: string): Promise<ApprovalRequest | undefined> {
    return this.store.get(id);
  }

  list(status?: ApprovalStatus): Promise<ApprovalRequest[]> {
    return this.store.list(status === undefined ? {} : { status });
  }

  /**
   * An approver's vote. The admin API checks the admin scope; this checks the
   * rest (approval-decision.ts) and throws an ApprovalError saying why a vote
   * does not count. The request is decided once enough distinct approvers
   * approved, or at once when one denies.
   */
  async decide(id: string, approver: Caller | undefined, verdict: 'approve' | 'deny', reason?: string): Promise<ApprovalRequest> {
    const by = partyOf(approver);
    const roles = approver === undefined ? [] : [...approver.roles];
    const outcome = await this.store.decide(id, { verdict, by, roles, reason, at: this.#now() });
    if (!outcome.isCounted) throw refusalError(id, by, outcome.code, outcome.request, outcome.shared ?? []);
    const decided = outcome.request;
    this.#changed(decided);
    this.#onDecision?.({
      approvalId: id,
      decision: verdict === 'approve' ? 'approved' : 'denied',
      status: decided.status,
      approvals: decided.approvedBy.length,
      approversRequired: decided.approversRequired,
      approver: by,
      requester: decided.requester,
      policy: decided.policy,
      backend: decided.backend,
      tool: decided.tool,
      argumentsHash: decided.argumentsHash,
      reason,
      decidedAt: decided.decidedAt ?? this.#now(),
    });
    return decided;
  }

  /** Resolves when the request is decided (or expired), or with `undefined` when `signal` aborts first. */
  waitForDecision(id: string, signal: AbortSignal): Promise<ApprovalRequest | undefined> {
    return this.store.waitForDecision(id, signal);
  }

  /**
   * For the bridge: a 2026-07-28 retry whose sealed requestState named this
   * approval. Call before re-running the chain; the approval policy then
   * checks exactly that request instead of searching for one.
   */
  present(exchange: Exchange, approvalId: string): void {
    this.#presented.set(exchange, approvalId);
  }

  presentedOn(exchange: Exchange): string | undefined {
    return this.#presented.get(exchange);
  }

  /** What a held call needs to become `input_required` with a URL elicitation (policy.ts ApprovalHold). */
  holdFor(request: ApprovalRequest): ApprovalHold {
    const url = this.urlFor(request.id);
    return {
      approvalId: request.id,
      url,
      expiresAt: request.expiresAt,
      elicitation: {
        mode: 'url',
        url,
        elicitationId: request.id,
        message: `The call to "${request.tool}" needs a human approval (${request.reason}). Open this page to follow it; the call completes once an approver has decided.`,
      },
    };
  }
}

export function describeParty(party: ApprovalParty): string {
  return party.user === undefined ? `agent "${party.agent}"` : `user "${party.user}" (via agent "${party.agent}")`;
}

/** What the approvers of a request must be, for messages: "2 distinct approvers with the role finance". */
export function describeApprovers(request: Pick<ApprovalRequest, 'approversRequired' | 'approverRole'>): string {
  const count = request.approversRequired === 1 ? 'an approver' : `${request.approversRequired} distinct approvers`;
  return request.approverRole === undefined ? count : `${count} with the role "${request.approverRole}"`;
}

/** The agent-actionable refusal of a vote that does not count. */
function refusalError(id: string, by: ApprovalParty, code: ApprovalRefusalCode, request: ApprovalRequest | undefined, shared: readonly string[]): ApprovalError {
  const names = shared.map((principal) => `"${principalName(principal)}"`).join(', ');
  if (code === 'not_found' || request === undefined) return new ApprovalError('not_found', `No approval request "${id}"; list pending requests at /admin/approvals`);
  const progress = `${request.approvedBy.length} of ${request.approversRequired} approvals so far`;
  switch (code) {
    case 'not_pending':
      return new ApprovalError(code, `Approval ${id} is ${request.status}, not pending, so it cannot be decided again`, request);
    case 'self_approval':
      return new ApprovalError(code, `Approval ${id} was requested by ${describeParty(request.requester)}, who cannot also approve or deny it: your token (${describeParty(by)}) shares ${names} with the requester's delegation chain (subject, client or actor), however it was obtained; ${describeApprovers(request)} outside that chain must decide`, request);
    case 'missing_role':
      return new ApprovalError(code, `Approval ${id} must be decided by ${describeApprovers(request)}, and your token (${describeParty(by)}) carries no role "${request.approverRole}"; ask an approver who holds it`, request);
    case 'already_approved':
      return new ApprovalError(code, `You (${describeParty(by)}, as ${names}) already approved ${id}; it needs ${describeApprovers(request)} and has ${progress}, so another approver must approve it`, request);
  }
}
