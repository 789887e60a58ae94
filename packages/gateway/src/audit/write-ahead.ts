// Write-ahead audit for calls that change data: the record of the ATTEMPT is
// durable before the call is forwarded to its backend, and the outcome is a
// second record linked to it (context.attempt_id). Whether a tool changes
// data comes from its MCP annotations unless audit.tool_effects says.

import type { ToolEffect, ToolEffectOverrides } from './settings.ts';

/**
 * Whether a call of `tool` on `backend` changes data. The configured effect
 * wins (per tool, then per backend); else the tool's own annotations: MCP
 * (schema, ToolAnnotations) defines `readOnlyHint` as "the tool does not
 * modify its environment", default false, so a tool that does not say it is
 * read-only is taken to change data. Annotations are hints from the backend;
 * the operator's tool_effects is how to overrule one that is wrong.
 */
export function toolChangesData(overrides: ToolEffectOverrides, backend: string, tool: string, definition: Record<string, unknown> | undefined): boolean {
  const configured = configuredEffect(overrides, backend, tool);
  if (configured !== undefined) return configured === 'changes_data';
  const annotations = definition?.annotations;
  const isReadOnly = typeof annotations === 'object' && annotations !== null && (annotations as { readOnlyHint?: unknown }).readOnlyHint === true;
  return !isReadOnly;
}

function configuredEffect(overrides: ToolEffectOverrides, backend: string, tool: string): ToolEffect | undefined {
  const entry = overrides[backend];
  if (entry === undefined) return undefined;
  if (typeof entry === 'string') return entry;
  return entry[tool];
}

/** One call's write-ahead state: the attempt record's id once it is durable, and whether it was refused. */
export interface WriteAheadState {
  /** audit_id of the `attempted` record, once durable; the outcome record names it. */
  attemptId: string | undefined;
  /** The attempt could not be recorded under fail-closed: the call was not forwarded. */
  isRefused: boolean;
}
