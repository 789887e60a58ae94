// The schema regression check (docs/ci-tools.md, `gatehouse schema`): compares two
// snapshots (schema-snapshot.ts) and classifies every change as breaking,
// additive or informational; a breaking change passes only with a major
// step of serverInfo.version (version-bump.ts). Pure.

import { diffJsonSchema } from './json-schema-diff.ts';
import { change, type SchemaChange } from './schema-change.ts';
import type { SchemaSnapshot, SnapshotPrompt, SnapshotTool } from './schema-snapshot.ts';
import { versionStep, type VersionStep } from './version-bump.ts';

export interface SchemaDiff {
  changes: SchemaChange[];
  breaking: number;
  version: VersionStep & { before: string; after: string };
  /** False when a breaking change ships without a major version step: CI fails. */
  passes: boolean;
}

/**
 * Tool annotations (2025-11-25 server/tools, ToolAnnotations) with the spec's
 * defaults, so a hint left out compares as its default.
 */
const ANNOTATION_DEFAULTS = { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true } as const;

export function diffSnapshots(before: SchemaSnapshot, after: SchemaSnapshot): SchemaDiff {
  const changes = [
    ...diffByName(before.tools, after.tools, 'name', 'tools', 'tool', diffTool),
    ...diffByName(before.resources, after.resources, 'uri', 'resources', 'resource', (old, now, path) => diffMimeType(old.mimeType, now.mimeType, path)),
    ...diffByName(before.resourceTemplates, after.resourceTemplates, 'uriTemplate', 'resourceTemplates', 'resource template', (old, now, path) =>
      diffMimeType(old.mimeType, now.mimeType, path),
    ),
    ...diffByName(before.prompts, after.prompts, 'name', 'prompts', 'prompt', diffPrompt),
  ];
  if (before.serverInfo.name !== after.serverInfo.name) {
    changes.push(change('informational', 'server_renamed', 'serverInfo/name', `server name "${before.serverInfo.name}" -> "${after.serverInfo.name}"`));
  }
  const breaking = changes.filter((entry) => entry.severity === 'breaking').length;
  const version = { ...versionStep(before.serverInfo.version, after.serverInfo.version), before: before.serverInfo.version, after: after.serverInfo.version };
  return { changes, breaking, version, passes: breaking === 0 || version.isMajorBump };
}

function diffByName<T extends object, K extends keyof T & string>(
  before: readonly T[],
  after: readonly T[],
  key: K,
  section: string,
  noun: string,
  diffSame: (old: T, now: T, path: string) => SchemaChange[],
): SchemaChange[] {
  const changes: SchemaChange[] = [];
  const afterByKey = new Map(after.map((item) => [String(item[key]), item]));
  const beforeKeys = new Set(before.map((item) => String(item[key])));
  for (const old of before) {
    const name = String(old[key]);
    const now = afterByKey.get(name);
    const path = `${section}/${name}`;
    if (now === undefined) changes.push(change('breaking', `${noun.replaceAll(' ', '_')}_removed`, path, `${noun} "${name}" removed`));
    else changes.push(...diffSame(old, now, path));
  }
  for (const now of after) {
    const name = String(now[key]);
    if (!beforeKeys.has(name)) changes.push(change('additive', `${noun.replaceAll(' ', '_')}_added`, `${section}/${name}`, `new ${noun} "${name}"`));
  }
  return changes;
}

function diffTool(old: SnapshotTool, now: SnapshotTool, path: string): SchemaChange[] {
  const changes = diffJsonSchema(old.inputSchema, now.inputSchema, 'input', `${path}/inputSchema`);
  if (old.outputSchema !== undefined && now.outputSchema === undefined) {
    changes.push(change('breaking', 'output_schema_removed', `${path}/outputSchema`, `tool "${old.name}" no longer declares an output schema: readers of its structured content lose their contract`));
  } else if (old.outputSchema === undefined && now.outputSchema !== undefined) {
    changes.push(change('additive', 'output_schema_added', `${path}/outputSchema`, `tool "${old.name}" now declares an output schema`));
  } else if (old.outputSchema !== undefined && now.outputSchema !== undefined) {
    changes.push(...diffJsonSchema(old.outputSchema, now.outputSchema, 'output', `${path}/outputSchema`));
  }
  changes.push(...diffAnnotations(old, now, `${path}/annotations`));
  if ((old.description ?? '') !== (now.description ?? '')) changes.push(change('informational', 'description_changed', `${path}/description`, `tool "${old.name}" description changed`));
  if ((old.title ?? '') !== (now.title ?? '')) changes.push(change('informational', 'title_changed', `${path}/title`, `tool "${old.name}" title changed`));
  return changes;
}

