// Tracing switched on: OpenTelemetry spans for every MCP message (semantic
// conventions in mcp-span-attributes.ts), W3C trace context in and out, a
// parent-based ratio sampler, batched OTLP/HTTP export (protobuf by default,
// JSON on request). The spans are the gateway's own small records, parented
// explicitly and encoded as they end (otlp-span-encoding.ts): through the
// OpenTelemetry SDK's tracer, spans and serializer a traced tools/call cost
// 20-38 µs of CPU, this way ~6 µs (docs/observability.md, "Cost").

import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ATTR_SERVICE_INSTANCE_ID, ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions/incubating';
import type { ExchangeStatus, PolicyDecisionLike } from './exchange-outcome.ts';
import type { BackendCallTrace, GatewayTracing, MessageTrace, PolicyChainTrace, StageTrace, TracedMessage, TracingOptions } from './tracing.ts';
import { readTraceCarrier, withHeaderCarrier, writeMetaCarrier } from './trace-context.ts';
import { ERROR_ATTRIBUTES, GATEHOUSE_ATTRIBUTES, addMcpRequestAttributes, errorTypeOf, mcpSpanName } from './mcp-span-attributes.ts';
import { createJsonBatchEncoder, createProtobufBatchEncoder, OTLP_SPAN_KIND, OTLP_STATUS, type FinishedSpan, type SpanEvent } from './otlp-span-encoding.ts';
import { SpanExportQueue, TraceExportError } from './otlp-span-export.ts';
import { GATEWAY_VERSION } from '../version.ts';

const DEFAULT_ENDPOINT = 'http://127.0.0.1:4318/v1/traces';
const MAX_EXPORT_BATCH_SIZE = 512;

export class TracingConfigError extends Error {
  readonly code = 'tracing_config_invalid';
  constructor(message: string) {
    super(message);
    this.name = 'TracingConfigError';
  }
}

const NOOP_STAGE: StageTrace & PolicyChainTrace = { end() {} };

export async function createOtelTracing(options: TracingOptions): Promise<GatewayTracing> {
  const ratio = options.samplingRatio ?? 1;
  if (!(ratio >= 0 && ratio <= 1)) throw new TracingConfigError(`tracing sampling ratio must be between 0 and 1, got ${ratio}; use 1 to record every trace`);
  const endpoint = options.endpoint ?? process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? DEFAULT_ENDPOINT;
  if (options.protocol !== undefined && options.protocol !== 'http/json' && options.protocol !== 'http/protobuf') {
    throw new TracingConfigError(`tracing protocol must be "http/protobuf" or "http/json", got "${String(options.protocol)}"`);
  }
  if (!/^https?:\/\//.test(endpoint)) throw new TracingConfigError(`tracing endpoint must be an http(s) URL of an OTLP/HTTP receiver (…/v1/traces), got "${endpoint}"`);

  const resourceAttributes: Record<string, string> = {
    [ATTR_SERVICE_NAME]: options.serviceName ?? 'gatehouse',
    [ATTR_SERVICE_VERSION]: options.serviceVersion ?? GATEWAY_VERSION,
  };
  if (options.serviceInstanceId !== undefined) resourceAttributes[ATTR_SERVICE_INSTANCE_ID] = options.serviceInstanceId;
  const resource = { attributes: resourceAttributes, scopeName: 'gatehouse', scopeVersion: GATEWAY_VERSION };
  // Protobuf costs less CPU per span than JSON and 56% fewer bytes (docs/observability.md, "Cost").
  const encoder = options.protocol === 'http/json' ? createJsonBatchEncoder(resource) : createProtobufBatchEncoder(resource);
  const queue = new SpanExportQueue({
    url: endpoint,
    encoder,
    headers: { ...options.exporterHeaders },
    delayMs: options.exportDelayMs ?? 1000,
    maxBatchSize: MAX_EXPORT_BATCH_SIZE,
    maxQueueSize: options.maxQueueSize ?? 2048,
    timeoutMs: options.exportTimeoutMs ?? 10_000,
    ...(options.onExportError === undefined ? {} : { onError: options.onExportError }),
  });
  const pipeline: Pipeline = { queue, isRootSampled: rootSampler(ratio) };

  return {
    isEnabled: true,
    startMessage: (message, headers, protocolVersion, sessionId) => new OtelMessageTrace(pipeline, message, headers, protocolVersion, sessionId),
    forceFlush: () => queue.flush(),
    // Stopping the gateway must not fail or hang because the collector is away (the export retries for
    // seconds); what could not be sent by the deadline is dropped and reported.
    // A failed batch was reported by the queue as it failed; only the deadline is news here.
    shutdown: () => withDeadline(queue.shutdown(), options.shutdownTimeoutMs ?? 5000).catch((error: unknown) => {
      if (!(error instanceof TraceExportError)) options.onExportError?.(error);
    }),
  };
}

interface Pipeline {
  readonly queue: SpanExportQueue;
  /** The sampling decision for a trace the gateway starts (no parent). */
  readonly isRootSampled: (traceId: string) => boolean;
}

/**
 * TraceIdRatioBased on the trace id's lowest 56 bits, the random part W3C
 * Trace Context level 2 guarantees (section 3.2.2.4): the same trace id gets
 * the same decision in every process that samples this way.
 */
function rootSampler(ratio: number): (traceId: string) => boolean {
  if (ratio >= 1) return () => true;
  if (ratio <= 0) return () => false;
  const threshold = ratio * 2 ** 56;
  return (traceId) => Number.parseInt(traceId.slice(18), 16) < threshold;
}

// Ids come from one crypto-random pool refilled 4 KiB at a time: one randomBytes call per ~170 messages.
const ID_POOL_BYTES = 4096;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);
let idPool = Buffer.alloc(0);
let idPoolOffset = 0;
function randomHex(bytes: number): string {
  for (;;) {
    if (idPoolOffset + bytes > idPool.length) {
      idPool = randomBytes(ID_POOL_BYTES);
      idPoolOffset = 0;
    }
    const hex = idPool.toString('hex', idPoolOffset, idPoolOffset + bytes);
    idPoolOffset += bytes;
    // All-zero ids are invalid (W3C Trace Context section 3.2.2.3-3.2.2.4).
    if (hex !== ZERO_TRACE_ID && hex !== ZERO_SPAN_ID) return hex;
  }
}

