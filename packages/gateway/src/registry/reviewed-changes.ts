// What an approval that completes a review round does to the changes
// recorded before it (a pinned tool's, a backend's definitions): they are
// reviewed, and the condition that tracks them is True again.

import { setCondition } from './conditions.ts';
import type { RegistryEntry } from './entry.ts';

/** A recorded change (a tool's or a whole definition set's) that a review round may mark reviewed. */
interface ReviewableChange {
  reviewedAt?: string;
}

/**
 * The entry after an approval that completes a review round, for one kind of
 * recorded change: each not yet reviewed is marked reviewed now, and the
 * condition that change kind keeps is True again with the reason given.
 */
export function markRecordedChangesReviewed<K extends 'toolChanges' | 'definitionChanges'>(
  entry: RegistryEntry,
  changes: K,
  condition: { type: string; reason: string; message: (at: string) => string },
  now: Date,
): RegistryEntry {
  const recorded = entry.status[changes] as ReviewableChange[] | undefined;
  if (recorded === undefined || recorded.every((each) => each.reviewedAt !== undefined)) return entry;
  const at = now.toISOString();
  return {
    ...entry,
    status: {
      ...entry.status,
      [changes]: recorded.map((each) => (each.reviewedAt === undefined ? { ...each, reviewedAt: at } : each)),
      conditions: setCondition(entry.status.conditions, { type: condition.type, status: 'True', reason: condition.reason, message: condition.message(at) }, now),
    },
  };
}
