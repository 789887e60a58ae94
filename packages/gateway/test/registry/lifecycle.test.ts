// The lifecycle table, row by row: every allowed transition applies, a sample
// of refused ones fail with their stable code, reviews follow separation of
// duties and the risk tier's count, and routability follows the state.

import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LIFECYCLE_STATES, type LifecycleState, type RegistryEntry } from '../../src/registry/entry.ts';
import {
  createEntry, DEFAULT_LIFECYCLE_POLICY, flagReviewDue, isRoutable, reviewDestination, reviseSpec, routability, transition, TRANSITIONS,
  type Actor, type LifecycleOutcome, type TransitionRequest, type TransitionRule,
} from '../../src/registry/lifecycle.ts';
import type { RegistryErrorCode } from '../../src/registry/errors.ts';
import { conditionOf } from '../../src/registry/conditions.ts';
import { entryIn, FUTURE_REVIEW, LATER, NOW, owner, platformAdmin, proposedEntry, proposer, reviewer, secondReviewer, specFor, stranger } from './fixtures.ts';

function applied(outcome: LifecycleOutcome): RegistryEntry {
  if (!outcome.isApplied) assert.fail(`expected the change to apply, got ${outcome.error.code}: ${outcome.error.message}`);
  return outcome.entry;
}

function refusal(outcome: LifecycleOutcome): RegistryErrorCode {
  if (outcome.isApplied) assert.fail(`expected a refusal, but ${outcome.event.from} -> ${outcome.event.to} applied`);
  return outcome.error.code;
}

/** An actor the row admits: a reviewer where reviewers may, else the owner, else a platform admin, else the proposer. */
function actorFor(rule: TransitionRule): Actor {
  if (rule.who.includes('reviewer')) return reviewer;
  if (rule.who.includes('owner')) return owner;
  if (rule.who.includes('platform_admin')) return platformAdmin;
  return proposer;
}

function requestFor(rule: TransitionRule): TransitionRequest {
  const review = rule.holds.find((guard) => typeof guard === 'object');
  return { to: rule.to, reason: `test: ${rule.purpose}`, ...(review === undefined ? {} : { review: { decision: review.review, checks: [{ name: 'vetting', outcome: 'passed' }] } }) };
}

