// The major-bump rule applied by the registry (docs/registry.md, "Schema
// snapshots and the major-bump rule"): when a reviewed backend's definitions change, the live
// snapshot is diffed against the last approved one with the classifier of
// `gatehouse schema diff` (schema-diff/schema-diff.ts). Additive: recorded and
// routed. Breaking: back to review, and flagged when serverInfo.version did
// not take a major step. Pure: registry/definition-watch.ts reads, applies
// this and writes with compare-and-set.

import { diffSnapshots } from '../schema-diff/schema-diff.ts';
import type { SchemaSnapshot } from '../schema-diff/schema-snapshot.ts';
import { setCondition } from './conditions.ts';
import { markRecordedChangesReviewed } from './reviewed-changes.ts';
import type { LifecycleState, RegistryEntry } from './entry.ts';
import { latestApproved, type DefinitionVerdict, type NewSnapshotRecord, type SnapshotRecord } from './definition-snapshot.ts';
import { transition, type Actor, type LifecycleOutcome, type LifecyclePolicy, type RegistryEvent } from './lifecycle.ts';

/** The schema check acts as a platform actor, as tool pinning does: pulling an entry back into review needs no human's role. */
export const SCHEMA_DIFF_ACTOR: Actor = { principal: 'system:schema-diff', roles: ['platform_admin'] };

/** The words every review reason and flag of the rule's worst case carries. */
export const WITHOUT_MAJOR_BUMP = 'breaking change without a major version bump';

/** A change of definitions kept in the entry's status for its review; the snapshot itself is in the snapshot table. */
export interface RecordedDefinitionChange {
  /** The changed snapshot's digest (definition-snapshot.ts): the same definitions are acted on once. */
  digest: string;
  kind: DefinitionVerdict['kind'];
  breaking: number;
  serverVersion: { before: string; after: string };
  breakingTools: string[];
  /** RFC 3339. */
  detectedAt: string;
  /** RFC 3339: when an approval completed a review round after it. */
  reviewedAt?: string;
}

/** States whose review vouches for the definitions served (or about to be). */
const REVIEWED: ReadonlySet<LifecycleState> = new Set(['approved', 'active', 'deprecated']);

export type DefinitionDecision =
  | { kind: 'none' }
  /** The definitions the current round approved: stored as its approved snapshot. */
  | { kind: 'baseline'; record: NewSnapshotRecord }
  /** Changed definitions: the record to store, the event to audit, and the entry to write (absent for an additive change). */
  | { kind: 'change'; record: NewSnapshotRecord; verdict: DefinitionVerdict; event: RegistryEvent; outcome?: LifecycleOutcome };

/**
 * What the live definitions of `entry`'s backend mean for it, given the
 * snapshot records stored so far (oldest first). A reviewed entry without
 * an approved snapshot of its round gets one, but only from definitions a
 * review saw (the last record's) or from its first listing; any other
 * definitions are a change against the previous approved snapshot.
 */
