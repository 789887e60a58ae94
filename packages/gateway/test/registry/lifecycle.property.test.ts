// Property tests of the lifecycle: random sequences of requests by random
// actors (proposer, owner, reviewers, admins, strangers) against entries of
// every risk tier. Whatever is asked, the invariants of the table hold.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LIFECYCLE_STATES, REVIEW_DECISIONS, RISK_TIERS, type RegistryEntry } from '../../src/registry/entry.ts';
import { conditionOf } from '../../src/registry/conditions.ts';
import { DEFAULT_LIFECYCLE_POLICY, isRoutable, ruleFor, transition, type Actor } from '../../src/registry/lifecycle.ts';
import { LATER, owner, platformAdmin, proposedEntry, proposer, reviewer, secondReviewer, stranger } from './fixtures.ts';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);
const ACTORS: Actor[] = [proposer, { ...proposer, roles: ['reviewer', 'platform_admin'] }, owner, reviewer, secondReviewer, { principal: 'user:rex', roles: ['reviewer'] }, platformAdmin, stranger];

const step = fc.record({
  actor: fc.constantFrom(...ACTORS),
  to: fc.constantFrom(...LIFECYCLE_STATES),
  decision: fc.option(fc.constantFrom(...REVIEW_DECISIONS), { nil: undefined }),
  days: fc.integer({ min: 0, max: 200 }),
});

function distinctApprovers(entry: RegistryEntry): Set<string> {
  return new Set(entry.status.reviews.filter((review) => review.round === entry.status.reviewRound && review.decision === 'approve').map((review) => review.reviewer));
}

describe('the lifecycle under random requests', () => {
  test('only moves along rows of the table, never lets the proposer review, and approves only with the tier\'s distinct reviewers', () => {
    fc.assert(fc.property(fc.constantFrom(...RISK_TIERS), fc.array(step, { maxLength: 40 }), (riskTier, steps) => {
      let entry = proposedEntry({ riskTier });
      let clock = LATER.getTime();
      for (const { actor, to, decision, days } of steps) {
        clock += days * 86_400_000;
        const outcome = transition(entry, { to, reason: 'property', ...(decision === undefined ? {} : { review: { decision } }) }, actor, new Date(clock));
        if (!outcome.isApplied) {
          assert.equal(outcome.error.code === 'illegal_transition' && ruleFor(entry.status.state, to) !== undefined && entry.status.state !== 'suspended', false, 'a row that exists is refused for another reason');
          continue;
        }
        const from = entry.status.state;
        entry = outcome.entry;
        assert.ok(ruleFor(from, to) !== undefined, `${from} -> ${to} applied without a row`);
        assert.equal(entry.status.state, to);
        for (const review of entry.status.reviews) assert.notEqual(review.reviewer, entry.status.proposedBy, 'the proposer reviewed');
        const perRound = entry.status.reviews.map((review) => `${review.round}/${review.reviewer}`);
        assert.equal(new Set(perRound).size, perRound.length, 'someone reviewed twice in one round');
        if (from === 'in_review' && to === 'approved') assert.ok(distinctApprovers(entry).size >= DEFAULT_LIFECYCLE_POLICY.requiredReviewers[riskTier]);
        assert.equal(isRoutable(entry), to === 'active' || to === 'deprecated');
        assert.equal(conditionOf(entry.status.conditions, 'Routable')?.status, isRoutable(entry) ? 'True' : 'False');
      }
    }), { numRuns: RUNS });
  });
});
