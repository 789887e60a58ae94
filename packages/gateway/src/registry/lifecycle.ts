// The lifecycle of a registry entry, written once: a table of the allowed
// transitions (from, to, who may, what must hold) and the pure functions the
// admin API, the CLI and the console all call to create an entry, move it,
// revise its spec, and ask whether the router may route to it.

import { conditionOf, setCondition, type Condition } from './conditions.ts';
import { API_VERSION, type EntrySpec, type LifecycleState, type RegistryEntry, type Review, type ReviewCheck, type ReviewDecision, type RiskTier } from './entry.ts';
import { isRegistryError, RegistryError } from './errors.ts';
import { markToolChangesReviewed } from './tool-governance.ts';
import { markDefinitionChangesReviewed } from './definition-governance.ts';

/** `proposer` and `owner` follow from the entry; `reviewer` and `platform_admin` are granted to the actor. */
export type ActorRole = 'proposer' | 'reviewer' | 'owner' | 'platform_admin';
export type GrantedRole = Extract<ActorRole, 'reviewer' | 'platform_admin'>;

export interface Actor {
  /** `user:alice`, `agent:admin`; compared as given. */
  principal: string;
  roles: readonly GrantedRole[];
  /** Groups and teams the principal is in (`group:payments`), so an owner may be a group. */
  memberOf?: readonly string[];
  /**
   * Every party of the actor's delegation chain (subject, client, RFC 8693
   * actors) in the same `kind:id` form: separation of duties holds against
   * each of them, so a proposer cannot review through another client or a
   * token exchanged for itself (docs/security.md section 1).
   */
  parties?: readonly string[];
}

/** Whether `principal` is the actor or any party of its delegation chain. */
function isActor(actor: Actor, principal: string | undefined): boolean {
  return principal !== undefined && (actor.principal === principal || (actor.parties ?? []).includes(principal));
}

/** What must hold for a row, checked in this order after the actor's role. */
export type Guard =
  /** The request carries a review with this decision, by someone other than the proposer, not yet reviewing this round. */
  | { review: ReviewDecision }
  /** Distinct approving reviewers this round (counting the request's) reach the risk tier's number. */
  | 'enough_approvals'
  /** The next review date has not passed. */
  | 'review_current'
  /** The request returns the entry to the state it was suspended from. */
  | 'returns_from_suspension';

export interface TransitionRule {
  from: LifecycleState;
  to: LifecycleState;
  who: readonly ActorRole[];
  holds: readonly Guard[];
  /** What the row means, for docs/registry.md and `not_permitted` messages. */
  purpose: string;
}

const RESPONSIBLE: readonly ActorRole[] = ['owner', 'platform_admin'];
const REVIEWERS: readonly ActorRole[] = ['reviewer', 'platform_admin'];