function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

/** One recording span: a mutable record until it ends, then handed to the export queue. */
class RecordingSpan implements FinishedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly isParentRemote: boolean;
  readonly traceState: string | undefined;
  readonly name: string;
  readonly kind: number;
  readonly startMs = epochMs();
  endMs = 0;
  readonly attributes: string[];
  events: SpanEvent[] | undefined = undefined;
  statusCode: number = OTLP_STATUS.unset;
  readonly #queue: SpanExportQueue;

  constructor(queue: SpanExportQueue, traceId: string, spanId: string, parentSpanId: string | undefined, isParentRemote: boolean, traceState: string | undefined, name: string, kind: number, attributes: string[]) {
    this.#queue = queue;
    this.traceId = traceId;
    this.spanId = spanId;
    this.parentSpanId = parentSpanId;
    this.isParentRemote = isParentRemote;
    this.traceState = traceState;
    this.name = name;
    this.kind = kind;
    this.attributes = attributes;
  }

  addEvent(name: string, attributes: string[]): void {
    (this.events ??= []).push({ name, timeMs: epochMs(), attributes });
  }

  end(): void {
    if (this.endMs !== 0) return;
    this.endMs = epochMs();
    this.#queue.add(this);
  }
}

class OtelMessageTrace implements MessageTrace {
  readonly traceId: string;
  readonly isRecording: boolean;
  readonly #pipeline: Pipeline;
  readonly #spanId: string;
  readonly #traceState: string | undefined;
  readonly #baggage: string | undefined;
  readonly #span: RecordingSpan | undefined;

  constructor(pipeline: Pipeline, message: TracedMessage, headers: IncomingHttpHeaders | undefined, protocolVersion: string | undefined, sessionId: string | undefined) {
    this.#pipeline = pipeline;
    const carrier = readTraceCarrier(headers, message.params?._meta);
    this.traceId = carrier?.traceId ?? randomHex(16);
    this.#spanId = randomHex(8);
    // Parent-based: a client's sampled flag decides; the ratio decides only for traces the gateway starts.
    this.isRecording = carrier === undefined ? pipeline.isRootSampled(this.traceId) : carrier.isSampled;
    // The backend receives the client's tracestate and baggage with the gateway's span as parent.
    this.#traceState = carrier?.tracestate;
    this.#baggage = carrier?.baggage;
    if (this.isRecording) {
      const attributes: string[] = [];
      addMcpRequestAttributes(attributes, message.method, message.params, message.id, protocolVersion, sessionId, 'http');
      this.#span = new RecordingSpan(pipeline.queue, this.traceId, this.#spanId, carrier?.parentSpanId, carrier !== undefined, this.#traceState, mcpSpanName(message.method, message.params), OTLP_SPAN_KIND.server, attributes);
    }
  }

  setTarget(server: string): void {
    this.#span?.attributes.push(GATEHOUSE_ATTRIBUTES.backend, server);
  }

  #child(name: string, kind: number, attributes: string[]): RecordingSpan {
    return new RecordingSpan(this.#pipeline.queue, this.traceId, randomHex(8), this.#spanId, false, this.#traceState, name, kind, attributes);
  }

