// W3C trace context as it reaches the gateway: in the HTTP request's
// `traceparent` / `tracestate` / `baggage` headers (W3C Trace Context section
// 3.2-3.3, W3C Baggage section 3) or in the message's `params._meta` under the
// same keys (2026-07-28 basic/index, "OpenTelemetry trace context"). Pure
// functions for tracing off (pass-through-tracing.ts), which hands a client's
// context to the backend without loading the OpenTelemetry SDK; tracing on
// uses the SDK's W3C propagators instead (otel-tracing.ts).

import type { IncomingHttpHeaders } from 'node:http';


/** Trace context taken from one place, values as received. */
export interface TraceCarrier {
  readonly source: 'meta' | 'headers';
  readonly traceparent: string;
  readonly tracestate: string | undefined;
  readonly baggage: string | undefined;
  /** The 32-hex trace id from `traceparent`. */
  readonly traceId: string;
  /** The 16-hex id of the caller's span, the parent of the gateway's. */
  readonly parentSpanId: string;
  /** Whether the caller recorded its span (the `sampled` trace flag, Trace Context section 3.2.2.5). */
  readonly isSampled: boolean;
}

/** The fields of a valid `traceparent`. */
export interface Traceparent {
  readonly traceId: string;
  readonly spanId: string;
  readonly isSampled: boolean;
}

// version "00" is the only one defined; a higher version is parsed by its first
// four fields (Trace Context section 3.2.4, "Versioning of traceparent").
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ALL_ZERO_TRACE = '00000000000000000000000000000000';
const ALL_ZERO_SPAN = '0000000000000000';

/** The fields of a valid `traceparent`, else `undefined` (all-zero ids and version ff are invalid, section 3.2.2). */
export function parseTraceparent(traceparent: string): Traceparent | undefined {
  const match = TRACEPARENT.exec(traceparent.trim());
  if (match === null) return undefined;
  const [, version, traceId, spanId, flags, rest] = match;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ALL_ZERO_TRACE || spanId === ALL_ZERO_SPAN) return undefined;
  return { traceId: traceId!, spanId: spanId!, isSampled: (Number.parseInt(flags!, 16) & 1) === 1 };
}

/** The trace id of a valid `traceparent`, else `undefined`. */
export function traceIdOf(traceparent: string): string | undefined {
  return parseTraceparent(traceparent)?.traceId;
}

/**
 * The trace context a message carries: `_meta` first, because it belongs to
 * this one message (MCP semantic conventions, "Context propagation"), then the
 * HTTP headers. `undefined` when neither holds a valid `traceparent`.
 */
export function readTraceCarrier(headers: IncomingHttpHeaders | undefined, meta: unknown): TraceCarrier | undefined {
  if (typeof meta === 'object' && meta !== null) {
    const fields = meta as Record<string, unknown>;
    const traceparent = fields.traceparent;
    if (typeof traceparent === 'string') {
      const parsed = parseTraceparent(traceparent);
      if (parsed !== undefined) {
        return { source: 'meta', traceparent, tracestate: stringField(fields.tracestate), baggage: stringField(fields.baggage), traceId: parsed.traceId, parentSpanId: parsed.spanId, isSampled: parsed.isSampled };
      }
    }
  }
  const header = headers?.traceparent;
  if (header === undefined) return undefined;
  const traceparent = Array.isArray(header) ? header[0] : header;
  if (traceparent === undefined) return undefined;
  const parsed = parseTraceparent(traceparent);
  if (parsed === undefined) return undefined;
  return {
    source: 'headers',
    traceparent,
    tracestate: joinedHeader(headers!.tracestate),
    baggage: joinedHeader(headers!.baggage),
    traceId: parsed.traceId,
    parentSpanId: parsed.spanId,
    isSampled: parsed.isSampled,
  };
}

/** Sets the three keys on a copy of `params._meta` (never the client's object) and stores it back on `params`. */
export function writeMetaCarrier(params: Record<string, unknown>, traceparent: string, tracestate: string | undefined, baggage: string | undefined): void {
  const existing = params._meta;
  const meta: Record<string, unknown> = typeof existing === 'object' && existing !== null ? { ...(existing as Record<string, unknown>) } : {};
  meta.traceparent = traceparent;
  if (tracestate !== undefined && tracestate !== '') meta.tracestate = tracestate;
  else delete meta.tracestate;
  if (baggage !== undefined && baggage !== '') meta.baggage = baggage;
  else delete meta.baggage;
  params._meta = meta;
}

/** A copy of `headers` (or a new object) with the three keys set; the input is not changed. */
export function withHeaderCarrier(
  headers: Record<string, string> | undefined,
  traceparent: string,
  tracestate: string | undefined,
  baggage: string | undefined,
): Record<string, string> {
  const out: Record<string, string> = { ...headers, traceparent };
  if (tracestate !== undefined && tracestate !== '') out.tracestate = tracestate;
  else delete out.tracestate;
  if (baggage !== undefined && baggage !== '') out.baggage = baggage;
  else delete out.baggage;
  return out;
}

function stringField(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

// Several tracestate or baggage header lines combine with commas (Trace Context section 3.3.1.1; Baggage section 3.2).
function joinedHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}
