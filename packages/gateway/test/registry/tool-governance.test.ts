// Tool-level governance, pure: which states a changed tool definition sends
// back to review, that the same change is acted on once, and that the
// approval completing the next round marks it reviewed.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { transition } from '../../src/registry/lifecycle.ts';
import { reviewAfterToolChange, TOOL_PINNING_ACTOR } from '../../src/registry/tool-governance.ts';
import type { RegistryEntry } from '../../src/registry/entry.ts';
import { entryIn, LATER, reviewer } from './fixtures.ts';

const change = { tool: 'lookup_order', pinnedHash: 'aaaa', currentHash: 'bbbb', changes: ['description'] };

function applied(outcome: ReturnType<typeof reviewAfterToolChange>): { entry: RegistryEntry; event: { from: unknown; to: unknown; by: string; reason: string } } {
  assert.ok(outcome !== undefined && outcome.isApplied, JSON.stringify(outcome));
  return outcome;
}

describe('tool-level governance', () => {
  for (const state of ['active', 'approved'] as const) {
    it(`sends an ${state} entry back to review, saying which tool changed and both hashes`, () => {
      const { entry, event } = applied(reviewAfterToolChange(entryIn(state), change, LATER));
      assert.deepEqual([entry.status.state, event.from, event.to, event.by], ['in_review', state, 'in_review', TOOL_PINNING_ACTOR.principal]);
      assert.match(event.reason, /tool lookup_order changed \(description\) since its review: pinned aaaa, now bbbb/);
      assert.deepEqual(entry.status.toolChanges, [{ ...change, detectedAt: LATER.toISOString() }]);
      const condition = entry.status.conditions.find((each) => each.type === 'ToolsCurrent');
      assert.deepEqual([condition?.status, condition?.reason], ['False', 'ToolDefinitionChanged']);
    });
  }

  it('acts on the same new definition once: a restart reporting it again changes nothing', () => {
    const { entry } = applied(reviewAfterToolChange(entryIn('active'), change, LATER));
    assert.equal(reviewAfterToolChange(entry, change, LATER), undefined);
    assert.equal(reviewAfterToolChange({ ...entry, status: { ...entry.status, state: 'active' } }, change, LATER), undefined, 'nor once reviewed and active again');
    assert.ok(reviewAfterToolChange({ ...entry, status: { ...entry.status, state: 'active' } }, { ...change, currentHash: 'cccc' }, LATER) !== undefined, 'another definition is a new change');
  });

  it('adds the change to an open review without moving it, and leaves unreviewed states alone', () => {
    const { entry, event } = applied(reviewAfterToolChange(entryIn('in_review'), change, LATER));
    assert.deepEqual([entry.status.state, event.from, event.to, entry.status.toolChanges?.length], ['in_review', 'in_review', 'in_review', 1]);
    for (const state of ['proposed', 'rejected', 'suspended', 'retired', 'deprecated'] as const) assert.equal(reviewAfterToolChange(entryIn(state), change, LATER), undefined, state);
  });

  it('marks the changes reviewed when an approval completes the round', () => {
    const { entry } = applied(reviewAfterToolChange(entryIn('active'), change, LATER));
    const outcome = transition(entry, { to: 'approved', reason: 'read the new description', review: { decision: 'approve' } }, reviewer, LATER);
    assert.ok(outcome.isApplied, JSON.stringify(outcome));
    assert.equal(outcome.entry.status.toolChanges?.[0]?.reviewedAt, LATER.toISOString());
    const condition = outcome.entry.status.conditions.find((each) => each.type === 'ToolsCurrent');
    assert.deepEqual([condition?.status, condition?.reason], ['True', 'ToolChangesReviewed']);
  });
});
