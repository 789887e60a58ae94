// Continues the caller's W3C trace (Trace Context section 3.2) from the
// request's `_meta` (2026-07-28 basic/index, "OpenTelemetry trace context";
// the gateway puts its own span there when it forwards a call), so the
// server's logs and audit records carry the trace id the gateway's carry.

import { randomBytes } from 'node:crypto';

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

export interface TraceContext {
  traceId: string;
  /** The caller's span: the parent of this server's span. Absent when the server started the trace. */
  parentSpanId: string | undefined;
  /** This server's span for the operation. */
  spanId: string;
  isSampled: boolean;
  /** The `traceparent` to pass to downstream calls made inside the operation. */
  traceparent: string;
}

function newSpanId(): string {
  return randomBytes(8).toString('hex');
}

/** Continues the trace of a valid `traceparent`, or starts a new one (all-zero ids and version ff are invalid, section 3.2.2). */
export function continueTrace(traceparent: unknown): TraceContext {
  const match = typeof traceparent === 'string' ? TRACEPARENT.exec(traceparent.trim()) : null;
  const spanId = newSpanId();
  if (match !== null && match[1] !== 'ff' && !/^0+$/.test(match[2]!) && !/^0+$/.test(match[3]!)) {
    const isSampled = (Number.parseInt(match[4]!, 16) & 1) === 1;
    return { traceId: match[2]!, parentSpanId: match[3]!, spanId, isSampled, traceparent: `00-${match[2]}-${spanId}-${match[4]}` };
  }
  const traceId = randomBytes(16).toString('hex');
  return { traceId, parentSpanId: undefined, spanId, isSampled: false, traceparent: `00-${traceId}-${spanId}-00` };
}

/** The `traceparent` of a request: in `_meta` (either era), else none. */
export function traceparentOf(meta: Record<string, unknown> | undefined, envelope: Record<string, unknown> | undefined): unknown {
  return meta?.traceparent ?? envelope?.traceparent;
}
