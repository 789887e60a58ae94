// How policies read a backend tool's current definition (argument validation
// reads its inputSchema, tool pinning hashes all of it). The gateway passes a
// lookup over its catalog; policies never hold the catalog itself.

/** A tool as the backend listed it, in the backend's own names (MCP `Tool`). */
export interface ToolDefinition {
  name?: unknown;
  title?: unknown;
  description?: unknown;
  inputSchema?: unknown;
  outputSchema?: unknown;
  annotations?: unknown;
  [key: string]: unknown;
}

/**
 * `(backend, tool) => definition | undefined`, by the backend's own tool name.
 * Must be cheap: it runs on every call. Return the same object until the
 * backend's list changes; policies cache per definition object.
 */
export type ToolDefinitions = (backend: string, tool: string) => ToolDefinition | undefined;

export const NO_TOOL_DEFINITIONS: ToolDefinitions = () => undefined;