  // An unsampled message gets no child spans; the backend is handed the message span's own context,
  // flagged unsampled, so it still joins the same trace id.
  startPolicyChain(): PolicyChainTrace {
    if (!this.isRecording) return NOOP_STAGE;
    return new OtelPolicyChainTrace(this.#child('policy chain', OTLP_SPAN_KIND.internal, []));
  }

  startBackendCall(server: string, method: string, name: string | undefined, transport: 'http' | 'stdio'): BackendCallTrace {
    if (!this.isRecording) return new OtelBackendCallTrace(undefined, `00-${this.traceId}-${this.#spanId}-00`, this.#traceState, this.#baggage);
    const params = name === undefined ? undefined : method === 'resources/read' ? { uri: name } : { name };
    const attributes: string[] = [];
    addMcpRequestAttributes(attributes, method, params, undefined, undefined, undefined, transport);
    attributes.push(GATEHOUSE_ATTRIBUTES.backend, server);
    const span = this.#child(mcpSpanName(method, params), OTLP_SPAN_KIND.client, attributes);
    return new OtelBackendCallTrace(span, `00-${this.traceId}-${span.spanId}-01`, this.#traceState, this.#baggage);
  }

  startAuditWrite(): StageTrace {
    if (!this.isRecording) return NOOP_STAGE;
    return new OtelStageTrace(this.#child('audit write', OTLP_SPAN_KIND.internal, []));
  }

  end(status: ExchangeStatus, errorCode?: number | string): void {
    if (this.#span !== undefined) endWithOutcome(this.#span, status, errorCode);
  }
}

class OtelBackendCallTrace implements BackendCallTrace {
  readonly #span: RecordingSpan | undefined;
  readonly #traceparent: string;
  readonly #traceState: string | undefined;
  readonly #baggage: string | undefined;
  constructor(span: RecordingSpan | undefined, traceparent: string, traceState: string | undefined, baggage: string | undefined) {
    this.#span = span;
    this.#traceparent = traceparent;
    this.#traceState = traceState;
    this.#baggage = baggage;
  }

  injectHeaders(headers: Record<string, string> | undefined): Record<string, string> | undefined {
    return withHeaderCarrier(headers, this.#traceparent, this.#traceState, this.#baggage);
  }

  injectMeta(params: Record<string, unknown>): void {
    writeMetaCarrier(params, this.#traceparent, this.#traceState, this.#baggage);
  }

  end(status: ExchangeStatus, errorCode?: number | string): void {
    if (this.#span !== undefined) endWithOutcome(this.#span, status, errorCode);
  }
}

class OtelPolicyChainTrace implements PolicyChainTrace {
  readonly #span: RecordingSpan;
  constructor(span: RecordingSpan) {
    this.#span = span;
  }
  end(decisions: readonly PolicyDecisionLike[]): void {
    for (const decision of decisions) {
      this.#span.addEvent('policy decision', [GATEHOUSE_ATTRIBUTES.policyName, decision.policy, GATEHOUSE_ATTRIBUTES.policyDecision, decision.decision]);
      if (decision.decision === 'deny') this.#span.attributes.push(GATEHOUSE_ATTRIBUTES.deniedBy, decision.policy);
    }
    this.#span.end();
  }
}

class OtelStageTrace implements StageTrace {
  readonly #span: RecordingSpan;
  constructor(span: RecordingSpan) {
    this.#span = span;
  }
  end(error?: unknown): void {
    if (error !== undefined) {
      // The semantic conventions' exception event (exceptions/exceptions-spans.md).
      const exception = error instanceof Error ? error : undefined;
      const attributes = ['exception.type', exception?.name ?? typeof error, 'exception.message', exception?.message ?? String(error)];
      if (exception?.stack !== undefined) attributes.push('exception.stacktrace', exception.stack);
      this.#span.addEvent('exception', attributes);
      this.#span.attributes.push(ERROR_ATTRIBUTES.errorType, errorName(error));
      this.#span.statusCode = OTLP_STATUS.error;
    }
    this.#span.end();
  }
}

function endWithOutcome(span: RecordingSpan, status: ExchangeStatus, errorCode: number | string | undefined): void {
  span.attributes.push(GATEHOUSE_ATTRIBUTES.status, status);
  const errorType = errorTypeOf(status, errorCode);
  if (typeof errorCode === 'number') span.attributes.push(ERROR_ATTRIBUTES.rpcStatusCode, String(errorCode));
  if (errorType !== undefined) {
    span.attributes.push(ERROR_ATTRIBUTES.errorType, errorType);
    span.statusCode = OTLP_STATUS.error;
  }
  span.end();
}

function withDeadline(work: Promise<void>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`trace export did not finish within ${timeoutMs} ms of shutdown; the remaining spans are dropped`)), timeoutMs);
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