export function decideOnDefinitions(entry: RegistryEntry, records: readonly SnapshotRecord[], live: { snapshot: SchemaSnapshot; digest: string }, now: Date, policy?: LifecyclePolicy): DefinitionDecision {
  const state = entry.status.state;
  if (!REVIEWED.has(state) && state !== 'in_review') return { kind: 'none' };
  const at = now.toISOString();
  const round = entry.status.reviewRound;
  const last = records.at(-1);
  const base = { backend: entry.spec.name, reviewRound: round, state, serverVersion: live.snapshot.serverInfo.version, digest: live.digest, takenAt: at, snapshot: live.snapshot };
  const hasBaselineOfRound = records.some((record) => record.kind === 'approved' && record.reviewRound === round);
  if (REVIEWED.has(state) && !hasBaselineOfRound && (last === undefined || last.digest === live.digest)) return { kind: 'baseline', record: { ...base, kind: 'approved' } };
  if (last?.digest === live.digest) return { kind: 'none' };
  const approved = latestApproved(records);
  // A first review has nothing approved to compare with: the reviewers see the definitions themselves.
  if (approved === undefined) return { kind: 'none' };
  const verdict = judgeChange(approved, live.snapshot);
  const record: NewSnapshotRecord = { ...base, kind: 'changed', verdict };
  const message = describeVerdict(entry.spec.name, verdict);
  const event: RegistryEvent = { type: 'registry_transition', entry: entry.spec.name, tenant: entry.spec.tenant, from: state, to: state, by: SCHEMA_DIFF_ACTOR.principal, at, reason: message };
  if (verdict.kind === 'additive') {
    const reason = `${message}; recorded${REVIEWED.has(state) ? ', still routed' : ' for the open review'}`;
    return { kind: 'change', record, verdict, event: { ...event, type: 'registry_definitions_changed', reason } };
  }
  // Written to the entry before the record was stored (the store failed in between): record it, act once.
  if (entry.status.definitionChanges?.some((each) => each.digest === live.digest && each.reviewedAt === undefined)) return { kind: 'change', record, verdict, event };
  const change: RecordedDefinitionChange = {
    digest: live.digest, kind: verdict.kind, breaking: verdict.breaking, serverVersion: { before: verdict.version.before, after: verdict.version.after }, breakingTools: verdict.breakingTools, detectedAt: at,
  };
  const flagged = (moved: RegistryEntry): RegistryEntry => ({
    ...moved,
    status: {
      ...moved.status,
      definitionChanges: [...(moved.status.definitionChanges ?? []), change],
      conditions: setCondition(moved.status.conditions, { type: 'DefinitionsCompatible', status: 'False', reason: verdict.kind === 'breaking_without_major_bump' ? 'BreakingWithoutMajorBump' : 'BreakingChange', message }, now),
    },
    metadata: { ...moved.metadata, updatedAt: at },
  });
  if (state === 'in_review') {
    const reason = `${message}; added to the open review`;
    return { kind: 'change', record, verdict, event: { ...event, reason }, outcome: { isApplied: true, entry: flagged(entry), event: { ...event, reason } } };
  }
  const moved = transition(entry, { to: 'in_review', reason: `${message}; back to review before it is routed again` }, SCHEMA_DIFF_ACTOR, now, policy);
  if (!moved.isApplied) return { kind: 'change', record, verdict, event, outcome: moved };
  return { kind: 'change', record, verdict, event: moved.event, outcome: { ...moved, entry: flagged(moved.entry) } };
}

/** Pure: the schema diff's verdict on `live` against the approved record, with the major-bump rule applied. */
export function judgeChange(approved: SnapshotRecord, live: SchemaSnapshot): DefinitionVerdict {
  const diff = diffSnapshots(approved.snapshot, live);
  const breakingTools = [...new Set(diff.changes.filter((change) => change.severity === 'breaking' && change.path.startsWith('tools/')).map((change) => change.path.split('/')[1]!))].sort();
  const kind = diff.breaking === 0 ? 'additive' : diff.version.isMajorBump ? 'breaking_with_major_bump' : 'breaking_without_major_bump';
  return { kind, baseSequence: approved.sequence, breaking: diff.breaking, changes: diff.changes, version: diff.version, breakingTools };
}

/** The change in words: the verdict, the version step, and at most three breaking differences. */
export function describeVerdict(backend: string, verdict: DefinitionVerdict): string {
  const step = `${verdict.version.before} -> ${verdict.version.after}`;
  if (verdict.kind === 'additive') return `${backend} definitions changed without breaking clients (${verdict.changes.length} change${verdict.changes.length === 1 ? '' : 's'}, version ${step})`;
  const shown = verdict.changes.filter((change) => change.severity === 'breaking').slice(0, 3).map((change) => change.message).join('; ');
  const rest = verdict.breaking > 3 ? `; ${verdict.breaking - 3} more` : '';
  const headline = verdict.kind === 'breaking_without_major_bump' ? `${WITHOUT_MAJOR_BUMP} (version ${step})` : `breaking change with a major version bump (version ${step})`;
  return `${backend}: ${headline}: ${verdict.breaking} breaking (${shown}${rest})`;
}

/**
 * The entry after an approval that completes a review round: the recorded
 * definition changes are reviewed, DefinitionsCompatible is True again, and
 * tools withheld for them return. Called by the lifecycle on entering `approved`.
 */
export function markDefinitionChangesReviewed(entry: RegistryEntry, now: Date): RegistryEntry {
  return markRecordedChangesReviewed(entry, 'definitionChanges', { type: 'DefinitionsCompatible', reason: 'DefinitionChangesReviewed', message: (at) => `the changed definitions were reviewed on ${at}; the next listing is stored as this round's approved snapshot` }, now);
}

/** Tools withheld from the catalog under `block_breaking_without_major`: those a not yet reviewed breaking change without a major step touched. */
export function withheldTools(entry: RegistryEntry): ReadonlySet<string> {
  const unreviewed = (entry.status.definitionChanges ?? []).filter((each) => each.reviewedAt === undefined && each.kind === 'breaking_without_major_bump');
  return new Set(unreviewed.flatMap((each) => each.breakingTools));
}