describe('the lifecycle table', () => {
  for (const rule of TRANSITIONS) {
    it(`lets ${actorFor(rule).principal} move an entry from ${rule.from} to ${rule.to} (${rule.purpose})`, () => {
      const entry = entryIn(rule.from, { suspendedFrom: rule.from === 'suspended' ? rule.to : undefined });
      const outcome = transition(entry, requestFor(rule), actorFor(rule), LATER);
      const next = applied(outcome);
      assert.equal(next.status.state, rule.to);
      assert.ok(outcome.isApplied);
      assert.deepEqual(
        { from: outcome.event.from, to: outcome.event.to, by: outcome.event.by, at: outcome.event.at, reason: outcome.event.reason },
        { from: rule.from, to: rule.to, by: actorFor(rule).principal, at: LATER.toISOString(), reason: `test: ${rule.purpose}` },
      );
      assert.equal(entry.status.state, rule.from, 'the input entry is not changed');
    });
  }

  it('has one row per pair of states, so a request is never ambiguous', () => {
    const pairs = TRANSITIONS.map((rule) => `${rule.from}->${rule.to}`);
    assert.equal(new Set(pairs).size, pairs.length);
  });

  it('is the table docs/registry.md shows, row for row, with the same roles', () => {
    const text = readFileSync(new URL('../../../../docs/registry.md', import.meta.url), 'utf8');
    const states = new Set<string>(LIFECYCLE_STATES);
    const documented = text.split('\n')
      .map((line) => line.split('|').map((cell) => cell.trim()))
      .filter((cells) => states.has(cells[1] ?? '') && states.has(cells[2] ?? ''))
      .map((cells) => `${cells[1]} -> ${cells[2]}: ${(cells[3] ?? '').replaceAll('platform admin', 'platform_admin').split(', ').sort().join(', ')}`);
    assert.deepEqual(documented.sort(), TRANSITIONS.map((rule) => `${rule.from} -> ${rule.to}: ${[...rule.who].sort().join(', ')}`).sort());
  });

  it('leads nowhere out of retired', () => {
    assert.deepEqual(TRANSITIONS.filter((rule) => rule.from === 'retired'), []);
  });

  const refused: { title: string; entry: () => RegistryEntry; request: TransitionRequest; actor: Actor; code: RegistryErrorCode }[] = [
    { title: 'skips the review (proposed -> active)', entry: () => entryIn('proposed'), request: { to: 'active', reason: 'ship it' }, actor: platformAdmin, code: 'illegal_transition' },
    { title: 'brings back a retired entry', entry: () => entryIn('retired'), request: { to: 'active', reason: 'again' }, actor: platformAdmin, code: 'illegal_transition' },
    { title: 'approves a rejected entry', entry: () => entryIn('rejected'), request: { to: 'approved', reason: 'fine after all', review: { decision: 'approve' } }, actor: reviewer, code: 'illegal_transition' },
    { title: 'activates an entry still in review', entry: () => entryIn('in_review'), request: { to: 'active', reason: 'urgent' }, actor: owner, code: 'illegal_transition' },
    { title: 'lifts a suspension into another state than it came from', entry: () => entryIn('suspended', { suspendedFrom: 'deprecated' }), request: { to: 'active', reason: 'fixed' }, actor: reviewer, code: 'illegal_transition' },
    { title: 'lets a stranger submit someone else\'s entry', entry: () => entryIn('proposed'), request: { to: 'in_review', reason: 'please' }, actor: stranger, code: 'not_permitted' },
    { title: 'lets a reviewer put an approved entry into service', entry: () => entryIn('approved'), request: { to: 'active', reason: 'go' }, actor: reviewer, code: 'not_permitted' },
    { title: 'lets the owner approve without being a reviewer', entry: () => entryIn('in_review'), request: { to: 'approved', reason: 'mine', review: { decision: 'approve' } }, actor: owner, code: 'not_permitted' },
    { title: 'lets the proposer review their own entry, though they hold the reviewer role', entry: () => entryIn('in_review'), request: { to: 'approved', reason: 'looks good', review: { decision: 'approve' } }, actor: { ...proposer, roles: ['reviewer'] }, code: 'self_review' },
    { title: 'lets a platform admin review an entry they proposed', entry: () => ({ ...entryIn('in_review'), status: { ...entryIn('in_review').status, proposedBy: platformAdmin.principal } }), request: { to: 'approved', reason: 'looks good', review: { decision: 'approve' } }, actor: platformAdmin, code: 'self_review' },
    { title: 'approves with no review', entry: () => entryIn('in_review'), request: { to: 'approved', reason: 'ok' }, actor: reviewer, code: 'review_required' },
    { title: 'approves with a rejecting review', entry: () => entryIn('in_review'), request: { to: 'approved', reason: 'ok', review: { decision: 'reject' } }, actor: reviewer, code: 'review_required' },
    { title: 'moves without a reason', entry: () => entryIn('proposed'), request: { to: 'in_review', reason: '  ' }, actor: proposer, code: 'reason_required' },
    { title: 'puts an entry past its review date into service', entry: () => entryIn('approved', { nextReviewAt: '2026-12-01T00:00:00.000Z' }), request: { to: 'active', reason: 'go' }, actor: owner, code: 'review_overdue' },
    { title: 'lifts the suspension of an entry past its review date', entry: () => entryIn('suspended', { nextReviewAt: '2026-12-01T00:00:00.000Z' }), request: { to: 'active', reason: 'go' }, actor: reviewer, code: 'review_overdue' },
    { title: 'takes a next review date in the past', entry: () => entryIn('in_review'), request: { to: 'approved', reason: 'ok', review: { decision: 'approve', nextReviewAt: '2026-01-01T00:00:00Z' } }, actor: reviewer, code: 'invalid_review' },
    { title: 'approves a high-risk entry with one reviewer', entry: () => entryIn('in_review', { spec: { riskTier: 'high' } }), request: { to: 'approved', reason: 'ok', review: { decision: 'approve' } }, actor: reviewer, code: 'insufficient_reviews' },
  ];
  for (const example of refused) {
    it(`refuses a request that ${example.title}, with ${example.code}`, () => {
      assert.equal(refusal(transition(example.entry(), example.request, example.actor, LATER)), example.code);
    });
  }
});

