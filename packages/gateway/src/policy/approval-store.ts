// Where approval requests live between the held call and the approver's
// decision. The interface is asynchronous and its state changes are
// compare-and-set (decide only a pending request, consume only a decided
// one), so a Redis or PostgreSQL store can serve every replica; the memory
// store here serves one process. Whether a vote counts is decided by the
// pure approval-decision.ts, the same for every store.

import { castVote, type ApprovalVoteInput, type ApprovalVoteOutcome } from './approval-decision.ts';
import { principalId } from '../identity/delegation-parties.ts';

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired' | 'closed';

export interface ApprovalParty {
  /** identity/caller.ts `identityKey`: stable across token refreshes. */
  identityKey: string;
  agent: string;
  user: string | undefined;
  /** identity/delegation-parties.ts `principalOf`: whom a decision is attributed to. */
  principal: string;
  /** identity/delegation-parties.ts `delegationParties`: every principal in the token's delegation chain. */
  parties: string[];
}

/** One approver's approval of a request that needs several. */
interface ApprovalVote {
  by: ApprovalParty;
  at: number;
  reason?: string;
}

export interface ApprovalRequest {
  id: string;
  status: ApprovalStatus;
  /** The approval policy that asked. */
  policy: string;
  createdAt: number;
  /** After this a pending request is `expired` and a new call asks again. */
  expiresAt: number;
  requester: ApprovalParty;
  /** The tenant of the held call (docs/tenants.md): only its admins and platform admins see and decide it. */
  tenant?: string;
  backend: string;
  tool: string;
  /** canonical-hash.ts of the arguments: the approval is for exactly this call. */
  argumentsHash: string;
  /** The arguments as the approver sees them (truncated JSON). */
  preview: string;
  /** Why approval is needed (the rule's reason or condition). */
  reason: string;
  /** Distinct approvers (none from the requester's chain) needed before the call runs. */
  approversRequired: number;
  /** The role every approver's token must carry (identity/caller.ts `roles`); absent: the admin scope suffices. */
  approverRole?: string;
  /** The approvals counted so far, oldest first. */
  approvedBy: ApprovalVote[];
  /** When the last approval needed, or the denial, arrived. */
  decidedAt?: number;
  /** The approver whose approval completed the request, or who denied it. */
  decidedBy?: ApprovalParty;
  decisionReason?: string;
  /** When the decision was acted on (the approved call ran, or the denial was reported). */
  closedAt?: number;
}

export interface ApprovalStore {
  create(request: ApprovalRequest): Promise<void>;
  get(id: string): Promise<ApprovalRequest | undefined>;
  /** The newest request for exactly this call that is still pending or decided but not yet acted on. */
  findOpen(requesterKey: string, backend: string, tool: string, argumentsHash: string): Promise<ApprovalRequest | undefined>;
  list(filter?: { status?: ApprovalStatus }): Promise<ApprovalRequest[]>;
  /**
   * One approver's vote, counted or refused by approval-decision.ts `castVote`
   * atomically: pending -> approved once enough distinct approvers approved,
   * pending -> denied on one denial.
   */
  decide(id: string, vote: ApprovalVoteInput): Promise<ApprovalVoteOutcome>;
  /** approved | denied -> closed, once: true for the one caller that acted on the decision. */
  settle(id: string, at: number): Promise<boolean>;
  /** Resolves with the request once it is no longer pending, or with `undefined` when `signal` aborts first. */
  waitForDecision(id: string, signal: AbortSignal): Promise<ApprovalRequest | undefined>;
}

/** Decided requests kept for listing after they are closed; the oldest go first. */
const MAX_KEPT = 10_000;

export class MemoryApprovalStore implements ApprovalStore {
  readonly #requests = new Map<string, ApprovalRequest>();
  readonly #waiters = new Map<string, Set<(request: ApprovalRequest) => void>>();
  readonly #now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  async create(request: ApprovalRequest): Promise<void> {
    this.#requests.set(request.id, structuredClone(request));
    if (this.#requests.size > MAX_KEPT) this.#evict();
  }

  async get(id: string): Promise<ApprovalRequest | undefined> {
    const request = this.#current(id);
    return request === undefined ? undefined : structuredClone(request);
  }