/** Every allowed transition; anything not here is `illegal_transition`. One row per (from, to). */
export const TRANSITIONS: readonly TransitionRule[] = [
  { from: 'proposed', to: 'in_review', who: ['proposer', 'owner', 'platform_admin'], holds: [], purpose: 'submit for review' },
  { from: 'proposed', to: 'rejected', who: REVIEWERS, holds: [{ review: 'reject' }], purpose: 'turn down without a review round' },
  { from: 'in_review', to: 'in_review', who: REVIEWERS, holds: [{ review: 'approve' }], purpose: 'an approval that leaves the tier short of its reviewers' },
  { from: 'in_review', to: 'approved', who: REVIEWERS, holds: [{ review: 'approve' }, 'enough_approvals'], purpose: 'the approval that completes the tier' },
  { from: 'in_review', to: 'rejected', who: REVIEWERS, holds: [{ review: 'reject' }], purpose: 'turn down' },
  { from: 'in_review', to: 'proposed', who: REVIEWERS, holds: [{ review: 'request_changes' }], purpose: 'send back for changes' },
  { from: 'approved', to: 'active', who: RESPONSIBLE, holds: ['review_current'], purpose: 'put into service (routed from now on)' },
  { from: 'approved', to: 'in_review', who: ['owner', 'reviewer', 'platform_admin'], holds: [], purpose: 'review again before service' },
  { from: 'approved', to: 'retired', who: RESPONSIBLE, holds: [], purpose: 'retire without ever serving' },
  { from: 'active', to: 'active', who: REVIEWERS, holds: [{ review: 'approve' }], purpose: 'periodic review: sets the next review date' },
  { from: 'active', to: 'deprecated', who: RESPONSIBLE, holds: [], purpose: 'announce the end (still routed, with a notice)' },
  { from: 'active', to: 'in_review', who: ['owner', 'reviewer', 'platform_admin'], holds: [], purpose: 'pull back into review (stops routing)' },
  { from: 'active', to: 'suspended', who: ['owner', 'reviewer', 'platform_admin'], holds: [], purpose: 'stop routing at once (incident, overdue review)' },
  { from: 'deprecated', to: 'active', who: RESPONSIBLE, holds: ['review_current'], purpose: 'withdraw the deprecation' },
  { from: 'deprecated', to: 'deprecated', who: REVIEWERS, holds: [{ review: 'approve' }], purpose: 'periodic review while it winds down' },
  { from: 'deprecated', to: 'retired', who: RESPONSIBLE, holds: [], purpose: 'retire (no longer routed)' },
  { from: 'deprecated', to: 'suspended', who: ['owner', 'reviewer', 'platform_admin'], holds: [], purpose: 'stop routing at once' },
  { from: 'suspended', to: 'active', who: REVIEWERS, holds: ['returns_from_suspension', 'review_current'], purpose: 'lift a suspension of an active entry' },
  { from: 'suspended', to: 'deprecated', who: REVIEWERS, holds: ['returns_from_suspension', 'review_current'], purpose: 'lift a suspension of a deprecated entry' },
  { from: 'suspended', to: 'in_review', who: ['owner', 'reviewer', 'platform_admin'], holds: [], purpose: 'review again (e.g. after an overdue review)' },
  { from: 'suspended', to: 'retired', who: RESPONSIBLE, holds: [], purpose: 'retire while suspended' },
  { from: 'rejected', to: 'proposed', who: ['proposer', 'owner', 'platform_admin'], holds: [], purpose: 'propose again after changes' },
];

export interface LifecyclePolicy {
  /** Distinct approving reviewers a review round needs per tier. */
  requiredReviewers: Record<RiskTier, number>;
  /** Days from an approval to the next periodic review when the reviewer names no date. */
  reviewIntervalDays: Record<RiskTier, number>;
}

export const DEFAULT_LIFECYCLE_POLICY: LifecyclePolicy = {
  requiredReviewers: { low: 1, medium: 1, high: 2, critical: 2 },
  // Quarterly: often enough to catch an unowned or unused server, rarely enough to be done (docs/governance.md).
  reviewIntervalDays: { low: 90, medium: 90, high: 90, critical: 90 },
};

export interface ReviewInput {
  decision: ReviewDecision;
  checks?: ReviewCheck[];
  notes?: string;
  /** RFC 3339; after `now`. */
  nextReviewAt?: string;
}

export interface TransitionRequest {
  to: LifecycleState;
  /** Why, in words; recorded in the event and the audit log. */
  reason: string;
  review?: ReviewInput;
}

/** What the caller appends to the audit log for every change: who, when, from, to, why. */
export interface RegistryEvent {
  /** `registry_definitions_changed`: a compatible change of the backend's definitions, recorded without a transition (definition-governance.ts). */
  type: 'registry_entry_created' | 'registry_transition' | 'registry_spec_revised' | 'registry_definitions_changed';
  entry: string;
  tenant: string;
  /** `null` for a created entry. */
  from: LifecycleState | null;
  to: LifecycleState;
  by: string;
  at: string;
  reason: string;
  review?: { id: string; decision: ReviewDecision };
  /** Filled in by the store once the write is committed. */
  resourceVersion?: string;
}

export type LifecycleOutcome = { isApplied: true; entry: RegistryEntry; event: RegistryEvent } | { isApplied: false; error: RegistryError };

const DAY_MS = 86_400_000;

