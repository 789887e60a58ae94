// Traces for the request path: the seam the transport, the policy chain, the
// router and audit call, and `createTracing`, which picks the implementation.
// Off by default: then the OpenTelemetry SDK is never loaded, a message
// without trace context gets one shared no-op, and a message with context has
// it passed on to the backend unchanged (pass-through-tracing.ts). On: the
// OpenTelemetry JS SDK, OTLP/HTTP export, MCP semantic conventions
// (otel-tracing.ts), imported here only then.

import type { IncomingHttpHeaders } from 'node:http';
import type { ExchangeStatus, PolicyDecisionLike } from './exchange-outcome.ts';
import { createPassThroughTracing } from './pass-through-tracing.ts';

export interface TracingOptions {
  /** Default false. */
  isEnabled?: boolean;
  /** OTLP/HTTP traces URL. Default `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, else http://127.0.0.1:4318/v1/traces. */
  endpoint?: string;
  /** OTLP/HTTP encoding (OTLP specification, "OTLP/HTTP"): `http/protobuf` (default, cheaper) or `http/json`. */
  protocol?: 'http/protobuf' | 'http/json';
  /** Share of new traces recorded, 0 to 1 (default 1); a client's own sampled flag is followed (parent-based). */
  samplingRatio?: number;
  /** `service.name` of the gateway's spans. Default `gatehouse`. */
  serviceName?: string;
  serviceVersion?: string;
  /** `service.instance.id`, e.g. the replica's pod name. */
  serviceInstanceId?: string;
  /** Extra headers on export requests (a collector's API key). Never logged. */
  exporterHeaders?: Record<string, string>;
  /** How long finished spans wait to be exported in a batch. Default 1000 ms. */
  exportDelayMs?: number;
  /** Finished spans held for export at most; past it, spans are dropped, not the requests. Default 2048. */
  maxQueueSize?: number;
  /** How long one export may take, retries included (the exporter retries a collector that is away). Default 10000 ms. */
  exportTimeoutMs?: number;
  /** How long `shutdown()` waits for the last export. Default 5000 ms. */
  shutdownTimeoutMs?: number;
  /** Told when an export fails (each batch, as it fails), when the queue starts dropping spans, and when shutdown runs out of time (log it); `shutdown()` itself never rejects. */
  onExportError?: (error: unknown) => void;
}

/** The parts of a JSON-RPC message a span needs. */
export interface TracedMessage {
  readonly method: string;
  readonly id?: string | number | null;
  readonly params?: Record<string, unknown> | undefined;
}

export interface GatewayTracing {
  readonly isEnabled: boolean;
  /**
   * Starts the span of one MCP message as it arrives, continuing the client's
   * trace from `params._meta` or the HTTP headers. Call once per message, keep
   * the result on the Exchange, end it when the answer is written.
   */
  startMessage(message: TracedMessage, headers: IncomingHttpHeaders | undefined, protocolVersion?: string, sessionId?: string): MessageTrace;
  /** Exports what is buffered (tests, shutdown). */
  forceFlush(): Promise<void>;
  /** Flushes and stops exporting; never rejects (see `onExportError`). */
  shutdown(): Promise<void>;
}

export interface MessageTrace {
  /** The W3C trace id, for the audit record and log lines; `undefined` when there is no trace. */
  readonly traceId: string | undefined;
  /** Whether spans are being recorded (sampled, tracing on). */
  readonly isRecording: boolean;
  /** The backend and the backend's own primitive name the router resolved. */
  setTarget(server: string, name: string | undefined): void;
  startPolicyChain(): PolicyChainTrace;
  /** A client span around the call to the backend; inject its context into the outgoing request. */
  startBackendCall(server: string, method: string, name: string | undefined, transport: 'http' | 'stdio'): BackendCallTrace;
  startAuditWrite(): StageTrace;
  /** Ends the message span: the answer's classification and its JSON-RPC error code, or a BackendError code (string). */
  end(status: ExchangeStatus, errorCode?: number | string): void;
}

export interface PolicyChainTrace {
  end(decisions: readonly PolicyDecisionLike[]): void;
}

export interface StageTrace {
  end(error?: unknown): void;
}

export interface BackendCallTrace {
  /** `headers` with `traceparent` / `tracestate` / `baggage` added (a new object), or `headers` itself when there is nothing to add. */
  injectHeaders(headers: Record<string, string> | undefined): Record<string, string> | undefined;
  /**
   * Puts the same keys in `params._meta` (2026-07-28 basic/index), replacing
   * the client's; `params` must be the gateway's own copy (`upstreamParams`),
   * and `_meta` is copied, never changed in place.
   */
  injectMeta(params: Record<string, unknown>): void;
  /** The backend's own answer: its JSON-RPC error code, or the BackendError code when it could not answer. */
  end(status: ExchangeStatus, errorCode?: number | string): void;
}

/** Tracing as configured; loads the OpenTelemetry SDK only when tracing is on. */
export async function createTracing(options: TracingOptions = {}): Promise<GatewayTracing> {
  if (options.isEnabled !== true) return createPassThroughTracing();
  const { createOtelTracing } = await import('./otel-tracing.ts');
  return createOtelTracing(options);
}
