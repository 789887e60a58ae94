// The schema snapshot: what an MCP server offers, as a client sees it, in a
// canonical form fit to commit and compare (schema-diff.ts). Lists are sorted
// by name or URI, a schema's `required` by name (it is a set), and fields a
// listing may vary from one call to the next (cursors, _meta) are left out.
// Pure: `gatehouse schema` (ci-tools/schema-source.ts) reads and writes the
// files, the registry (registry/definition-watch.ts) builds them from its catalog.

import { canonicalize } from './canonical-json.ts';

/** A JSON object as a listing carries it: the shape of a tool, a prompt or a schema before it is checked. */
export type JsonObject = Record<string, unknown>;

export const SNAPSHOT_FORMAT = 'gatehouse.schema-snapshot/1';

export interface SnapshotTool {
  name: string;
  title?: string;
  description?: string;
  inputSchema: JsonObject;
  outputSchema?: JsonObject;
  annotations?: JsonObject;
}

export interface SnapshotPrompt {
  name: string;
  title?: string;
  description?: string;
  arguments: Array<{ name: string; description?: string; required: boolean }>;
}

export interface SchemaSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  serverInfo: { name: string; version: string };
  protocolVersion?: string;
  tools: SnapshotTool[];
  resources: Array<{ uri: string; name?: string; mimeType?: string; description?: string }>;
  resourceTemplates: Array<{ uriTemplate: string; name?: string; mimeType?: string; description?: string }>;
  prompts: SnapshotPrompt[];
}

/** Pure: the canonical snapshot of raw listings. */
export function buildSnapshot(listings: {
  serverInfo: { name: string; version: string } | undefined;
  protocolVersion?: string | undefined;
  tools: readonly JsonObject[];
  resources?: readonly JsonObject[];
  resourceTemplates?: readonly JsonObject[];
  prompts?: readonly JsonObject[];
}): SchemaSnapshot {
  const snapshot: SchemaSnapshot = {
    format: SNAPSHOT_FORMAT,
    serverInfo: { name: listings.serverInfo?.name ?? 'unknown', version: listings.serverInfo?.version ?? '0.0.0' },
    ...(listings.protocolVersion !== undefined && { protocolVersion: listings.protocolVersion }),
    tools: listings.tools.map(snapshotTool).sort(byKey('name')),
    resources: (listings.resources ?? []).map((resource) => pick(resource, ['uri', 'name', 'mimeType', 'description']) as SchemaSnapshot['resources'][number]).sort(byKey('uri')),
    resourceTemplates: (listings.resourceTemplates ?? [])
      .map((template) => pick(template, ['uriTemplate', 'name', 'mimeType', 'description']) as SchemaSnapshot['resourceTemplates'][number])
      .sort(byKey('uriTemplate')),
    prompts: (listings.prompts ?? []).map(snapshotPrompt).sort(byKey('name')),
  };
  return canonicalize(snapshot) as SchemaSnapshot;
}

function snapshotTool(tool: JsonObject): SnapshotTool {
  return {
    ...(pick(tool, ['name', 'title', 'description']) as Pick<SnapshotTool, 'name' | 'title' | 'description'>),
    inputSchema: normalizeSchema((tool.inputSchema as JsonObject | undefined) ?? { type: 'object' }),
    ...(tool.outputSchema !== undefined && { outputSchema: normalizeSchema(tool.outputSchema as JsonObject) }),
    ...(tool.annotations !== undefined && { annotations: tool.annotations as JsonObject }),
  };
}

function snapshotPrompt(prompt: JsonObject): SnapshotPrompt {
  const args = ((prompt.arguments as JsonObject[] | undefined) ?? []).map((argument) => ({
    ...(pick(argument, ['name', 'description']) as { name: string; description?: string }),
    required: argument.required === true,
  }));
  return { ...(pick(prompt, ['name', 'title', 'description']) as Pick<SnapshotPrompt, 'name' | 'title' | 'description'>), arguments: args.sort(byKey('name')) };
}

/** Sorts every `required` list at any depth: its order carries no meaning, so it must not show up as a change. */
function normalizeSchema(schema: unknown): JsonObject {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object') return node;
    const copy: JsonObject = {};
    for (const [key, value] of Object.entries(node)) {
      copy[key] = key === 'required' && Array.isArray(value) ? [...value].map(String).sort() : walk(value);
    }
    return copy;
  };
  return walk(schema) as JsonObject;
}

function pick(source: JsonObject, keys: readonly string[]): JsonObject {
  const picked: JsonObject = {};
  for (const key of keys) if (source[key] !== undefined) picked[key] = source[key];
  return picked;
}

function byKey<K extends string>(key: K) {
  // Code-point order, not the locale's: the same bytes on every machine.
  return (left: { [P in K]?: unknown }, right: { [P in K]?: unknown }) => {
    const [a, b] = [String(left[key]), String(right[key])];
    return a < b ? -1 : a > b ? 1 : 0;
  };
}
