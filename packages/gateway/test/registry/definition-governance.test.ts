// The major-bump rule, pure: when a reviewed entry gets its approved
// snapshot, how each kind of change is judged (additive, breaking with and
// without a major step), what each does to the entry, that the same
// definitions are acted on once, and that an approval clears the flag.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureCatalog, type FixtureVariant } from '@gatehouse/testing/ci-fixtures/fixture-catalog';
import { buildSnapshot, type JsonObject, type SchemaSnapshot } from '../../src/schema-diff/schema-snapshot.ts';
import { decideOnDefinitions, markDefinitionChangesReviewed, SCHEMA_DIFF_ACTOR, withheldTools } from '../../src/registry/definition-governance.ts';
import { findSnapshot, snapshotDigest, type NewSnapshotRecord, type SnapshotRecord } from '../../src/registry/definition-snapshot.ts';
import { transition } from '../../src/registry/lifecycle.ts';
import type { RegistryEntry } from '../../src/registry/entry.ts';
import { entryIn, LATER, reviewer } from './fixtures.ts';

function live(variant: FixtureVariant): { snapshot: SchemaSnapshot; digest: string } {
  const catalog = fixtureCatalog(variant);
  const snapshot = buildSnapshot({ serverInfo: { name: 'ci-fixture', version: catalog.version }, tools: catalog.tools as unknown as JsonObject[] });
  return { snapshot, digest: snapshotDigest(snapshot) };
}

function stored(records: NewSnapshotRecord[]): SnapshotRecord[] {
  return records.map((record, index) => ({ ...record, sequence: index + 1 }));
}

/** An active entry (review round 1) whose `good` 1.0.0 definitions were approved in that round. */
function approvedGood(): { entry: RegistryEntry; records: SnapshotRecord[] } {
  const entry = entryIn('active');
  const decision = decideOnDefinitions(entry, [], live('good'), LATER);
  assert.equal(decision.kind, 'baseline');
  return { entry, records: stored([(decision as { record: NewSnapshotRecord }).record]) };
}

