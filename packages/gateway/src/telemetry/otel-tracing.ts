// Tracing switched on, through the OpenTelemetry JS SDK: a span per MCP
// message and its stages (semantic conventions in mcp-span-attributes.ts),
// W3C trace context and baggage in and out by the SDK's propagators, a
// parent-based ratio sampler, batched OTLP/HTTP export (protobuf by default,
// JSON on request). Loaded by `createTracing` only when tracing is on
// (tracing.ts), so a gateway without tracing never imports the SDK. What it
// costs per traced `tools/call`: docs/observability.md, "Cost".

import type { IncomingHttpHeaders } from 'node:http';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace, type Context, type Span, type TextMapGetter, type Tracer } from '@opentelemetry/api';
import { CompositePropagator, ExportResultCode, W3CBaggagePropagator, W3CTraceContextPropagator, hrTime, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, TracerProvider, type ReadableSpan, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_INSTANCE_ID, ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions/incubating';
import type { ExchangeStatus, PolicyDecisionLike } from './exchange-outcome.ts';
import type { BackendCallTrace, GatewayTracing, MessageTrace, PolicyChainTrace, StageTrace, TracedMessage, TracingOptions } from './tracing.ts';
import { ERROR_ATTRIBUTES, GATEHOUSE_ATTRIBUTES, errorTypeOf, mcpRequestAttributes, mcpSpanName } from './mcp-span-attributes.ts';
import { GATEWAY_VERSION } from '../version.ts';

const DEFAULT_ENDPOINT = 'http://127.0.0.1:4318/v1/traces';
const MAX_EXPORT_BATCH_SIZE = 512;
const TRACE_KEYS = ['traceparent', 'tracestate', 'baggage'] as const;

export class TracingConfigError extends Error {
  readonly code = 'tracing_config_invalid';
  constructor(message: string) {
    super(message);
    this.name = 'TracingConfigError';
  }
}

export class TraceExportError extends Error {
  readonly code = 'trace_export_failed';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TraceExportError';
  }
}

const NOOP_STAGE: StageTrace & PolicyChainTrace = { end() {} };

/** What the message span and its children share. */
interface Pipeline {
  readonly tracer: Tracer;
  readonly propagator: CompositePropagator;
}

