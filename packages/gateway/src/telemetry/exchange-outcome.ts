// What telemetry needs to know about one finished exchange: a plain object
// the transport fills once the answer is written, and that metrics, the
// exchange log line and the span all read. `exchangeStatusOf` classifies the
// answer the same way for all three.

/**
 * - `success`: a result the client can use.
 * - `error`: the gateway or a backend failed (a JSON-RPC error that is not the
 *   client's fault) or the tool answered `isError: true` (a failed tool call is
 *   a successful JSON-RPC response; counting it as success would hide it).
 * - `invalid`: the client's request was wrong (bad params, unknown method or
 *   session, header mismatch, unsupported version).
 * - `denied`: a policy, scope or rate limit refused it.
 * - `cancelled`: the client went away or cancelled before the answer.
 */
export type ExchangeStatus = 'success' | 'error' | 'invalid' | 'denied' | 'cancelled';

export interface PolicyDecisionLike {
  readonly policy: string;
  readonly decision: string;
  /** The policy's facts; the cost policy's charge is read from them (usage/call-cost.ts). */
  readonly details?: Readonly<Record<string, unknown>> | undefined;
}

export interface ExchangeOutcome {
  /** The JSON-RPC method (`tools/call`, `resources/read`, `tools/list`, ...). */
  method: string;
  /** The backend that served it; `undefined` when the gateway answered itself. */
  server: string | undefined;
  /** The backend's own tool name for `tools/call`, prompt name for `prompts/get`. */
  tool: string | undefined;
  /** For `resources/read`: the URI; only its scheme becomes a label. */
  resourceUri?: string | undefined;
  status: ExchangeStatus;
  /** From arrival to the answer written, in seconds. */
  durationSeconds: number;
  /** The JSON-RPC error code, when the answer was an error. */
  errorCode?: number | undefined;
  /** The BackendError code (`backend_unavailable`, `backend_timeout`, ...) when the backend could not answer, also when the client got an `isError` tool result for it. */
  backendError?: string | undefined;
  /** Time spent waiting for the backend, when one was called. */
  backendDurationSeconds?: number | undefined;
  /** The upstream instance that served it (`backend` label); defaults to `server`. */
  backend?: string | undefined;
  /** The caller's identity (subject); mapped to a bounded label. */
  user?: string | undefined;
  /** The session the cost accrues to (2025-era `Mcp-Session-Id` or the 2026 session handle). */
  sessionId?: string | undefined;
  /** Cost units this exchange adds to its session; defaults to 1 per `tools/call` (a step), 0 otherwise. */
  cost?: number | undefined;
  /** The exchange's tenant (`mcp_usage_*` label), always a configured tenant's name; absent (no tenants): `default`. */
  tenant?: string | undefined;
  /** The policy chain's decisions, counted per policy and decision. */
  decisions?: readonly PolicyDecisionLike[] | undefined;
}

/** JSON-RPC codes that mean the client sent something wrong (basic/index error codes; gateway -32001, -32020..-32022). */
const CLIENT_ERROR_CODES: ReadonlySet<number> = new Set([-32700, -32600, -32601, -32602, -32001, -32002, -32020, -32021, -32022]);
/** The gateway's policy denial (protocol/errors.ts `RPC.policyDenied`). */
const POLICY_DENIED_CODE = -32012;

/** Classifies an answer: pass the result (for `isError`) or the JSON-RPC error code, and whether the client went away. */
export function exchangeStatusOf(result: unknown, errorCode: number | undefined, isCancelled = false): ExchangeStatus {
  if (isCancelled) return 'cancelled';
  if (errorCode !== undefined) {
    if (errorCode === POLICY_DENIED_CODE) return 'denied';
    return CLIENT_ERROR_CODES.has(errorCode) ? 'invalid' : 'error';
  }
  if (typeof result === 'object' && result !== null && (result as { isError?: unknown }).isError === true) return 'error';
  return 'success';
}
