// The periodic review sweep: an entry past its next-review date is flagged
// (ReviewCurrent False, ReviewOverdue), and, with `registry.suspend_overdue`,
// an active or deprecated one is suspended by `system:review-sweep`, which
// takes it out of every catalog at once. Pure: the routing gate runs it over
// the store on a timer and writes what it returns with compare-and-set.

import type { RegistryEntry } from './entry.ts';
import { flagReviewDue, isReviewOverdue, transition, type Actor, type LifecycleOutcome, type LifecyclePolicy } from './lifecycle.ts';

/** The sweep acts as a platform actor: suspending needs no human's role, and lifting it needs a review. */
export const REVIEW_SWEEP_ACTOR: Actor = { principal: 'system:review-sweep', roles: ['platform_admin'] };

export const DEFAULT_REVIEW_SWEEP_INTERVAL_SECONDS = 3600;

export type SweepStep =
  /** Nothing to write. */
  | { kind: 'none' }
  /** Only the ReviewCurrent condition changed: a status write, no transition, no audit record. */
  | { kind: 'flag'; entry: RegistryEntry }
  /** Suspended: write it, audit the event, take the backend out of the catalogs. */
  | { kind: 'suspend'; outcome: Extract<LifecycleOutcome, { isApplied: true }> };

export function sweepStep(entry: RegistryEntry, now: Date, suspendOverdue: boolean, policy?: LifecyclePolicy): SweepStep {
  const state = entry.status.state;
  if (suspendOverdue && isReviewOverdue(entry, now) && (state === 'active' || state === 'deprecated')) {
    const reason = `the periodic review was due on ${entry.status.nextReviewAt}; suspended until reviewed (registry.suspend_overdue)`;
    const outcome = transition(entry, { to: 'suspended', reason }, REVIEW_SWEEP_ACTOR, now, policy);
    if (outcome.isApplied) return { kind: 'suspend', outcome };
  }
  const flagged = flagReviewDue(entry, now);
  return flagged === entry ? { kind: 'none' } : { kind: 'flag', entry: flagged };
}