export async function createOtelTracing(options: TracingOptions): Promise<GatewayTracing> {
  const ratio = options.samplingRatio ?? 1;
  if (!(ratio >= 0 && ratio <= 1)) throw new TracingConfigError(`tracing sampling ratio must be between 0 and 1, got ${ratio}; use 1 to record every trace`);
  const endpoint = options.endpoint ?? process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? DEFAULT_ENDPOINT;
  if (options.protocol !== undefined && options.protocol !== 'http/json' && options.protocol !== 'http/protobuf') {
    throw new TracingConfigError(`tracing protocol must be "http/protobuf" or "http/json", got "${String(options.protocol)}"`);
  }
  if (!/^https?:\/\//.test(endpoint)) throw new TracingConfigError(`tracing endpoint must be an http(s) URL of an OTLP/HTTP receiver (…/v1/traces), got "${endpoint}"`);

  const exportTimeoutMs = options.exportTimeoutMs ?? 10_000;
  // Protobuf costs less CPU per span than JSON and sends fewer bytes; only the chosen exporter is loaded.
  const { OTLPTraceExporter } = options.protocol === 'http/json' ? await import('@opentelemetry/exporter-trace-otlp-http') : await import('@opentelemetry/exporter-trace-otlp-proto');
  const maxQueueSize = options.maxQueueSize ?? 2048;
  const reported = new WeakSet<object>();
  const report = (error: TraceExportError) => {
    reported.add(error);
    options.onExportError?.(error);
  };
  const queueWatch = new QueueWatch(maxQueueSize, endpoint, report);
  const exporter = new ReportingExporter(
    new OTLPTraceExporter({ url: endpoint, headers: { ...options.exporterHeaders }, timeoutMillis: exportTimeoutMs }),
    endpoint,
    report,
    queueWatch,
  );
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: options.serviceName ?? 'gatehouse',
      [ATTR_SERVICE_VERSION]: options.serviceVersion ?? GATEWAY_VERSION,
      ...(options.serviceInstanceId === undefined ? {} : { [ATTR_SERVICE_INSTANCE_ID]: options.serviceInstanceId }),
    }),
    // Parent-based: a client's sampled flag decides; the ratio decides only for traces the gateway starts.
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) }),
    spanProcessors: [queueWatch, new BatchSpanProcessor({
      exporter,
      scheduledDelayMillis: options.exportDelayMs ?? 1000,
      maxQueueSize,
      maxExportBatchSize: Math.min(MAX_EXPORT_BATCH_SIZE, maxQueueSize),
      exportTimeoutMillis: exportTimeoutMs,
    })],
  });
  // The provider is not registered globally: the gateway's spans go through this tracer only, and
  // an embedding application keeps its own global OpenTelemetry setup.
  const pipeline: Pipeline = {
    tracer: provider.getTracer('gatehouse', GATEWAY_VERSION),
    propagator: new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  };

  return {
    isEnabled: true,
    startMessage: (message, headers, protocolVersion, sessionId) => new OtelMessageTrace(pipeline, message, headers, protocolVersion, sessionId),
    // The batch processor flushes what it still holds but does not wait for a batch its timer already
    // handed to the exporter; the exporter's own flush waits for those sends.
    forceFlush: async () => {
      await provider.forceFlush();
      await exporter.forceFlush();
    },
    // Stopping the gateway must not fail or hang because the collector is away (the exporter retries
    // for seconds); what could not be sent by the deadline is dropped and reported. A failed batch was
    // reported by the exporter as it failed; only other failures and the deadline are news here.
    shutdown: () => withDeadline(provider.shutdown(), options.shutdownTimeoutMs ?? 5000).catch((error: unknown) => {
      if (typeof error !== 'object' || error === null || !reported.has(error)) options.onExportError?.(error);
    }),
  };
}

/**
 * Mirrors the batch processor's queue (sampled spans ended, not yet handed to
 * the exporter) so that the moment it starts dropping spans is reported once,
 * and again only after a batch went out: the SDK itself only counts them on
 * its `diag` channel. Runs before the batch processor, sees the same spans.
 */
class QueueWatch implements SpanProcessor {
  #waiting = 0;
  #isDropReported = false;
  readonly #maxQueueSize: number;
  readonly #origin: string;
  readonly #onError: (error: TraceExportError) => void;
  constructor(maxQueueSize: number, endpoint: string, onError: (error: TraceExportError) => void) {
    this.#maxQueueSize = maxQueueSize;
    this.#origin = new URL(endpoint).origin;
    this.#onError = onError;
  }
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this.#waiting < this.#maxQueueSize) {
      this.#waiting++;
      return;
    }
    if (this.#isDropReported) return;
    this.#isDropReported = true;
    this.#onError(new TraceExportError(`the trace export queue is full (${this.#maxQueueSize} spans waiting for ${this.#origin}); new spans are dropped until it drains`));
  }
  /** The batch processor handed `count` spans to the exporter. */
  handedOff(count: number): void {
    this.#waiting = Math.max(0, this.#waiting - count);
    this.#isDropReported = false;
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * The OTLP exporter with each failed batch reported as it fails: a background
 * export has no caller to reject, and the SDK would only hand the error to
 * its process-wide error handler.
 */
class ReportingExporter implements SpanExporter {
  readonly #exporter: SpanExporter;
  readonly #origin: string;
  readonly #onError: (error: TraceExportError) => void;
  readonly #queueWatch: QueueWatch;
  constructor(exporter: SpanExporter, endpoint: string, onError: (error: TraceExportError) => void, queueWatch: QueueWatch) {
    this.#exporter = exporter;
    this.#origin = new URL(endpoint).origin;
    this.#onError = onError;
    this.#queueWatch = queueWatch;
  }
  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.#queueWatch.handedOff(spans.length);
    this.#exporter.export(spans, (result) => {
      if (result.code !== ExportResultCode.SUCCESS) {
        const cause = result.error;
        const error = new TraceExportError(`trace export of ${spans.length} spans to ${this.#origin} failed: ${cause?.message ?? 'unknown error'}; the spans are dropped`, { cause });
        this.#onError(error);
        resultCallback({ code: result.code, error });
        return;
      }
      resultCallback(result);
    });
  }
  shutdown(): Promise<void> {
    return this.#exporter.shutdown();
  }
  forceFlush(): Promise<void> {
    return this.#exporter.forceFlush?.() ?? Promise.resolve();
  }
}

