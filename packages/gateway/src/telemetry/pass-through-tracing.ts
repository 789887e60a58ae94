// Tracing switched off: nothing is recorded, but a client's trace context is
// still handed to the backend, so a trace the client started continues in the
// backend with the gateway invisible in it. A message without context gets one
// shared no-op object: no allocation, no SDK loaded.

import type { IncomingHttpHeaders } from 'node:http';
import type { BackendCallTrace, GatewayTracing, MessageTrace, PolicyChainTrace, StageTrace, TracedMessage } from './tracing.ts';
import { readTraceCarrier, withHeaderCarrier, writeMetaCarrier, type TraceCarrier } from './trace-context.ts';

const NOOP_STAGE: StageTrace & PolicyChainTrace = { end() {} };

const NOOP_BACKEND_CALL: BackendCallTrace = {
  injectHeaders: (headers) => headers,
  injectMeta() {},
  end() {},
};

/** The trace of a message that carries no trace context while tracing is off. */
export const NOOP_MESSAGE_TRACE: MessageTrace = {
  traceId: undefined,
  isRecording: false,
  setTarget() {},
  startPolicyChain: () => NOOP_STAGE,
  startBackendCall: () => NOOP_BACKEND_CALL,
  startAuditWrite: () => NOOP_STAGE,
  end() {},
};

class PassThroughBackendCall implements BackendCallTrace {
  readonly #carrier: TraceCarrier;
  constructor(carrier: TraceCarrier) {
    this.#carrier = carrier;
  }
  injectHeaders(headers: Record<string, string> | undefined): Record<string, string> | undefined {
    return withHeaderCarrier(headers, this.#carrier.traceparent, this.#carrier.tracestate, this.#carrier.baggage);
  }
  injectMeta(params: Record<string, unknown>): void {
    writeMetaCarrier(params, this.#carrier.traceparent, this.#carrier.tracestate, this.#carrier.baggage);
  }
  end(): void {}
}

class PassThroughMessage implements MessageTrace {
  readonly traceId: string;
  readonly isRecording = false;
  readonly #backendCall: PassThroughBackendCall;
  constructor(carrier: TraceCarrier) {
    this.traceId = carrier.traceId;
    this.#backendCall = new PassThroughBackendCall(carrier);
  }
  setTarget(): void {}
  startPolicyChain(): PolicyChainTrace {
    return NOOP_STAGE;
  }
  startBackendCall(): BackendCallTrace {
    return this.#backendCall;
  }
  startAuditWrite(): StageTrace {
    return NOOP_STAGE;
  }
  end(): void {}
}

export function createPassThroughTracing(): GatewayTracing {
  return {
    isEnabled: false,
    startMessage(message: TracedMessage, headers: IncomingHttpHeaders | undefined): MessageTrace {
      // The cheap checks first: most messages carry no context at all.
      const meta = message.params?._meta;
      const hasMetaContext = typeof meta === 'object' && meta !== null && (meta as Record<string, unknown>).traceparent !== undefined;
      if (headers?.traceparent === undefined && !hasMetaContext) return NOOP_MESSAGE_TRACE;
      const carrier = readTraceCarrier(headers, meta);
      return carrier === undefined ? NOOP_MESSAGE_TRACE : new PassThroughMessage(carrier);
    },
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
}