export function ruleFor(from: LifecycleState, to: LifecycleState): TransitionRule | undefined {
  return TRANSITIONS.find((rule) => rule.from === from && rule.to === to);
}

/** The roles the actor holds toward this entry. */
export function rolesOf(entry: RegistryEntry, actor: Actor): Set<ActorRole> {
  const roles = new Set<ActorRole>(actor.roles);
  if (isActor(actor, entry.status.proposedBy)) roles.add('proposer');
  if (actor.principal === entry.spec.owner || (actor.memberOf ?? []).includes(entry.spec.owner)) roles.add('owner');
  return roles;
}

/**
 * Moves `entry` as `request` asks, or says why not. Pure: the result is a new
 * entry (its resourceVersion untouched; the store replaces it) and the event
 * to audit. Checks run in a fixed order so the answer names the most basic
 * problem first: the reason, the table row, the actor's role, then the guards.
 */
export function transition(entry: RegistryEntry, request: TransitionRequest, actor: Actor, now: Date, policy: LifecyclePolicy = DEFAULT_LIFECYCLE_POLICY): LifecycleOutcome {
  const refuse = (code: ConstructorParameters<typeof RegistryError>[0], message: string): LifecycleOutcome => ({ isApplied: false, error: new RegistryError(code, message) });
  const name = entry.spec.name;
  const from = entry.status.state;
  if (request.reason.trim() === '') return refuse('reason_required', `say why ${name} should move from ${from} to ${request.to}: the reason goes to the audit log`);
  const rule = ruleFor(from, request.to);
  if (rule === undefined) {
    const allowed = TRANSITIONS.filter((each) => each.from === from).map((each) => each.to);
    return refuse('illegal_transition', `${name} is ${from}; it cannot move to ${request.to}. From ${from} it may move to: ${allowed.join(', ') || 'nothing (final state)'}`);
  }
  const roles = rolesOf(entry, actor);
  if (!rule.who.some((role) => roles.has(role))) {
    return refuse('not_permitted', `${actor.principal} may not ${rule.purpose} (${from} -> ${request.to}) for ${name}: that needs one of ${rule.who.join(', ')}`);
  }
  let review: Review | undefined;
  for (const guard of rule.holds) {
    if (typeof guard === 'object') {
      const checked = checkReview(entry, request, actor, now, guard.review);
      if (isRegistryError(checked)) return { isApplied: false, error: checked };
      review = checked;
    } else if (guard === 'enough_approvals') {
      const approvers = approversThisRound(entry, review);
      const needed = policy.requiredReviewers[entry.spec.riskTier];
      if (approvers.size < needed) {
        return refuse('insufficient_reviews', `${name} is risk tier ${entry.spec.riskTier}, which needs ${needed} distinct approving reviewers; it has ${approvers.size} (${[...approvers].join(', ')}). Record this approval with to: in_review and ask ${needed - approvers.size} more reviewer(s)`);
      }
    } else if (guard === 'review_current') {
      if (isReviewOverdue(entry, now)) return refuse('review_overdue', `${name} was due for review on ${entry.status.nextReviewAt}; move it to in_review and have it reviewed before it serves again`);
    } else if (entry.status.suspendedFrom !== request.to) {
      return refuse('illegal_transition', `${name} was ${entry.status.suspendedFrom ?? 'not serving'} when suspended; lifting the suspension returns it there, not to ${request.to}`);
    }
  }
  const next = enter(entry, request.to, review, now, policy);
  const event: RegistryEvent = {
    type: 'registry_transition', entry: name, tenant: entry.spec.tenant, from, to: request.to, by: actor.principal, at: now.toISOString(), reason: request.reason,
    ...(review === undefined ? {} : { review: { id: review.id, decision: review.decision } }),
  };
  return { isApplied: true, entry: next, event };
}

