// The approvals queue as a live feed for the console (GET
// /admin/approvals/events): what changed in the queue, pushed as it
// happens. A change on this replica (a held call, a vote) is sent at once,
// as the request stood right then; a timer looks every second while anyone listens, which
// also catches what other replicas did with a shared (Redis) store, which
// has no pub/sub, and requests that expired. Each look diffs the pending
// requests against the last: new ones are `created`, ones with more votes
// `updated`, ones no longer pending `decided` (approved, denied, expired or
// closed).

import type { Approvals } from '../policy/approval-service.ts';
import type { ApprovalRequest } from '../policy/approval-store.ts';

type ApprovalEventType = 'created' | 'updated' | 'decided';

export interface ApprovalEvent {
  type: ApprovalEventType;
  approval: ApprovalRequest;
}

export interface ApprovalFeedOptions {
  /** How often the store is read while anyone listens. Default 1 s. */
  intervalMs?: number;
  onError?: (error: unknown) => void;
}

export class ApprovalFeed {
  readonly #approvals: Approvals;
  readonly #intervalMs: number;
  readonly #onError: (error: unknown) => void;
  readonly #listeners = new Set<(event: ApprovalEvent) => void>();
  /** Pending requests as last seen: id -> votes counted. Undefined until the first look after someone subscribed. */
  #known: Map<string, number> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #isLooking = false;
  #isAgainNeeded = false;
  #stopWatching: (() => void) | undefined;
  /** Decided here and already sent: a look that read the queue just before the decision must not count them pending again. */
  readonly #decidedHere = new Set<string>();

  constructor(approvals: Approvals, options: ApprovalFeedOptions = {}) {
    this.#approvals = approvals;
    this.#intervalMs = options.intervalMs ?? 1_000;
    this.#onError = options.onError ?? (() => undefined);
  }

  /** The pending requests now, and from then on every change to `listener`; returns the unsubscribe. */
  async subscribe(listener: (event: ApprovalEvent) => void): Promise<{ pending: ApprovalRequest[]; unsubscribe: () => void }> {
    const pending = await this.#approvals.list('pending');
    if (this.#listeners.size === 0) {
      this.#known = new Map(pending.map((request) => [request.id, request.approvedBy.length]));
      this.#timer = setInterval(() => this.#look(), this.#intervalMs);
      this.#timer.unref();
      this.#stopWatching = this.#approvals.onChange((request) => this.#changedHere(request));
    }
    this.#listeners.add(listener);
    return { pending, unsubscribe: () => this.#unsubscribe(listener) };
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }

  #unsubscribe(listener: (event: ApprovalEvent) => void): void {
    if (!this.#listeners.delete(listener) || this.#listeners.size > 0) return;
    clearInterval(this.#timer);
    this.#stopWatching?.();
    this.#timer = undefined;
    this.#stopWatching = undefined;
    this.#known = undefined;
    this.#decidedHere.clear();
  }

  /** A request created or voted on this replica, as it stands after that: sent now, not at the next look. */
  #changedHere(request: ApprovalRequest): void {
    const known = this.#known;
    if (known === undefined) return;
    let type: ApprovalEventType | undefined;
    if (request.status === 'pending') {
      const votes = known.get(request.id);
      type = votes === undefined ? 'created' : votes !== request.approvedBy.length ? 'updated' : undefined;
      known.set(request.id, request.approvedBy.length);
    } else {
      known.delete(request.id);
      this.#decidedHere.add(request.id);
      type = 'decided';
    }
    if (type === undefined) return;
    const event = { type, approval: request };
    for (const listener of this.#listeners) listener(event);
  }

  /** One look at the store at a time; a change during a look asks for another right after. */
  #look(): void {
    if (this.#isLooking) {
      this.#isAgainNeeded = true;
      return;
    }
    this.#isLooking = true;
    void this.#diff()
      .catch(this.#onError)
      .finally(() => {
        this.#isLooking = false;
        if (this.#isAgainNeeded && this.#listeners.size > 0) {
          this.#isAgainNeeded = false;
          this.#look();
        }
      });
  }

  async #diff(): Promise<void> {
    const known = this.#known;
    if (known === undefined) return;
    const pending = await this.#approvals.list('pending');
    const events: ApprovalEvent[] = [];
    const now = new Set<string>();
    for (const request of pending) {
      now.add(request.id);
      if (this.#decidedHere.has(request.id)) continue;
      const votes = known.get(request.id);
      if (votes === undefined) events.push({ type: 'created', approval: request });
      else if (votes !== request.approvedBy.length) events.push({ type: 'updated', approval: request });
      known.set(request.id, request.approvedBy.length);
    }
    for (const id of [...known.keys()]) {
      if (now.has(id)) continue;
      known.delete(id);
      const decided = await this.#approvals.get(id);
      if (decided !== undefined) events.push({ type: 'decided', approval: decided });
    }
    for (const id of this.#decidedHere) if (!now.has(id)) this.#decidedHere.delete(id);
    if (this.#known !== known) return;
    for (const event of events) for (const listener of this.#listeners) listener(event);
  }
}