describe('reviews', () => {
  const approve = (to: LifecycleState, nextReviewAt?: string): TransitionRequest => ({ to, reason: 'reviewed', review: { decision: 'approve', checks: [{ name: 'tool-vetting', outcome: 'passed' }], notes: 'fine', ...(nextReviewAt === undefined ? {} : { nextReviewAt }) } });

  it('refuses a review from any party of the proposer\'s chain, and a second review through another client of the same person', () => {
    // The proposer reviewing through an agent acting for them, or through a token exchanged for itself: the root differs, a party does not.
    const throughAgent: Actor = { principal: 'agent:console', roles: ['reviewer'], parties: ['agent:console', 'user:console', proposer.principal] };
    assert.equal(refusal(transition(entryIn('in_review'), approve('approved'), throughAgent, LATER)), 'self_review');
    const inReview = entryIn('in_review', { spec: { riskTier: 'high' } });
    const first = applied(transition(inReview, approve('in_review'), reviewer, LATER));
    const sameReviewerElsewhere: Actor = { principal: 'agent:other-client', roles: ['reviewer'], parties: ['agent:other-client', reviewer.principal] };
    assert.equal(refusal(transition(first, approve('approved'), sameReviewerElsewhere, LATER)), 'already_reviewed');
  });

  for (const tier of ['high', 'critical'] as const) {
    it(`takes two distinct reviewers to approve a ${tier}-risk entry`, () => {
      const inReview = entryIn('in_review', { spec: { riskTier: tier } });
      assert.equal(refusal(transition(inReview, approve('approved'), reviewer, LATER)), 'insufficient_reviews');
      const first = applied(transition(inReview, approve('in_review'), reviewer, LATER));
      assert.equal(first.status.state, 'in_review');
      assert.equal(refusal(transition(first, approve('approved'), reviewer, LATER)), 'already_reviewed');
      const second = applied(transition(first, approve('approved', FUTURE_REVIEW), secondReviewer, LATER));
      assert.equal(second.status.state, 'approved');
      assert.deepEqual(second.status.reviews.map((review) => [review.reviewer, review.decision, review.round]), [['user:rita', 'approve', 1], ['user:ravi', 'approve', 1]]);
      assert.equal(second.status.nextReviewAt, FUTURE_REVIEW);
    });
  }

  for (const tier of ['low', 'medium'] as const) {
    it(`approves a ${tier}-risk entry with one reviewer and sets the review due one quarter later`, () => {
      const approved = applied(transition(entryIn('in_review', { spec: { riskTier: tier } }), approve('approved'), reviewer, LATER));
      assert.equal(approved.status.state, 'approved');
      assert.equal(approved.status.nextReviewAt, new Date(LATER.getTime() + 90 * 86_400_000).toISOString());
      assert.equal(approved.status.observedGeneration, 1);
    });
  }

  it('takes the number of reviewers per tier from the policy', () => {
    const policy = { ...DEFAULT_LIFECYCLE_POLICY, requiredReviewers: { ...DEFAULT_LIFECYCLE_POLICY.requiredReviewers, medium: 2 } };
    assert.equal(refusal(transition(entryIn('in_review', { spec: { riskTier: 'medium' } }), approve('approved'), reviewer, LATER, policy)), 'insufficient_reviews');
  });

  it('does not count approvals from an earlier review round', () => {
    const first = applied(transition(entryIn('in_review', { spec: { riskTier: 'high' } }), approve('in_review'), reviewer, LATER));
    const sentBack = applied(transition(first, { to: 'proposed', reason: 'needs a runbook', review: { decision: 'request_changes' } }, secondReviewer, LATER));
    const resubmitted = applied(transition(sentBack, { to: 'in_review', reason: 'runbook added' }, proposer, LATER));
    assert.equal(resubmitted.status.reviewRound, 2);
    assert.equal(refusal(transition(resubmitted, approve('approved'), secondReviewer, LATER)), 'insufficient_reviews');
  });

  it('lets an earlier reviewer renew an active entry at its periodic review', () => {
    const active = entryIn('active');
    const once = applied(transition(active, approve('active', '2027-06-01T00:00:00.000Z'), reviewer, LATER));
    const twice = applied(transition(once, approve('active', '2027-09-01T00:00:00.000Z'), reviewer, LATER));
    assert.equal(twice.status.nextReviewAt, '2027-09-01T00:00:00.000Z');
    assert.equal(twice.status.state, 'active');
  });

  const destinations: [string, () => RegistryEntry, Actor, 'approve' | 'reject' | 'request_changes', LifecycleState][] = [
    ['an approval that completes a low tier', () => entryIn('in_review'), reviewer, 'approve', 'approved'],
    ['the first approval of a high tier', () => entryIn('in_review', { spec: { riskTier: 'high' } }), reviewer, 'approve', 'in_review'],
    ['a second, distinct approval of a high tier', () => applied(transition(entryIn('in_review', { spec: { riskTier: 'high' } }), approve('in_review'), reviewer, LATER)), secondReviewer, 'approve', 'approved'],
    ['the same reviewer approving twice', () => applied(transition(entryIn('in_review', { spec: { riskTier: 'high' } }), approve('in_review'), reviewer, LATER)), reviewer, 'approve', 'in_review'],
    ['a periodic review of a deprecated entry', () => entryIn('deprecated'), reviewer, 'approve', 'deprecated'],
    ['a rejection', () => entryIn('in_review'), reviewer, 'reject', 'rejected'],
    ['a request for changes', () => entryIn('in_review'), reviewer, 'request_changes', 'proposed'],
  ];
  for (const [title, entry, actor, decision, to] of destinations) {
    it(`sends ${title} to ${to}`, () => {
      assert.equal(reviewDestination(entry(), actor, decision), to);
    });
  }

  it('renews the review date of a deprecated entry that is still routed', () => {
    const renewed = applied(transition(entryIn('deprecated'), approve('deprecated', '2027-05-01T00:00:00.000Z'), reviewer, LATER));
    assert.deepEqual([renewed.status.state, renewed.status.nextReviewAt, renewed.status.deprecatedAt], ['deprecated', '2027-05-01T00:00:00.000Z', NOW.toISOString()]);
  });

  it('walks a proposal through review into service and out again, one event per step', () => {
    let entry = proposedEntry();
    const steps: [TransitionRequest, Actor][] = [
      [{ to: 'in_review', reason: 'ready' }, proposer],
      [approve('approved'), reviewer],
      [{ to: 'active', reason: 'launch' }, owner],
      [{ to: 'deprecated', reason: 'replaced by crm-v2' }, owner],
      [{ to: 'retired', reason: 'no calls in 90 days' }, platformAdmin],
    ];
    const trail: string[] = [];
    for (const [request, actor] of steps) {
      const outcome = transition(entry, request, actor, LATER);
      entry = applied(outcome);
      if (outcome.isApplied) trail.push(`${outcome.event.from}->${outcome.event.to} by ${outcome.event.by}: ${outcome.event.reason}`);
    }
    assert.deepEqual(trail, [
      'proposed->in_review by user:alice: ready',
      'in_review->approved by user:rita: reviewed',
      'approved->active by user:olga: launch',
      'active->deprecated by user:olga: replaced by crm-v2',
      'deprecated->retired by user:pat: no calls in 90 days',
    ]);
  });
});