function checkReview(entry: RegistryEntry, request: TransitionRequest, actor: Actor, now: Date, decision: ReviewDecision): Review | RegistryError {
  const name = entry.spec.name;
  const input = request.review;
  if (input === undefined || input.decision !== decision) {
    return new RegistryError('review_required', `moving ${name} to ${request.to} takes a review with decision "${decision}"${input === undefined ? '' : `, not "${input.decision}"`}`);
  }
  // Separation of duties: the proposer never reviews their own entry, whatever roles they hold.
  if (isActor(actor, entry.status.proposedBy)) {
    return new RegistryError('self_review', `${actor.principal} proposed ${name} and may not review it; ask another reviewer`);
  }
  const round = roundOf(entry, request.to);
  if (entry.status.reviews.some((each) => each.round === round && isActor(actor, each.reviewer))) {
    return new RegistryError('already_reviewed', `${actor.principal} already reviewed ${name} in this round; another reviewer must decide`);
  }
  if (input.nextReviewAt !== undefined && !(Date.parse(input.nextReviewAt) > now.getTime())) {
    return new RegistryError('invalid_review', `the next review date "${input.nextReviewAt}" must be an RFC 3339 time after ${now.toISOString()}`);
  }
  return {
    id: `${name}/${round}/${entry.status.reviews.length + 1}`,
    reviewer: actor.principal,
    decision,
    checks: input.checks ?? [],
    notes: input.notes ?? '',
    at: now.toISOString(),
    ...(input.nextReviewAt === undefined ? {} : { nextReviewAt: new Date(input.nextReviewAt).toISOString() }),
    round,
    generation: entry.metadata.generation,
  };
}

/** A periodic review of a serving entry opens a round of its own, so that earlier reviewers may renew it. */
function roundOf(entry: RegistryEntry, to: LifecycleState): number {
  return entry.status.state === to && to !== 'in_review' ? entry.status.reviewRound + 1 : entry.status.reviewRound;
}

/**
 * Where a review by `actor` takes the entry, so a caller (the API's
 * POST .../reviews) need not know the table: an approval completes the
 * tier (approved), leaves it short (in_review), or renews a serving entry
 * (same state); a rejection rejects; a request for changes sends it back.
 */
export function reviewDestination(entry: RegistryEntry, actor: Actor, decision: ReviewDecision, policy: LifecyclePolicy = DEFAULT_LIFECYCLE_POLICY): LifecycleState {
  const state = entry.status.state;
  if (decision === 'reject') return 'rejected';
  if (decision === 'request_changes') return 'proposed';
  // Outside review an approval renews a serving entry; the table refuses it elsewhere (a proposal is submitted first).
  if (state !== 'in_review') return state === 'proposed' ? 'approved' : state;
  const approvers = approversThisRound(entry, undefined);
  approvers.add(actor.principal);
  return approvers.size >= policy.requiredReviewers[entry.spec.riskTier] ? 'approved' : 'in_review';
}

function approversThisRound(entry: RegistryEntry, review: Review | undefined): Set<string> {
  const reviews = review === undefined ? entry.status.reviews : [...entry.status.reviews, review];
  return new Set(reviews.filter((each) => each.round === entry.status.reviewRound && each.decision === 'approve' && each.generation === entry.metadata.generation).map((each) => each.reviewer));
}

/** The entry in state `to`: what entering (and leaving) each state changes besides the state itself. */
function enter(entry: RegistryEntry, to: LifecycleState, review: Review | undefined, now: Date, policy: LifecyclePolicy): RegistryEntry {
  const status = { ...entry.status, state: to, reviews: review === undefined ? entry.status.reviews : [...entry.status.reviews, review] };
  const from = entry.status.state;
  if (to === 'in_review' && from !== 'in_review') status.reviewRound += 1;
  if (review !== undefined && from === to && to !== 'in_review') status.reviewRound = review.round;
  if (review?.decision === 'approve' && (to === 'approved' || (from === to && to !== 'in_review'))) {
    status.nextReviewAt = review.nextReviewAt ?? new Date(now.getTime() + policy.reviewIntervalDays[entry.spec.riskTier] * DAY_MS).toISOString();
    status.observedGeneration = entry.metadata.generation;
  }
  if (to === 'suspended') status.suspendedFrom = from;
  else delete status.suspendedFrom;
  if (to === 'deprecated' && from === 'active') status.deprecatedAt = now.toISOString();
  if (to === 'active' || to === 'in_review' || to === 'proposed') delete status.deprecatedAt;
  status.conditions = observedConditions(status.conditions, { ...entry, status }, now);
  const next = { ...entry, status, metadata: { ...entry.metadata, updatedAt: now.toISOString() } };
  // The approval that completes a round covers the tool and definition changes that sent it back (tool-governance.ts, definition-governance.ts).
  return to === 'approved' ? markDefinitionChangesReviewed(markToolChangesReviewed(next, now), now) : next;
}

