// The Exchange: one object per JSON-RPC message in flight, the request's whole
// story. The transport creates it, every later stage reads and extends it
// (identity, policy decisions, the resolved target, timings), and audit,
// metrics and traces close it. Nothing else is passed between stages.

import type { Era } from '../protocol/revisions.ts';
import type { ClientCodec } from './client-codec.ts';
import type { JsonRpcNotification, JsonRpcRequest } from '../protocol/jsonrpc.ts';
import type { LegacySession } from '../session/session.ts';
import type { Decision } from '../policy/policy.ts';
import type { ClientRelay } from './client-relay.ts';
import type { Caller } from '../identity/caller.ts';
import type { MessageTrace } from '../telemetry/tracing.ts';
import type { ExchangeCancellation } from './exchange-cancellation.ts';

export interface ClientDescription {
  protocolVersion: string;
  era: Era;
  /** How this revision encodes what the stages produce (exchange/client-codec.ts); chosen with the revision by the transport. */
  codec: ClientCodec;
  info: Record<string, unknown> | undefined;
  capabilities: Record<string, unknown>;
  /** 2026-07-28 per-request log level (`io.modelcontextprotocol/logLevel`). */
  logLevel: string | undefined;
}

/** The backend primitive a request resolved to, in the backend's own names. */
export interface ExchangeTarget {
  backend: string;
  kind: 'tool' | 'prompt' | 'resource' | 'completion' | 'backend';
  /** The backend's own tool/prompt name or resource URI. */
  name: string | undefined;
}

export interface Exchange {
  /** Gateway-unique id for logs and audit. */
  readonly id: string;
  /** `performance.now()` at arrival. */
  readonly startedAt: number;
  readonly message: JsonRpcRequest | JsonRpcNotification;
  readonly client: ClientDescription;
  /** `undefined` on `/mcp`; the backend's name on `/servers/{name}/mcp`. */
  readonly endpointBackend: string | undefined;
  readonly session: LegacySession | undefined;
  /** Who sent it (identity/caller.ts); ANONYMOUS_CALLER when authentication is off. */
  readonly caller: Caller;
  /**
   * The tenant this exchange runs for (docs/tenants.md): the caller's, or on
   * an anonymous gateway the one its endpoint (`/t/{tenant}/mcp`) names;
   * undefined on a gateway without tenants. Catalog, policies, limits and
   * audit are scoped by it.
   */
  readonly tenant?: string | undefined;
  target: ExchangeTarget | undefined;
  /** A 2026-07-28 listen stream whose resource subscriptions this exchange makes (router/targeted-call.ts); 2025 sessions use their session. */
  readonly subscriber?: string;
  readonly decisions: Decision[];
  /** Aborted when the client goes away (2026-07-28: closing the stream cancels) or cancels (2025 notifications/cancelled). */
  readonly signal: AbortSignal;
  /** What aborts `signal`, with watchers that need no listener on it (exchange-cancellation.ts); absent on exchanges made outside a transport. */
  readonly cancellation?: ExchangeCancellation;
  /** Reaches the client while this request is open. */
  readonly relay: ClientRelay;
  /** The message's span (a no-op when tracing is off); carries the trace id for logs and audit. */
  readonly trace: MessageTrace;
  /** Seconds spent waiting for backends (summed over the rounds of an interactive call). */
  backendSeconds: number | undefined;
  /** The BackendError code when a backend could not answer, also when the client got an `isError` result for it. */
  backendError: string | undefined;
  /**
   * Awaited by forward.ts before each request goes to a backend: the
   * write-ahead audit record of a call that changes data (audit/write-ahead.ts).
   * Rejecting stops the call before the backend sees it.
   */
  beforeForward?: PreForwardStep | undefined;
}

/**
 * A step forward.ts awaits before a request goes to a backend. An object
 * with a method rather than a function: a per-request closure stored here
 * and called from one shared place kept each request's objects alive past
 * young-generation GCs (docs/benchmarks.md, "Session 11").
 */
export interface PreForwardStep {
  run(method: string, backend: string): Promise<void>;
}

let sequence = 0;
const prefix = `${process.pid.toString(36)}-${Date.now().toString(36)}`;

export function nextExchangeId(): string {
  sequence = (sequence + 1) >>> 0;
  return `${prefix}-${sequence.toString(36)}`;
}