describe('routing', () => {
  for (const state of LIFECYCLE_STATES) {
    const expected = state === 'active' || state === 'deprecated';
    it(`${expected ? 'routes' : 'does not route'} an entry that is ${state}`, () => {
      assert.equal(isRoutable(entryIn(state)), expected);
    });
  }

  it('routes a deprecated entry with a Deprecation notice (RFC 9745) naming when and who owns it', () => {
    const answer = routability(entryIn('deprecated'));
    assert.ok(answer.isRoutable);
    assert.equal(answer.notice?.header, `@${Math.floor(NOW.getTime() / 1000)}`);
    assert.match(answer.notice?.message ?? '', /crm is deprecated since 2026-12-07T10:00:00.000Z.*group:crm/);
  });

  it('stops routing a suspended entry and says so in its Routable condition', () => {
    const suspended = applied(transition(entryIn('active'), { to: 'suspended', reason: 'leaking data' }, reviewer, LATER));
    assert.equal(isRoutable(suspended), false);
    const routable = conditionOf(suspended.status.conditions, 'Routable');
    assert.deepEqual([routable?.status, routable?.reason, routable?.lastTransitionTime], ['False', 'Suspended', LATER.toISOString()]);
    const lifted = applied(transition(suspended, { to: 'active', reason: 'fixed' }, secondReviewer, LATER));
    assert.equal(isRoutable(lifted), true);
    assert.equal(lifted.status.suspendedFrom, undefined);
  });
});