  async findOpen(requesterKey: string, backend: string, tool: string, argumentsHash: string): Promise<ApprovalRequest | undefined> {
    let newest: ApprovalRequest | undefined;
    for (const id of this.#requests.keys()) {
      const request = this.#current(id)!;
      if (request.status === 'expired' || request.status === 'closed') continue;
      if (request.requester.identityKey !== requesterKey || request.backend !== backend || request.tool !== tool || request.argumentsHash !== argumentsHash) continue;
      if (newest === undefined || request.createdAt >= newest.createdAt) newest = request;
    }
    return newest === undefined ? undefined : structuredClone(newest);
  }

  async list(filter: { status?: ApprovalStatus } = {}): Promise<ApprovalRequest[]> {
    const found: ApprovalRequest[] = [];
    for (const id of this.#requests.keys()) {
      const request = this.#current(id)!;
      if (filter.status === undefined || request.status === filter.status) found.push(structuredClone(request));
    }
    return found.sort((a, b) => a.createdAt - b.createdAt);
  }

  async decide(id: string, vote: ApprovalVoteInput): Promise<ApprovalVoteOutcome> {
    const current = this.#current(id);
    const outcome = castVote(current === undefined ? undefined : structuredClone(current), vote);
    if (!outcome.isCounted) return outcome;
    const request = outcome.request;
    this.#requests.set(id, structuredClone(request));
    if (request.status !== 'pending') {
      const waiters = this.#waiters.get(id);
      this.#waiters.delete(id);
      for (const wake of waiters ?? []) wake(structuredClone(request));
    }
    return { isCounted: true, request: structuredClone(request) };
  }

  async settle(id: string, at: number): Promise<boolean> {
    const request = this.#current(id);
    if (request === undefined || (request.status !== 'approved' && request.status !== 'denied')) return false;
    request.status = 'closed';
    request.closedAt = at;
    return true;
  }

  waitForDecision(id: string, signal: AbortSignal): Promise<ApprovalRequest | undefined> {
    const request = this.#current(id);
    if (request === undefined) return Promise.resolve(undefined);
    if (request.status !== 'pending') return Promise.resolve(structuredClone(request));
    if (signal.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      let waiters = this.#waiters.get(id);
      if (waiters === undefined) this.#waiters.set(id, (waiters = new Set()));
      const wake = (decided: ApprovalRequest) => {
        signal.removeEventListener('abort', onAbort);
        resolve(decided);
      };
      const onAbort = () => {
        waiters.delete(wake);
        resolve(undefined);
      };
      waiters.add(wake);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** The stored request with expiry applied on read: nothing needs a timer to expire requests. */
  #current(id: string): ApprovalRequest | undefined {
    const request = this.#requests.get(id);
    if (request !== undefined && request.status === 'pending' && request.expiresAt <= this.#now()) request.status = 'expired';
    return request;
  }

  #evict(): void {
    for (const [id, request] of this.#requests) {
      if (this.#requests.size <= MAX_KEPT) return;
      if (request.status !== 'pending') this.#requests.delete(id);
    }
  }
}

/**
 * A request as an older gateway stored it (one approver, parties known only
 * by the identity key), read by this one: the single approver it needed and
 * the issuer-scoped agent and user as the requester's parties.
 */
export function withCurrentShape(request: ApprovalRequest): ApprovalRequest {
  const stored = request as Partial<ApprovalRequest> & ApprovalRequest;
  if (typeof stored.approversRequired !== 'number') stored.approversRequired = 1;
  if (!Array.isArray(stored.approvedBy)) stored.approvedBy = [];
  stored.requester = partyWithPrincipals(stored.requester);
  if (stored.decidedBy !== undefined) stored.decidedBy = partyWithPrincipals(stored.decidedBy);
  for (const vote of stored.approvedBy) vote.by = partyWithPrincipals(vote.by);
  return stored;
}

function partyWithPrincipals(party: ApprovalParty): ApprovalParty {
  if (typeof party.principal === 'string' && Array.isArray(party.parties) && party.parties.length > 0) return party;
  let issuer = '';
  try {
    const parsed: unknown = JSON.parse(party.identityKey);
    if (Array.isArray(parsed) && typeof parsed[0] === 'string') issuer = parsed[0];
  } catch {
    // 'anonymous' and other keys that are not identity keys keep the empty issuer
  }
  const user = typeof party.user === 'string' ? party.user : undefined;
  const parties = [principalId(issuer, party.agent), ...(user === undefined ? [] : [principalId(issuer, user)])];
  return { ...party, principal: principalId(issuer, user ?? party.agent), parties };
}
