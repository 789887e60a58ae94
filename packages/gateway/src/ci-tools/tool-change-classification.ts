// One changed tool definition judged the way `gatehouse schema diff` judges a
// release: each difference breaking, additive or informational. The gateway
// runs it when tool pinning quarantines a reviewed tool, so the registry's
// review (registry/tool-governance.ts) says whether clients can break, not
// only that a hash moved.

import { diffSnapshots } from '../schema-diff/schema-diff.ts';
import { buildSnapshot } from '../schema-diff/schema-snapshot.ts';
import type { SchemaChange } from '../schema-diff/schema-change.ts';
import type { JsonObject } from './server-connection.ts';

export interface ToolChangeClassification {
  breaking: number;
  changes: SchemaChange[];
}

/** Pure. `pinned` and `current` are the pinned parts of a tool's definitions (policy/tool-pinning.ts pinnedPart); the name is the tool's. */
export function classifyToolChange(tool: string, pinned: Record<string, unknown>, current: Record<string, unknown>): ToolChangeClassification {
  const snapshot = (definition: Record<string, unknown>) => buildSnapshot({ serverInfo: undefined, tools: [{ ...definition, name: tool } as JsonObject] });
  const diff = diffSnapshots(snapshot(pinned), snapshot(current));
  return { breaking: diff.breaking, changes: diff.changes };
}