function observedConditions(conditions: readonly Condition[], entry: RegistryEntry, now: Date): Condition[] {
  const answer = routability(entry);
  const routable = setCondition(conditions, {
    type: 'Routable',
    status: answer.isRoutable ? 'True' : 'False',
    reason: pascal(entry.status.state),
    message: answer.isRoutable ? (answer.notice?.message ?? `${entry.spec.name} is active and routed`) : answer.reason,
  }, now);
  return setCondition(routable, reviewCondition(entry, now), now);
}

function reviewCondition(entry: RegistryEntry, now: Date): Omit<Condition, 'lastTransitionTime'> {
  const current = conditionOf(entry.status.conditions, 'ReviewCurrent');
  // A governed spec change stays flagged until a review of the new generation (reviseSpec).
  if (current?.reason === 'SpecChanged' && (entry.status.observedGeneration ?? 0) < entry.metadata.generation) return current;
  const due = entry.status.nextReviewAt;
  if (due === undefined) return { type: 'ReviewCurrent', status: 'Unknown', reason: 'NotReviewed', message: `${entry.spec.name} has no completed review yet` };
  if (isReviewOverdue(entry, now)) return { type: 'ReviewCurrent', status: 'False', reason: 'ReviewOverdue', message: `the periodic review was due on ${due}` };
  return { type: 'ReviewCurrent', status: 'True', reason: 'Reviewed', message: `next review due on ${due}` };
}

const pascal = (state: string) => state.split('_').map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join('');

export function isReviewOverdue(entry: RegistryEntry, now: Date): boolean {
  const due = entry.status.nextReviewAt;
  return due !== undefined && Date.parse(due) <= now.getTime();
}

/**
 * The entry with its ReviewCurrent condition brought up to `now`, for the
 * periodic sweep that flags overdue entries; the same entry object when
 * nothing changed, so the sweep writes only what did.
 */
export function flagReviewDue(entry: RegistryEntry, now: Date): RegistryEntry {
  const next = reviewCondition(entry, now);
  const current = conditionOf(entry.status.conditions, 'ReviewCurrent');
  if (current !== undefined && current.status === next.status && current.reason === next.reason) return entry;
  return { ...entry, status: { ...entry.status, conditions: setCondition(entry.status.conditions, next, now) } };
}

/** A `Deprecation` notice (RFC 9745) for a deprecated entry's tool descriptions and responses. */
export interface DeprecationNotice {
  /** RFC 9745 section 2.1: the Deprecation header's value, `@` and Unix seconds. */
  header: string;
  since: string;
  message: string;
}

export type Routability = { isRoutable: true; notice?: DeprecationNotice } | { isRoutable: false; reason: string };

/** Whether the router may send calls to this entry's backend: only `active` and `deprecated` are routed. */
export function routability(entry: RegistryEntry): Routability {
  const { state, deprecatedAt } = entry.status;
  if (state === 'active') return { isRoutable: true };
  if (state === 'deprecated') {
    const since = deprecatedAt ?? entry.metadata.updatedAt;
    return {
      isRoutable: true,
      notice: { header: `@${Math.floor(Date.parse(since) / 1000)}`, since, message: `${entry.spec.name} is deprecated since ${since} and will be retired; its owner is ${entry.spec.owner}` },
    };
  }
  return { isRoutable: false, reason: `${entry.spec.name} is ${state}; only active and deprecated backends are routed` };
}

export function isRoutable(entry: RegistryEntry): boolean {
  return routability(entry).isRoutable;
}

