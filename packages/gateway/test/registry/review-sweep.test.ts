// The review sweep's decision, pure: an overdue serving entry is suspended
// only with suspend_overdue, otherwise flagged; a current one is left alone;
// states that are not serving are only flagged.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { REVIEW_SWEEP_ACTOR, sweepStep } from '../../src/registry/review-sweep.ts';
import { entryIn, LATER, NOW } from './fixtures.ts';

const overdue = NOW.toISOString();
const current = '2027-06-01T00:00:00.000Z';

describe('the review sweep', () => {
  for (const state of ['active', 'deprecated'] as const) {
    it(`suspends an overdue ${state} entry with suspend_overdue, saying why, as system:review-sweep`, () => {
      const step = sweepStep(entryIn(state, { nextReviewAt: overdue }), LATER, true);
      assert.equal(step.kind, 'suspend');
      if (step.kind !== 'suspend') return;
      assert.deepEqual([step.outcome.entry.status.state, step.outcome.entry.status.suspendedFrom, step.outcome.event.by], ['suspended', state, REVIEW_SWEEP_ACTOR.principal]);
      assert.match(step.outcome.event.reason, /was due on 2026-12-07T10:00:00.000Z; suspended until reviewed/);
      const review = step.outcome.entry.status.conditions.find((condition) => condition.type === 'ReviewCurrent');
      assert.deepEqual([review?.status, review?.reason], ['False', 'ReviewOverdue']);
    });
  }

  it('only flags an overdue entry without suspend_overdue, and then has nothing more to write', () => {
    const step = sweepStep(entryIn('active', { nextReviewAt: overdue }), LATER, false);
    assert.equal(step.kind, 'flag');
    if (step.kind !== 'flag') return;
    assert.equal(step.entry.status.state, 'active');
    assert.equal(step.entry.status.conditions.find((condition) => condition.type === 'ReviewCurrent')?.reason, 'ReviewOverdue');
    assert.deepEqual(sweepStep(step.entry, LATER, false), { kind: 'none' });
  });

  it('leaves a current entry alone, and only flags an overdue one that is not serving', () => {
    const fresh = sweepStep(entryIn('active', { nextReviewAt: current }), LATER, true);
    assert.ok(fresh.kind === 'none' || fresh.kind === 'flag');
    if (fresh.kind === 'flag') assert.deepEqual(sweepStep(fresh.entry, LATER, true), { kind: 'none' });
    assert.equal(sweepStep(entryIn('approved', { nextReviewAt: overdue }), LATER, true).kind, 'flag');
    assert.equal(sweepStep(entryIn('suspended', { nextReviewAt: overdue, suspendedFrom: 'active' }), LATER, true).kind, 'flag');
  });
});
