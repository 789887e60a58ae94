// The seam between the router and one backend MCP server. An implementation
// (http-backend.ts, stdio-backend.ts) owns the connection, the handshake in
// the newest revision the backend speaks, and the per-revision envelope, so
// the router sends one internal shape to every backend.

import type { Era } from '../protocol/revisions.ts';
import type { JsonRpcNotification, JsonRpcRequest, JsonRpcResponse } from '../protocol/jsonrpc.ts';
import type { Caller } from '../identity/caller.ts';
import type { BackendEvents } from './backend-events.ts';
import type { ExchangeCancellation } from '../exchange/exchange-cancellation.ts';

export interface Implementation {
  name: string;
  version: string;
  [key: string]: unknown;
}

/** What the backend told us when we connected (discover result or initialize result). */
export interface BackendHandshake {
  era: Era;
  protocolVersion: string;
  capabilities: Record<string, unknown>;
  serverInfo: Implementation | undefined;
  instructions: string | undefined;
}

export interface UpstreamCall {
  method: string;
  /** Params as the backend should see them, minus the 2026 `_meta` envelope, which the backend adds. */
  params?: Record<string, unknown>;
  /** Extra HTTP headers (for example `Mcp-Param-*`); stdio backends ignore them. */
  headers?: Record<string, string>;
  /** Client capabilities to declare to a modern backend for this one request (defaults to the gateway's own). */
  clientCapabilities?: Record<string, unknown>;
  signal?: AbortSignal;
  /** The exchange's cancellation behind `signal`, when it is the exchange's: the gateway's own per-call work watches it instead of listening on the signal (exchange/exchange-cancellation.ts). */
  cancellation?: ExchangeCancellation;
  /** Overrides the backend's configured timeout for this call. */
  timeoutMs?: number;
  /** Messages the backend sends about this request before its response (progress, logging, server-to-client requests). */
  onRelatedMessage?: (message: JsonRpcNotification | JsonRpcRequest) => void;
  /** Who the call is for: backend credentials obtained on their behalf (token exchange) use it. Never their token itself. */
  caller?: Caller;
}

export type BackendState = 'idle' | 'connecting' | 'ready' | 'down' | 'closed';

export interface Backend {
  readonly name: string;
  readonly kind: 'http' | 'stdio';
  readonly state: BackendState;
  /** Present once `connect()` has succeeded; replaced after a reconnect. */
  readonly handshake: BackendHandshake | undefined;
  /** Connects and performs the handshake: `server/discover` first, `initialize` as the fallback. */
  connect(): Promise<BackendHandshake>;
  /**
   * Sends one request and resolves with the backend's JSON-RPC response (a
   * result or the backend's own error, id already matched). Rejects with a
   * BackendError when the backend cannot be reached, times out, or answers
   * with something that is not MCP.
   */
  request(call: UpstreamCall): Promise<JsonRpcResponse>;
  notify(method: string, params?: Record<string, unknown>): Promise<void>;
  /**
   * Unsolicited notifications (list_changed, resources/updated, ...), from a
   * 2025 backend's GET stream or stdout and a 2026 backend's
   * `subscriptions/listen` stream. After a gap in the latter (a drop, a
   * restart) one notification per listened list and URI follows, marked
   * `_meta["gatehouse/resync"]: true`, since what changed meanwhile is lost.
   * Returns an unsubscribe function.
   */
  onNotification(listener: (notification: JsonRpcNotification) => void): () => void;
  /** State transitions, so the catalog can refresh after a reconnect and health can report. */
  onStateChange(listener: (state: BackendState, handshake: BackendHandshake | undefined) => void): () => void;
  /** Answers a request the backend made (delivered through `onRelatedMessage`); the id is the backend's own. */
  respond(response: JsonRpcResponse): Promise<void>;
  /**
   * The full set of resource URIs the gateway wants `notifications/resources/updated`
   * for from this backend; each call replaces the previous set (`[]` wants none).
   * Updates arrive through `onNotification`.
   *
   * A 2026-07-28 backend delivers list changes and updates only on a
   * `subscriptions/listen` stream (basic/patterns/subscriptions), which the
   * backend keeps open on its own from each handshake on, asking for the lists
   * whose capability says `listChanged: true`. This call opens a stream whose
   * filter also carries `resourceSubscriptions: uris`, waits for its
   * acknowledgment, and only then closes the old stream, so no update is lost
   * in between. It resolves after the acknowledgment and rejects with a
   * BackendError (`backend_timeout` when none comes within the backend's
   * timeout, `backend_unavailable` or `backend_protocol_error` when the
   * backend refuses); the old stream then stays as it was. The set is kept
   * and used again on every re-open and restart, so call this only when the
   * set changes. While the backend is not connected the set is stored and the
   * call resolves at once; a replacement under way when the backend goes down
   * or is closed rejects with that reason, and the set is still kept.
   *
   * A 2025 backend: resolves at once and does nothing; subscribe each URI
   * with `resources/subscribe` through `request()`.
   *
   * A closed backend: rejects with `backend_closed`.
   */
  setResourceSubscriptions(uris: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** What a Backend implementation keeps in its closure: its name and kind, and its live state and handshake. */
export interface BackendIdentity {
  name: string;
  kind: Backend['kind'];
  state(): BackendState;
  handshake(): BackendHandshake | undefined;
}

/** The Backend an implementation hands out: `state` and `handshake` read its variables at each access; listeners go to its BackendEvents. */
export function exposeBackend(
  identity: BackendIdentity,
  events: Pick<BackendEvents, 'onNotification' | 'onStateChange'>,
  operations: Pick<Backend, 'connect' | 'request' | 'notify' | 'respond' | 'setResourceSubscriptions' | 'close'>,
): Backend {
  return {
    name: identity.name,
    kind: identity.kind,
    get state() {
      return identity.state();
    },
    get handshake() {
      return identity.handshake();
    },
    ...operations,
    onNotification: events.onNotification,
    onStateChange: events.onStateChange,
  };
}

/** `backend_circuit_open`: refused by the backend's circuit breaker without reaching it (upstream/circuit-breaker.ts). */
export type BackendErrorCode = 'backend_unavailable' | 'backend_timeout' | 'backend_protocol_error' | 'backend_closed' | 'backend_circuit_open';

const BRAND = Symbol.for('gatehouse.BackendError');

/** A failure to get an MCP answer from a backend; `isTransient` says whether retrying later may help. */
export class BackendError extends Error {
  readonly [BRAND] = true;
  readonly code: BackendErrorCode;
  readonly backend: string;
  readonly isTransient: boolean;
  constructor(code: BackendErrorCode, backend: string, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'BackendError';
    this.code = code;
    this.backend = backend;
    this.isTransient = code !== 'backend_protocol_error';
  }
}

export function isBackendError(value: unknown): value is BackendError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** Every call to a backend the gateway has closed (shutdown, a reload that removed it) fails with this. */
export function backendClosedError(backend: string): BackendError {
  return new BackendError('backend_closed', backend, `Backend "${backend}" has been closed by the gateway; no further requests are sent to it`);
}