const META_GETTER: TextMapGetter<Record<string, unknown>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    return typeof value === 'string' ? value : undefined;
  },
};

const HEADER_GETTER: TextMapGetter<IncomingHttpHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};

/**
 * The caller's context: `_meta` first, because it belongs to this one message
 * (MCP semantic conventions, "Context propagation"; 2026-07-28 basic/index),
 * then the HTTP headers (W3C Trace Context section 3.2-3.3, W3C Baggage section 3).
 * An invalid `traceparent` is ignored and the trace starts here.
 */
function callerContext(propagator: CompositePropagator, meta: unknown, headers: IncomingHttpHeaders | undefined): Context {
  if (typeof meta === 'object' && meta !== null && typeof (meta as Record<string, unknown>).traceparent === 'string') {
    const fromMeta = propagator.extract(ROOT_CONTEXT, meta as Record<string, unknown>, META_GETTER);
    if (trace.getSpanContext(fromMeta) !== undefined) return fromMeta;
  }
  if (headers?.traceparent === undefined) return ROOT_CONTEXT;
  return propagator.extract(ROOT_CONTEXT, headers, HEADER_GETTER);
}

// Span times are given explicitly, from one clock (performance.timeOrigin + performance.now(), as
// `hrTime()` reads it): left to itself the SDK anchors each span on its own Date.now(), whole
// milliseconds, so a child could appear to start before or end after its parent.

class OtelMessageTrace implements MessageTrace {
  readonly traceId: string;
  readonly isRecording: boolean;
  readonly #pipeline: Pipeline;
  readonly #span: Span;
  /** The caller's context (baggage included) with the message span as the active span. */
  readonly #context: Context;