/**
 * A new entry. It starts `proposed` with the actor as proposer, unless the
 * spec is pre-approved, which only a platform admin (the config file loads as
 * one) may set: then it starts `active`, its review due one interval later.
 */
export function createEntry(spec: EntrySpec, actor: Actor, now: Date, reason: string, policy: LifecyclePolicy = DEFAULT_LIFECYCLE_POLICY): LifecycleOutcome {
  if (spec.preApproved && !actor.roles.includes('platform_admin')) {
    return { isApplied: false, error: new RegistryError('pre_approval_not_permitted', `${actor.principal} may not pre-approve ${spec.name}: only a platform admin (or the config file) may skip the review; propose it without pre_approved`) };
  }
  const at = now.toISOString();
  const state: LifecycleState = spec.preApproved ? 'active' : 'proposed';
  const draft: RegistryEntry = {
    apiVersion: API_VERSION,
    kind: 'RegistryEntry',
    metadata: { resourceVersion: '0', generation: 1, createdAt: at, updatedAt: at },
    spec,
    status: {
      state,
      proposedBy: actor.principal,
      reviewRound: 0,
      reviews: [],
      ...(spec.preApproved ? { nextReviewAt: new Date(now.getTime() + policy.reviewIntervalDays[spec.riskTier] * DAY_MS).toISOString() } : {}),
      conditions: [],
    },
  };
  const entry = { ...draft, status: { ...draft.status, conditions: observedConditions([], draft, now) } };
  return { isApplied: true, entry, event: { type: 'registry_entry_created', entry: spec.name, tenant: spec.tenant, from: null, to: state, by: actor.principal, at, reason } };
}

/** Spec fields whose change means the last review no longer covers the entry. */
const GOVERNED_FIELDS = ['owner', 'tenant', 'riskTier', 'dataClassification', 'scopes'] as const;

/**
 * The entry with a new spec (generation + 1). The owner or a platform admin
 * may revise it, the proposer too while it is proposed or rejected. A change
 * to a governed field of a reviewed entry marks ReviewCurrent False
 * (SpecChanged) and leaves the state alone: the next step decides whether
 * that pulls it back into review.
 */
export function reviseSpec(entry: RegistryEntry, spec: EntrySpec, actor: Actor, now: Date, reason: string): LifecycleOutcome {
  const name = entry.spec.name;
  if (spec.name !== name) return { isApplied: false, error: new RegistryError('immutable_field', `spec.name of ${name} cannot change; propose a new entry named ${spec.name} and retire this one`) };
  const roles = rolesOf(entry, actor);
  const isDraft = entry.status.state === 'proposed' || entry.status.state === 'rejected';
  if (!roles.has('owner') && !roles.has('platform_admin') && !(isDraft && roles.has('proposer'))) {
    return { isApplied: false, error: new RegistryError('not_permitted', `${actor.principal} may not revise ${name}: that needs its owner (${entry.spec.owner}) or a platform admin`) };
  }
  if (spec.preApproved && !entry.spec.preApproved && !roles.has('platform_admin')) {
    return { isApplied: false, error: new RegistryError('pre_approval_not_permitted', `${actor.principal} may not mark ${name} pre-approved; only a platform admin may skip the review`) };
  }
  const changed = GOVERNED_FIELDS.filter((field) => JSON.stringify(entry.spec[field]) !== JSON.stringify(spec[field]));
  let conditions = entry.status.conditions;
  if (changed.length > 0 && entry.status.observedGeneration !== undefined) {
    conditions = setCondition(conditions, { type: 'ReviewCurrent', status: 'False', reason: 'SpecChanged', message: `${changed.join(', ')} changed since the review of generation ${entry.status.observedGeneration}` }, now);
  }
  const at = now.toISOString();
  return {
    isApplied: true,
    entry: { ...entry, spec, status: { ...entry.status, conditions }, metadata: { ...entry.metadata, generation: entry.metadata.generation + 1, updatedAt: at } },
    event: { type: 'registry_spec_revised', entry: name, tenant: spec.tenant, from: entry.status.state, to: entry.status.state, by: actor.principal, at, reason },
  };
}