/**
 * readOnlyHint and destructiveHint state what a call does to the world; any
 * change to them changes the tool's meaning for a client that gates on
 * them (confirmation prompts, approvals), so both directions break. The
 * other two break only when the tool becomes less safe to retry or reach.
 */
function diffAnnotations(old: SnapshotTool, now: SnapshotTool, path: string): SchemaChange[] {
  const changes: SchemaChange[] = [];
  const hint = (tool: SnapshotTool, name: keyof typeof ANNOTATION_DEFAULTS): boolean => {
    const declared = (key: keyof typeof ANNOTATION_DEFAULTS) => {
      const value = tool.annotations?.[key];
      return typeof value === 'boolean' ? value : ANNOTATION_DEFAULTS[key];
    };
    // The spec gives destructiveHint and idempotentHint meaning only when readOnlyHint is false:
    // a read-only tool destroys nothing and may be repeated.
    if (name === 'destructiveHint' && declared('readOnlyHint')) return false;
    if (name === 'idempotentHint' && declared('readOnlyHint')) return true;
    return declared(name);
  };
  for (const name of ['readOnlyHint', 'destructiveHint'] as const) {
    if (hint(old, name) !== hint(now, name)) changes.push(change('breaking', `annotation_${name}_changed`, `${path}/${name}`, `tool "${old.name}" ${name} ${hint(old, name)} -> ${hint(now, name)}: its semantics changed`));
  }
  if (hint(old, 'idempotentHint') !== hint(now, 'idempotentHint')) {
    const isLessSafe = !hint(now, 'idempotentHint');
    changes.push(change(isLessSafe ? 'breaking' : 'additive', 'annotation_idempotentHint_changed', `${path}/idempotentHint`, `tool "${old.name}" is ${isLessSafe ? 'no longer' : 'now'} idempotent`));
  }
  if (hint(old, 'openWorldHint') !== hint(now, 'openWorldHint')) {
    const isLessSafe = hint(now, 'openWorldHint');
    changes.push(change(isLessSafe ? 'breaking' : 'additive', 'annotation_openWorldHint_changed', `${path}/openWorldHint`, `tool "${old.name}" ${isLessSafe ? 'now reaches' : 'no longer reaches'} an open world`));
  }
  return changes;
}

function diffPrompt(old: SnapshotPrompt, now: SnapshotPrompt, path: string): SchemaChange[] {
  const changes: SchemaChange[] = [];
  const newArguments = new Map(now.arguments.map((argument) => [argument.name, argument]));
  const oldNames = new Set(old.arguments.map((argument) => argument.name));
  for (const argument of old.arguments) {
    const replacement = newArguments.get(argument.name);
    const at = `${path}/arguments/${argument.name}`;
    if (replacement === undefined) changes.push(change('breaking', 'prompt_argument_removed', at, `prompt "${old.name}" argument "${argument.name}" removed`));
    else if (!argument.required && replacement.required) changes.push(change('breaking', 'prompt_argument_now_required', at, `prompt "${old.name}" argument "${argument.name}" is now required`));
    else if (argument.required && !replacement.required) changes.push(change('additive', 'prompt_argument_now_optional', at, `prompt "${old.name}" argument "${argument.name}" is no longer required`));
  }
  for (const argument of now.arguments) {
    if (oldNames.has(argument.name)) continue;
    changes.push(change(argument.required ? 'breaking' : 'additive', argument.required ? 'prompt_required_argument_added' : 'prompt_argument_added', `${path}/arguments/${argument.name}`, `prompt "${old.name}" has a new ${argument.required ? 'required' : 'optional'} argument "${argument.name}"`));
  }
  if ((old.description ?? '') !== (now.description ?? '')) changes.push(change('informational', 'description_changed', `${path}/description`, `prompt "${old.name}" description changed`));
  return changes;
}

function diffMimeType(old: string | undefined, now: string | undefined, path: string): SchemaChange[] {
  if (old === now) return [];
  return [change(old === undefined ? 'additive' : 'breaking', 'mime_type_changed', `${path}/mimeType`, `MIME type ${old ?? 'unset'} -> ${now ?? 'unset'}`)];
}