describe('creating and revising entries', () => {
  it('starts an entry proposed, with its creator as proposer and not routed', () => {
    const outcome = createEntry(specFor(), proposer, NOW, 'new');
    const entry = applied(outcome);
    assert.deepEqual([entry.status.state, entry.status.proposedBy, isRoutable(entry)], ['proposed', 'user:alice', false]);
    assert.ok(outcome.isApplied && outcome.event.from === null && outcome.event.to === 'proposed');
  });

  it('starts a pre-approved entry active when a platform admin creates it, and refuses pre-approval from anyone else', () => {
    const entry = applied(createEntry(specFor({ preApproved: true }), platformAdmin, NOW, 'from gatehouse.yaml'));
    assert.equal(entry.status.state, 'active');
    assert.ok(entry.status.nextReviewAt !== undefined);
    assert.equal(refusal(createEntry(specFor({ preApproved: true }), owner, NOW, 'trust me')), 'pre_approval_not_permitted');
  });

  it('refuses to rename an entry through its spec', () => {
    assert.equal(refusal(reviseSpec(entryIn('active'), specFor({ name: 'crm2' }), owner, LATER, 'rename')), 'immutable_field');
  });

  it('refuses a spec revision from someone who is neither owner nor platform admin', () => {
    assert.equal(refusal(reviseSpec(entryIn('active'), specFor({ description: 'other' }), reviewer, LATER, 'edit')), 'not_permitted');
  });

  it('flags a reviewed entry whose risk tier changed as no longer covered by its review, and keeps it flagged through transitions', () => {
    const revised = applied(reviseSpec(entryIn('active'), specFor({ riskTier: 'high' }), owner, LATER, 'writes now'));
    assert.equal(revised.metadata.generation, 2);
    assert.equal(conditionOf(revised.status.conditions, 'ReviewCurrent')?.reason, 'SpecChanged');
    const deprecated = applied(transition(revised, { to: 'deprecated', reason: 'replaced' }, owner, LATER));
    assert.equal(conditionOf(deprecated.status.conditions, 'ReviewCurrent')?.reason, 'SpecChanged');
  });

  it('keeps the review current when only the description changed', () => {
    const revised = applied(reviseSpec(entryIn('active'), specFor({ description: 'Customer records, read-only' }), owner, LATER, 'wording'));
    assert.notEqual(conditionOf(revised.status.conditions, 'ReviewCurrent')?.reason, 'SpecChanged');
  });

  it('flags an entry past its review date as overdue, and leaves an entry not yet due unchanged', () => {
    const due = entryIn('active', { nextReviewAt: '2026-12-31T00:00:00.000Z' });
    const flagged = flagReviewDue(due, LATER);
    assert.deepEqual([conditionOf(flagged.status.conditions, 'ReviewCurrent')?.status, conditionOf(flagged.status.conditions, 'ReviewCurrent')?.reason], ['False', 'ReviewOverdue']);
    const current = applied(transition(entryIn('approved'), { to: 'active', reason: 'launch' }, owner, NOW));
    assert.equal(flagReviewDue(current, NOW), current);
  });
});
