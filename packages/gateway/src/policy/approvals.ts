// The approvals service every approval policy, the admin API and the
// transport's bridge share: creates requests, lets an approver decide (never
// the requester, every decision reported for audit), waits for a decision,
// and carries a 2026-07-28 retry's approval id from the opened requestState
// to the policy that asked for it.

import { randomBytes } from 'node:crypto';
import type { Exchange } from '../exchange/exchange.ts';
import type { Caller } from '../identity/caller.ts';
import type { ApprovalHold } from './policy.ts';
import { MemoryApprovalStore, type ApprovalParty, type ApprovalRequest, type ApprovalStatus, type ApprovalStore } from './approval-store.ts';

export interface ApprovalDecisionRecord {
  approvalId: string;
  decision: 'approved' | 'denied';
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

export type ApprovalErrorCode = 'not_found' | 'not_pending' | 'self_approval';

const BRAND = Symbol.for('gatehouse.ApprovalError');

export class ApprovalError extends Error {
  readonly [BRAND] = true;
  readonly code: ApprovalErrorCode;
  readonly httpStatus: number;

  constructor(code: ApprovalErrorCode, message: string) {
    super(message);
    this.name = 'ApprovalError';
    this.code = code;
    this.httpStatus = code === 'not_found' ? 404 : code === 'not_pending' ? 409 : 403;
  }
}

export function isApprovalError(value: unknown): value is ApprovalError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

export function partyOf(caller: Caller | undefined): ApprovalParty {
  if (caller === undefined || caller.isAnonymous) return { identityKey: 'anonymous', agent: 'anonymous', user: undefined };
  return { identityKey: caller.identityKey, agent: caller.agent, user: caller.user };
}

/** Same person: the same user, or (when neither acts for a user) the same agent identity. */
export function isSameParty(a: ApprovalParty, b: ApprovalParty): boolean {
  if (a.identityKey === b.identityKey) return true;
  return a.user !== undefined && a.user === b.user;
}

export class Approvals {
  readonly store: ApprovalStore;
  readonly #base: () => string;
  readonly #onDecision: ((record: ApprovalDecisionRecord) => void) | undefined;
  readonly #now: () => number;
  readonly #presented = new WeakMap<Exchange, string>();

  constructor(options: ApprovalsOptions) {
    this.#now = options.now ?? Date.now;
    this.store = options.store ?? new MemoryApprovalStore({ now: this.#now });
    const base = options.approvalUrlBase;
    this.#base = typeof base === 'string' ? () => base.replace(/\/+$/, '') : () => base().replace(/\/+$/, '');
    this.#onDecision = options.onDecision;
  }

  urlFor(id: string): string {
    return `${this.#base()}/approvals/${encodeURIComponent(id)}`;
  }

  async create(request: Omit<ApprovalRequest, 'id' | 'status' | 'createdAt'>): Promise<ApprovalRequest> {
    const created: ApprovalRequest = { ...request, id: `apr_${randomBytes(16).toString('base64url')}`, status: 'pending', createdAt: this.#now() };
    await this.store.create(created);
    return created;
  }

  get(id: string): Promise<ApprovalRequest | undefined> {
    return this.store.get(id);
  }

  list(status?: ApprovalStatus): Promise<ApprovalRequest[]> {
    return this.store.list(status === undefined ? {} : { status });
  }

  /** An approver's verdict. The admin API checks the admin scope; this checks the rest. */
  async decide(id: string, approver: Caller | undefined, verdict: 'approve' | 'deny', reason?: string): Promise<ApprovalRequest> {
    const request = await this.store.get(id);
    if (request === undefined) throw new ApprovalError('not_found', `No approval request "${id}"; list pending requests at /admin/approvals`);
    const by = partyOf(approver);
    if (isSameParty(by, request.requester)) {
      throw new ApprovalError('self_approval', `Approval ${id} was requested by ${describeParty(request.requester)}, who cannot also approve or deny it; another approver must decide`);
    }
    const decided = await this.store.decide(id, { status: verdict === 'approve' ? 'approved' : 'denied', by, reason, at: this.#now() });
    if (decided === undefined) {
      const current = await this.store.get(id);
      throw new ApprovalError('not_pending', `Approval ${id} is ${current?.status ?? 'gone'}, not pending, so it cannot be decided again`);
    }
    this.#onDecision?.({
      approvalId: id,
      decision: decided.status === 'approved' ? 'approved' : 'denied',
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