  constructor(pipeline: Pipeline, message: TracedMessage, headers: IncomingHttpHeaders | undefined, protocolVersion: string | undefined, sessionId: string | undefined) {
    this.#pipeline = pipeline;
    const parent = callerContext(pipeline.propagator, message.params?._meta, headers);
    this.#span = pipeline.tracer.startSpan(
      mcpSpanName(message.method, message.params),
      { kind: SpanKind.SERVER, startTime: hrTime(), attributes: mcpRequestAttributes(message.method, message.params, message.id, protocolVersion, sessionId, 'http') },
      parent,
    );
    this.#context = trace.setSpan(parent, this.#span);
    this.traceId = this.#span.spanContext().traceId;
    this.isRecording = this.#span.isRecording();
  }

  setTarget(server: string): void {
    if (this.isRecording) this.#span.setAttribute(GATEHOUSE_ATTRIBUTES.backend, server);
  }

  // An unsampled message gets no child spans; the backend is handed the message span's own context,
  // flagged unsampled, so it still joins the same trace id.
  startPolicyChain(): PolicyChainTrace {
    if (!this.isRecording) return NOOP_STAGE;
    return new OtelPolicyChainTrace(this.#pipeline.tracer.startSpan('policy chain', { kind: SpanKind.INTERNAL, startTime: hrTime() }, this.#context));
  }

  startBackendCall(server: string, method: string, name: string | undefined, transport: 'http' | 'stdio'): BackendCallTrace {
    if (!this.isRecording) return new OtelBackendCallTrace(this.#pipeline.propagator, undefined, this.#context);
    const params = name === undefined ? undefined : method === 'resources/read' ? { uri: name } : { name };
    const attributes = mcpRequestAttributes(method, params, undefined, undefined, undefined, transport);
    attributes[GATEHOUSE_ATTRIBUTES.backend] = server;
    const span = this.#pipeline.tracer.startSpan(mcpSpanName(method, params), { kind: SpanKind.CLIENT, startTime: hrTime(), attributes }, this.#context);
    return new OtelBackendCallTrace(this.#pipeline.propagator, span, trace.setSpan(this.#context, span));
  }

  startAuditWrite(): StageTrace {
    if (!this.isRecording) return NOOP_STAGE;
    return new OtelStageTrace(this.#pipeline.tracer.startSpan('audit write', { kind: SpanKind.INTERNAL, startTime: hrTime() }, this.#context));
  }

  end(status: ExchangeStatus, errorCode?: number | string): void {
    endWithOutcome(this.#span, status, errorCode);
  }
}

class OtelBackendCallTrace implements BackendCallTrace {
  readonly #propagator: CompositePropagator;
  readonly #span: Span | undefined;
  readonly #context: Context;
  constructor(propagator: CompositePropagator, span: Span | undefined, context: Context) {
    this.#propagator = propagator;
    this.#span = span;
    this.#context = context;
  }

  injectHeaders(headers: Record<string, string> | undefined): Record<string, string> {
    const out: Record<string, string> = { ...headers };
    for (const key of TRACE_KEYS) delete out[key];
    this.#propagator.inject(this.#context, out, { set: (carrier, key, value) => { carrier[key] = value; } });
    return out;
  }

  /** Into a copy of `params._meta` (2026-07-28 basic/index), the client's keys replaced; the client's object is never changed. */
  injectMeta(params: Record<string, unknown>): void {
    const existing = params._meta;
    const meta: Record<string, unknown> = typeof existing === 'object' && existing !== null ? { ...(existing as Record<string, unknown>) } : {};
    for (const key of TRACE_KEYS) delete meta[key];
    this.#propagator.inject(this.#context, meta, { set: (carrier, key, value) => { carrier[key] = value; } });
    params._meta = meta;
  }

  end(status: ExchangeStatus, errorCode?: number | string): void {
    if (this.#span !== undefined) endWithOutcome(this.#span, status, errorCode);
  }
}

class OtelPolicyChainTrace implements PolicyChainTrace {
  readonly #span: Span;
  constructor(span: Span) {
    this.#span = span;
  }
  end(decisions: readonly PolicyDecisionLike[]): void {
    for (const decision of decisions) {
      this.#span.addEvent('policy decision', { [GATEHOUSE_ATTRIBUTES.policyName]: decision.policy, [GATEHOUSE_ATTRIBUTES.policyDecision]: decision.decision });
      if (decision.decision === 'deny') this.#span.setAttribute(GATEHOUSE_ATTRIBUTES.deniedBy, decision.policy);
    }
    this.#span.end(hrTime());
  }
}

class OtelStageTrace implements StageTrace {
  readonly #span: Span;
  constructor(span: Span) {
    this.#span = span;
  }
  end(error?: unknown): void {
    if (error !== undefined) {
      // The semantic conventions' exception event (exceptions/exceptions-spans.md).
      this.#span.recordException(error instanceof Error ? error : String(error));
      this.#span.setAttribute(ERROR_ATTRIBUTES.errorType, errorName(error));
      this.#span.setStatus({ code: SpanStatusCode.ERROR });
    }
    this.#span.end(hrTime());
  }
}

function endWithOutcome(span: Span, status: ExchangeStatus, errorCode: number | string | undefined): void {
  if (!span.isRecording()) return span.end();
  span.setAttribute(GATEHOUSE_ATTRIBUTES.status, status);
  if (typeof errorCode === 'number') span.setAttribute(ERROR_ATTRIBUTES.rpcStatusCode, String(errorCode));
  const errorType = errorTypeOf(status, errorCode);
  if (errorType !== undefined) {
    span.setAttribute(ERROR_ATTRIBUTES.errorType, errorType);
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end(hrTime());
}

function withDeadline(work: Promise<void>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TraceExportError(`trace export did not finish within ${timeoutMs} ms of shutdown; the remaining spans are dropped`)), timeoutMs);
    timer.unref();
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

function errorName(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' || typeof code === 'number') return String(code);
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string') return name;
  }
  return '_OTHER';
}
