// Public surface of @gatehouse/server-kit: define tools (and resources), create
// the server, run it. Testing helpers are in `@gatehouse/server-kit/testing`;
// the Redis and PostgreSQL idempotency stores in their own entry points so a
// server that uses neither does not load their clients.

export { defineTool, type DryRunPreview, type ToolCall, type ToolDefinition } from './tool/define-tool.ts';
export {
  authorizationError,
  isToolError,
  permanentError,
  TOOL_ERROR_META_KEY,
  ToolError,
  transientError,
  type ToolErrorFacts,
  type ToolErrorKind,
} from './tool/tool-error.ts';
export { IDEMPOTENT_REPLAY_META_KEY } from './tool/run-tool.ts';
export { defineResource, type ListedResource, type ResourceContent, type ResourceDefinition, type ResourceRequest } from './resource/define-resource.ts';
export { resourceNotFound } from './resource/register-resource.ts';
export { ETAG_META_KEY, IF_NONE_MATCH_META_KEY, NOT_MODIFIED_META_KEY } from './resource/etag.ts';
export { createCursorCodec, paginate, type CursorCodec, type Page } from './resource/cursor.ts';
export { anonymousCaller, type Caller } from './identity/caller.ts';
export { jwtVerifier, type JwtVerifierOptions } from './identity/jwt-verifier.ts';
export { introspectionVerifier, type IntrospectionVerifierOptions } from './identity/introspection-verifier.ts';
export type { ResourceServerOptions } from './identity/resource-server.ts';
export type { IdempotencyClaim, IdempotencyStore } from './idempotency/store.ts';
export { MemoryIdempotencyStore } from './idempotency/memory-store.ts';
export { buildAuditRecord, LogAuditSink, MemoryAuditSink, type AuditRecord, type AuditSink } from './operations/audit.ts';
export { KIT_METRIC_NAMES, KitMetrics } from './operations/metrics.ts';
export { continueTrace, type TraceContext } from './operations/trace-context.ts';
export { createKitLogger } from './operations/logger.ts';
export { closeOnSignals, createKitServer, KitServer, type KitServerOptions, type ListenOptions, type RunningKitServer } from './server/kit-server.ts';
export type { KitRuntime } from './server/runtime.ts';
export { RUN_USAGE, runKitServer } from './server/run.ts';
