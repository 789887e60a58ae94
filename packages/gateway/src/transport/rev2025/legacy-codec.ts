// The 2025-era codec (2025-03-26, 2025-06-18, 2025-11-25): version negotiation
// for `initialize` (basic/lifecycle), the shaping of results for clients
// that predate `resultType` and caching hints, and the rest of what a 2025
// client reads differently (LEGACY_CLIENT_CODEC). Pure functions; no I/O.

import type { ClientCodec } from '../../exchange/client-codec.ts';
import type { ClientDescription } from '../../exchange/exchange.ts';
import { RPC, rpcErrors } from '../../protocol/errors.ts';
import { LATEST_LEGACY, LEGACY_REVISIONS } from '../../protocol/revisions.ts';

/** 2026-07-28-only methods; a 2025 session calling them gets -32601. */
export const MODERN_ONLY_METHODS = new Set(['server/discover', 'subscriptions/listen']);

export interface InitializeRequestParams {
  protocolVersion: string;
  capabilities: Record<string, unknown>;
  clientInfo: Record<string, unknown> | undefined;
}

export function readInitializeParams(params: Record<string, unknown> | undefined): InitializeRequestParams {
  const requested = params?.protocolVersion;
  if (typeof requested !== 'string') throw rpcErrors.invalidParams('initialize needs "protocolVersion" (a string such as "2025-11-25")');
  const capabilities = params?.capabilities;
  if (capabilities !== undefined && (typeof capabilities !== 'object' || capabilities === null || Array.isArray(capabilities))) {
    throw rpcErrors.invalidParams('initialize "capabilities" must be an object');
  }
  const clientInfo = params?.clientInfo;
  return {
    protocolVersion: requested,
    capabilities: (capabilities as Record<string, unknown> | undefined) ?? {},
    clientInfo: typeof clientInfo === 'object' && clientInfo !== null ? (clientInfo as Record<string, unknown>) : undefined,
  };
}

/** Lifecycle "Version Negotiation": the requested version if we speak it, else our latest 2025 one. */
export function negotiateLegacyVersion(requested: string): string {
  return (LEGACY_REVISIONS as readonly string[]).includes(requested) ? requested : LATEST_LEGACY;
}

export function legacyClient(protocolVersion: string, info: Record<string, unknown> | undefined, capabilities: Record<string, unknown>, logLevel?: string): ClientDescription {
  return { protocolVersion, era: 'legacy', codec: LEGACY_CLIENT_CODEC, info, capabilities, logLevel };
}

/** Drops the 2026-only fields a 2025 client has no use for. Mutates and returns the result. */
function shapeLegacyResult(result: Record<string, unknown>): Record<string, unknown> {
  if (result.resultType === 'complete') delete result.resultType;
  delete result.ttlMs;
  delete result.cacheScope;
  return result;
}

export const LEGACY_CLIENT_CODEC: ClientCodec = Object.freeze<ClientCodec>({
  era: 'legacy',
  shapeResult: (_method, result) => shapeLegacyResult(result),
  // A 2025 client reads JSON-RPC errors from a 200 response; the 2026-07-28 statuses are not for it.
  relayedErrorStatus: () => 200,
  // 2025-11-25 server/resources, "Error Handling": -32002 for a resource not found.
  resourceNotFoundCode: RPC.legacyResourceNotFound,
  // 2025 logging: every level until the session sets one with logging/setLevel.
  logLevelFloor: (requested) => requested ?? 'debug',
  // The 2025-11-25 `tasks` capability, for task-augmented tools/call (basic/utilities/tasks).
  declareTasks(capabilities) {
    capabilities.tasks = { cancel: {}, requests: { tools: { call: {} } } };
  },
});