describe('the registry\'s major-bump rule', () => {
  it('stores the first listing of a reviewed entry as the approved snapshot of its round, and nothing for the same definitions again', () => {
    for (const state of ['approved', 'active', 'deprecated'] as const) {
      const entry = entryIn(state);
      const decision = decideOnDefinitions(entry, [], live('good'), LATER);
      assert.equal(decision.kind, 'baseline', state);
      const record = (decision as { record: NewSnapshotRecord }).record;
      assert.deepEqual([record.kind, record.serverVersion, record.reviewRound, record.state], ['approved', '1.0.0', entry.status.reviewRound, state]);
      assert.equal(decideOnDefinitions(entry, stored([record]), live('good'), LATER).kind, 'none');
    }
  });

  it('stores nothing for an entry no review vouches for', () => {
    for (const state of ['proposed', 'rejected', 'suspended', 'retired'] as const) assert.equal(decideOnDefinitions(entryIn(state), [], live('good'), LATER).kind, 'none', state);
    assert.equal(decideOnDefinitions(entryIn('in_review'), [], live('breaking'), LATER).kind, 'none', 'a first review has no approved snapshot to compare with');
  });

  const cases: Array<{ variant: FixtureVariant; verdict: string; state: string; condition?: string }> = [
    { variant: 'additive', verdict: 'additive', state: 'active' },
    { variant: 'poisoned', verdict: 'additive', state: 'active' },
    { variant: 'breaking', verdict: 'breaking_without_major_bump', state: 'in_review', condition: 'BreakingWithoutMajorBump' },
    { variant: 'breaking-major', verdict: 'breaking_with_major_bump', state: 'in_review', condition: 'BreakingChange' },
  ];
  for (const { variant, verdict, state, condition } of cases) {
    it(`judges the ${variant} release ${verdict} and leaves the entry ${state}`, () => {
      const { entry, records } = approvedGood();
      const decision = decideOnDefinitions(entry, records, live(variant), LATER);
      assert.equal(decision.kind, 'change');
      if (decision.kind !== 'change') return;
      assert.deepEqual([decision.verdict.kind, decision.verdict.baseSequence, decision.record.kind], [verdict, 1, 'changed']);
      assert.equal(decision.event.by, SCHEMA_DIFF_ACTOR.principal);
      const after = decision.outcome?.isApplied === true ? decision.outcome.entry : entry;
      assert.equal(after.status.state, state);
      const flag = after.status.conditions.find((each) => each.type === 'DefinitionsCompatible');
      assert.equal(flag?.reason, condition);
      if (verdict === 'additive') assert.deepEqual([decision.outcome, decision.event.type], [undefined, 'registry_definitions_changed']);
      else assert.deepEqual([decision.event.from, decision.event.to], ['active', 'in_review']);
    });
  }

  it('says "breaking change without a major version bump" in the review reason only when the major step is missing', () => {
    const { entry, records } = approvedGood();
    const without = decideOnDefinitions(entry, records, live('breaking'), LATER);
    const withMajor = decideOnDefinitions(entry, records, live('breaking-major'), LATER);
    assert.ok(without.kind === 'change' && withMajor.kind === 'change');
    assert.match(without.event.reason, /breaking change without a major version bump \(version 1\.0\.0 -> 1\.1\.0\).*back to review/);
    assert.doesNotMatch(withMajor.event.reason, /without a major/);
    assert.match(withMajor.event.reason, /with a major version bump \(version 1\.0\.0 -> 2\.0\.0\)/);
  });

  it('withholds only the tools of an unreviewed breaking change without a major step, and an approval returns them', () => {
    const { entry, records } = approvedGood();
    const without = decideOnDefinitions(entry, records, live('breaking'), LATER);
    const withMajor = decideOnDefinitions(entry, records, live('breaking-major'), LATER);
    assert.ok(without.kind === 'change' && without.outcome?.isApplied === true && withMajor.kind === 'change' && withMajor.outcome?.isApplied === true);
    assert.deepEqual([...withheldTools(without.outcome.entry)], ['echo', 'get_customer', 'list_orders']);
    assert.deepEqual([...withheldTools(withMajor.outcome.entry)], []);
    const approved = transition(without.outcome.entry, { to: 'approved', reason: 'clients migrated', review: { decision: 'approve' } }, reviewer, LATER);
    assert.ok(approved.isApplied);
    assert.deepEqual([...withheldTools(approved.entry)], []);
    assert.equal(approved.entry.status.conditions.find((each) => each.type === 'DefinitionsCompatible')?.status, 'True');
    assert.equal(markDefinitionChangesReviewed(approved.entry, LATER), approved.entry, 'nothing left to mark');
  });

  it('acts on the same definitions once, adds a change to an open review, and takes the reviewed definitions as the next round\'s baseline', () => {
    const { entry, records } = approvedGood();
    const first = decideOnDefinitions(entry, records, live('breaking'), LATER);
    assert.ok(first.kind === 'change' && first.outcome?.isApplied === true);
    const afterFirst = stored([records[0]!, first.record]);
    assert.equal(decideOnDefinitions(first.outcome.entry, afterFirst, live('breaking'), LATER).kind, 'none', 'seen again: nothing');
    const again = decideOnDefinitions(first.outcome.entry, afterFirst, live('breaking-major'), LATER);
    assert.ok(again.kind === 'change' && again.outcome?.isApplied === true);
    assert.deepEqual([again.outcome.entry.status.state, again.event.reason.endsWith('added to the open review')], ['in_review', true]);
    const approved = transition(first.outcome.entry, { to: 'approved', reason: 'ok', review: { decision: 'approve' } }, reviewer, LATER);
    assert.ok(approved.isApplied);
    const baseline = decideOnDefinitions(approved.entry, afterFirst, live('breaking'), LATER);
    assert.deepEqual([baseline.kind, baseline.kind === 'baseline' && baseline.record.reviewRound], ['baseline', approved.entry.status.reviewRound]);
    const unseen = decideOnDefinitions(approved.entry, afterFirst, live('additive'), LATER);
    assert.equal(unseen.kind, 'change', 'definitions no review saw are a change against the last approved snapshot, not a baseline');
  });

  it('finds a stored snapshot by sequence, serverInfo.version, approved or latest', () => {
    const { entry, records } = approvedGood();
    const change = decideOnDefinitions(entry, records, live('breaking-major'), LATER);
    assert.ok(change.kind === 'change');
    const all = stored([records[0]!, change.record]);
    assert.deepEqual(['1', '2', '2.0.0', '1.0.0', 'approved', 'latest', '3', '9.9.9'].map((reference) => findSnapshot(all, reference)?.sequence), [1, 2, 2, 1, 1, 2, undefined, undefined]);
  });
});
