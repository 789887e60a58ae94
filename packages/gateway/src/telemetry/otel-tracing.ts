// Tracing switched on: an OpenTelemetry TracerProvider of the gateway's own
// (never the global one, so tests and embedders can run several), a
// parent-based ratio sampler, batched OTLP/HTTP export as JSON. Spans are
// parented explicitly through Contexts held by each MessageTrace, so no
// async-hooks context manager is needed on the hot path.

import type { IncomingHttpHeaders } from 'node:http';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, defaultTextMapGetter, defaultTextMapSetter, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, TracerProvider } from '@opentelemetry/sdk-trace';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ATTR_SERVICE_INSTANCE_ID, ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions/incubating';
import type { ExchangeStatus, PolicyDecisionLike } from './exchange-outcome.ts';
import type { BackendCallTrace, GatewayTracing, MessageTrace, PolicyChainTrace, StageTrace, TracedMessage, TracingOptions } from './tracing.ts';
import { readTraceCarrier, writeMetaCarrier, TRACE_KEYS } from './trace-context.ts';
import { ERROR_ATTRIBUTES, GATEHOUSE_ATTRIBUTES, errorTypeOf, mcpRequestAttributes, mcpSpanName } from './mcp-span-attributes.ts';
import { GATEWAY_VERSION } from '../version.ts';

const DEFAULT_ENDPOINT = 'http://127.0.0.1:4318/v1/traces';

export class TracingConfigError extends Error {
  readonly code = 'tracing_config_invalid';
  constructor(message: string) {
    super(message);
    this.name = 'TracingConfigError';
  }
}

const propagator = new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });

export function createOtelTracing(options: TracingOptions): GatewayTracing {
  const ratio = options.samplingRatio ?? 1;
  if (!(ratio >= 0 && ratio <= 1)) throw new TracingConfigError(`tracing sampling ratio must be between 0 and 1, got ${ratio}; use 1 to record every trace`);
  const endpoint = options.endpoint ?? process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? DEFAULT_ENDPOINT;
  if (!/^https?:\/\//.test(endpoint)) throw new TracingConfigError(`tracing endpoint must be an http(s) URL of an OTLP/HTTP receiver (…/v1/traces), got "${endpoint}"`);

  const resourceAttributes: Record<string, string> = {
    [ATTR_SERVICE_NAME]: options.serviceName ?? 'gatehouse',
    [ATTR_SERVICE_VERSION]: options.serviceVersion ?? GATEWAY_VERSION,
  };
  if (options.serviceInstanceId !== undefined) resourceAttributes[ATTR_SERVICE_INSTANCE_ID] = options.serviceInstanceId;
  const exporter = new OTLPTraceExporter({ url: endpoint, headers: { ...options.exporterHeaders } });
  const provider = new TracerProvider({
    resource: resourceFromAttributes(resourceAttributes),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter,
        scheduledDelayMillis: options.exportDelayMs ?? 1000,
        maxQueueSize: options.maxQueueSize ?? 2048,
      }),
    ],
  });
  const tracer = provider.getTracer('gatehouse', GATEWAY_VERSION);

  return {
    isEnabled: true,
    startMessage: (message, headers, protocolVersion, sessionId) => new OtelMessageTrace(tracer, message, headers, protocolVersion, sessionId),
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

class OtelMessageTrace implements MessageTrace {
  readonly traceId: string;
  readonly isRecording: boolean;
  readonly #tracer: Tracer;
  readonly #span: Span;
  readonly #context: Context;

  constructor(tracer: Tracer, message: TracedMessage, headers: IncomingHttpHeaders | undefined, protocolVersion: string | undefined, sessionId: string | undefined) {
    this.#tracer = tracer;
    const carrier = readTraceCarrier(headers, message.params?._meta);
    const parent = carrier === undefined ? ROOT_CONTEXT : propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
    this.#span = tracer.startSpan(
      mcpSpanName(message.method, message.params),
      { kind: SpanKind.SERVER, attributes: mcpRequestAttributes(message.method, message.params, message.id, protocolVersion, sessionId, 'http') },
      parent,
    );
    // The child context keeps the parent's baggage, so the backend receives it too.
    this.#context = trace.setSpan(parent, this.#span);
    this.traceId = this.#span.spanContext().traceId;
    this.isRecording = this.#span.isRecording();
  }

  setTarget(server: string): void {
    if (this.isRecording) this.#span.setAttribute(GATEHOUSE_ATTRIBUTES.backend, server);
  }

  startPolicyChain(): PolicyChainTrace {
    return new OtelPolicyChainTrace(this.#tracer.startSpan('policy chain', { kind: SpanKind.INTERNAL }, this.#context));
  }

  startBackendCall(server: string, method: string, name: string | undefined, transport: 'http' | 'stdio'): BackendCallTrace {
    const params = name === undefined ? undefined : method === 'resources/read' ? { uri: name } : { name };
    const attributes = mcpRequestAttributes(method, params, undefined, undefined, undefined, transport);
    attributes[GATEHOUSE_ATTRIBUTES.backend] = server;
    const span = this.#tracer.startSpan(mcpSpanName(method, params), { kind: SpanKind.CLIENT, attributes }, this.#context);
    return new OtelBackendCallTrace(span, trace.setSpan(this.#context, span));
  }

  startAuditWrite(): StageTrace {
    return new OtelStageTrace(this.#tracer.startSpan('audit write', { kind: SpanKind.INTERNAL }, this.#context));
  }

  end(status: ExchangeStatus, errorCode?: number): void {
    endWithOutcome(this.#span, status, errorCode);
  }
}

class OtelBackendCallTrace implements BackendCallTrace {
  readonly #span: Span;
  readonly #context: Context;
  constructor(span: Span, context: Context) {
    this.#span = span;
    this.#context = context;
  }

  injectHeaders(headers: Record<string, string> | undefined): Record<string, string> | undefined {
    const out: Record<string, string> = { ...headers };
    delete out[TRACE_KEYS.tracestate];
    delete out[TRACE_KEYS.baggage];
    propagator.inject(this.#context, out, defaultTextMapSetter);
    return out;
  }

  injectMeta(params: Record<string, unknown>): void {
    const carrier: Record<string, string> = {};
    propagator.inject(this.#context, carrier, defaultTextMapSetter);
    const traceparent = carrier[TRACE_KEYS.traceparent];
    if (traceparent !== undefined) writeMetaCarrier(params, traceparent, carrier[TRACE_KEYS.tracestate], carrier[TRACE_KEYS.baggage]);
  }

  end(status: ExchangeStatus, errorCode?: number): void {
    endWithOutcome(this.#span, status, errorCode);
  }
}

class OtelPolicyChainTrace implements PolicyChainTrace {
  readonly #span: Span;
  constructor(span: Span) {
    this.#span = span;
  }
  end(decisions: readonly PolicyDecisionLike[]): void {
    if (this.#span.isRecording()) {
      for (const decision of decisions) {
        this.#span.addEvent('policy decision', { [GATEHOUSE_ATTRIBUTES.policyName]: decision.policy, [GATEHOUSE_ATTRIBUTES.policyDecision]: decision.decision });
        if (decision.decision === 'deny') this.#span.setAttribute(GATEHOUSE_ATTRIBUTES.deniedBy, decision.policy);
      }
    }
    this.#span.end();
  }
}

class OtelStageTrace implements StageTrace {
  readonly #span: Span;
  constructor(span: Span) {
    this.#span = span;
  }
  end(error?: unknown): void {
    if (error !== undefined && this.#span.isRecording()) {
      this.#span.recordException(error instanceof Error ? error : String(error));
      this.#span.setAttribute(ERROR_ATTRIBUTES.errorType, errorName(error));
      this.#span.setStatus({ code: SpanStatusCode.ERROR });
    }
    this.#span.end();
  }
}

function endWithOutcome(span: Span, status: ExchangeStatus, errorCode: number | undefined): void {
  if (span.isRecording()) {
    span.setAttribute(GATEHOUSE_ATTRIBUTES.status, status);
    const errorType = errorTypeOf(status, errorCode);
    if (errorCode !== undefined) span.setAttribute(ERROR_ATTRIBUTES.rpcStatusCode, String(errorCode));
    if (errorType !== undefined) {
      span.setAttribute(ERROR_ATTRIBUTES.errorType, errorType);
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
  }
  span.end();
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
