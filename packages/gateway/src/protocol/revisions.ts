// The protocol revisions the gateway speaks, on both sides, and the era each
// belongs to. "Legacy" revisions open with `initialize` and hold a session;
// "modern" ones (2026-07-28 on) carry version and capabilities in every
// request's `_meta` (2026-07-28 basic/versioning).

export const MODERN_REVISIONS = ['2026-07-28'] as const;
export const LEGACY_REVISIONS = ['2025-11-25', '2025-06-18', '2025-03-26'] as const;
export const SUPPORTED_REVISIONS: readonly string[] = [...MODERN_REVISIONS, ...LEGACY_REVISIONS];
export const LATEST_MODERN = MODERN_REVISIONS[0];
export const LATEST_LEGACY = LEGACY_REVISIONS[0];

export type Era = 'modern' | 'legacy';

export function eraOf(version: string): Era | undefined {
  if ((MODERN_REVISIONS as readonly string[]).includes(version)) return 'modern';
  if ((LEGACY_REVISIONS as readonly string[]).includes(version)) return 'legacy';
  return undefined;
}

/** `_meta` keys of the 2026-07-28 per-request envelope (basic/index, "_meta"). */
export const META = {
  protocolVersion: 'io.modelcontextprotocol/protocolVersion',
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  clientCapabilities: 'io.modelcontextprotocol/clientCapabilities',
  logLevel: 'io.modelcontextprotocol/logLevel',
  serverInfo: 'io.modelcontextprotocol/serverInfo',
  subscriptionId: 'io.modelcontextprotocol/subscriptionId',
} as const;

/** Methods whose target is named by `params.name`, `params.uri` or (the tasks extension, SEP-2663) `params.taskId`, mirrored in `Mcp-Name`. */
export const NAMED_METHODS: Readonly<Record<string, 'name' | 'uri' | 'taskId'>> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
  'tasks/get': 'taskId',
  'tasks/update': 'taskId',
  'tasks/cancel': 'taskId',
};
