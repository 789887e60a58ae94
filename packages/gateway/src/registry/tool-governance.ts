// Tool-level governance: a pinned tool definition of a reviewed backend that
// changes (tool pinning quarantines it, policy/tool-pinning.ts) sends the
// backend's entry back to review, so a backend that rewrites a tool after
// its review is not routed until a reviewer looks again. Pure: the routing
// gate reads the entry, applies this and writes it with compare-and-set.

import { setCondition } from './conditions.ts';
import { markRecordedChangesReviewed } from './reviewed-changes.ts';
import type { LifecycleState, RegistryEntry } from './entry.ts';
import { transition, type Actor, type LifecycleOutcome, type LifecyclePolicy } from './lifecycle.ts';

/** One changed tool definition, as tool pinning saw it. */
export interface ToolChange {
  tool: string;
  /** The hash of the reviewed (pinned) definition. */
  pinnedHash: string | undefined;
  /** The hash of the definition the backend lists now. */
  currentHash: string;
  /** The pinned fields that differ (`description`, `inputSchema`, ...). */
  changes: string[];
  /** How clients are affected, as `gatehouse schema diff` classifies it (ci-tools/tool-change-classification.ts), when the gateway could tell. */
  schema?: { breaking: number; changes: ReadonlyArray<{ severity: string; code: string; path: string; message: string }> };
}

/** The change in words for the review: its breaking differences first, at most three, then how many more. */
function describeSchemaChange(schema: NonNullable<ToolChange['schema']>): string {
  if (schema.changes.length === 0) return 'no difference a client sees';
  const ordered = [...schema.changes].sort((a, b) => Number(b.severity === 'breaking') - Number(a.severity === 'breaking'));
  const shown = ordered.slice(0, 3).map((change) => `${change.severity}: ${change.message}`).join('; ');
  const rest = ordered.length > 3 ? `; ${ordered.length - 3} more` : '';
  return `${schema.breaking} breaking of ${schema.changes.length} (${shown}${rest})`;
}

/** A tool change kept in the entry's status: its review sees what changed, and the same change is acted on once. */
export interface RecordedToolChange extends ToolChange {
  /** RFC 3339. */
  detectedAt: string;
  /** RFC 3339: when an approval completed a review round after it. */
  reviewedAt?: string;
}

/** Tool pinning acts as a platform actor: pulling an entry back into review needs no human's role. */
export const TOOL_PINNING_ACTOR: Actor = { principal: 'system:tool-pinning', roles: ['platform_admin'] };

/** States whose review covered the tool definitions now routed (or about to be). */
const REVIEWED: ReadonlySet<LifecycleState> = new Set(['approved', 'active']);

/**
 * What a changed tool definition does to `entry`: an approved or active one
 * moves to `in_review` (the audit event says who and why: the pin change,
 * with both hashes); one already in review records the change for its
 * reviewers. Undefined when there is nothing to do: the same new definition
 * was acted on before (after a restart, or once reviewed), or the entry is
 * in a state no review vouches for.
 */
export function reviewAfterToolChange(entry: RegistryEntry, change: ToolChange, now: Date, policy?: LifecyclePolicy): LifecycleOutcome | undefined {
  const recorded = entry.status.toolChanges ?? [];
  if (recorded.some((each) => each.tool === change.tool && each.currentHash === change.currentHash)) return undefined;
  const state = entry.status.state;
  if (!REVIEWED.has(state) && state !== 'in_review') return undefined;
  const at = now.toISOString();
  const record: RecordedToolChange = { ...change, detectedAt: at };
  const fields = change.changes.join(', ') || 'definition';
  const impact = change.schema === undefined ? '' : `, ${describeSchemaChange(change.schema)}`;
  const message = `tool ${change.tool} changed (${fields}${impact}) since its review: pinned ${change.pinnedHash ?? 'none'}, now ${change.currentHash}`;
  const flagged = (moved: RegistryEntry): RegistryEntry => ({
    ...moved,
    status: {
      ...moved.status,
      toolChanges: [...recorded, record],
      conditions: setCondition(moved.status.conditions, { type: 'ToolsCurrent', status: 'False', reason: 'ToolDefinitionChanged', message }, now),
    },
    metadata: { ...moved.metadata, updatedAt: at },
  });
  if (state === 'in_review') {
    return { isApplied: true, entry: flagged(entry), event: { type: 'registry_transition', entry: entry.spec.name, tenant: entry.spec.tenant, from: state, to: state, by: TOOL_PINNING_ACTOR.principal, at, reason: `${message}; added to the open review` } };
  }
  const outcome = transition(entry, { to: 'in_review', reason: `${message}; back to review before it is routed again` }, TOOL_PINNING_ACTOR, now, policy);
  return outcome.isApplied ? { ...outcome, entry: flagged(outcome.entry) } : outcome;
}

/**
 * The entry after an approval that completes a review round: the tool
 * changes recorded before it are reviewed, and ToolsCurrent is True again.
 * Called by the lifecycle when an entry enters `approved`.
 */
export function markToolChangesReviewed(entry: RegistryEntry, now: Date): RegistryEntry {
  return markRecordedChangesReviewed(entry, 'toolChanges', { type: 'ToolsCurrent', reason: 'ToolChangesReviewed', message: (at) => `the changed tool definitions were reviewed on ${at}; accept each one's new pin to route the tool itself` }, now);
}
