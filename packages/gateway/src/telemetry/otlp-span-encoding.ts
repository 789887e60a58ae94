// The gateway's finished spans as OTLP export requests (opentelemetry-proto
// trace/v1/trace.proto, collector/trace/v1/trace_service.proto): protobuf,
// written straight into a batch buffer as each span ends, or OTLP/JSON
// (OTLP specification, "JSON Protobuf Encoding": hex ids, enums as numbers,
// 64-bit integers as decimal strings). Pure: otlp-span-export.ts sends them.

/** OTLP SpanKind values (trace.proto `Span.SpanKind`). */
export const OTLP_SPAN_KIND = { internal: 1, server: 2, client: 3 } as const;
/** OTLP `Status.StatusCode` values. */
export const OTLP_STATUS = { unset: 0, error: 2 } as const;

export interface SpanEvent {
  readonly name: string;
  /** Milliseconds since the Unix epoch, sub-millisecond precision. */
  readonly timeMs: number;
  /** Flat key, value, key, value... list of string attributes. */
  readonly attributes: readonly string[];
}

/** What the exporter needs of one ended span. Attribute values are all strings in the gateway's spans. */
export interface FinishedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  /** Whether the parent came from another process (a client's traceparent), for `Span.flags`. */
  readonly isParentRemote: boolean;
  readonly traceState: string | undefined;
  readonly name: string;
  readonly kind: number;
  readonly startMs: number;
  readonly endMs: number;
  /** Flat key, value, key, value... list. */
  readonly attributes: readonly string[];
  readonly events: readonly SpanEvent[] | undefined;
  readonly statusCode: number;
}

export interface SpanBatchEncoder {
  /** Adds one span to the batch being built. */
  append(span: FinishedSpan): void;
  readonly count: number;
  /** The export request for the spans appended so far; starts a new batch. */
  seal(): Uint8Array;
  readonly contentType: string;
}

export interface ExportResource {
  /** Resource attributes (service.name and the like), string values. */
  readonly attributes: Readonly<Record<string, string>>;
  readonly scopeName: string;
  readonly scopeVersion: string;
}

// Span.flags: the low byte is the W3C trace flags; bit 8 says whether bit 9 (the parent is remote) is known.
const FLAGS_HAS_IS_REMOTE = 0x100;
const FLAGS_IS_REMOTE = 0x200;
const SAMPLED = 1;

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;
const tag = (field: number, wire: number) => (field << 3) | wire;

/**
 * A protobuf writer over a growing Buffer. Lengths of nested messages are
 * reserved as one byte and the body is moved when it turns out longer than
 * 127 bytes: most of the gateway's nested messages (attributes, status) are
 * short, so most lengths cost nothing extra.
 */
class ProtobufWriter {
  buffer: Buffer;
  position = 0;
  constructor(size: number) {
    this.buffer = Buffer.allocUnsafe(size);
  }

  ensure(bytes: number): void {
    if (this.position + bytes <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.position + bytes) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buffer.copy(grown, 0, 0, this.position);
    this.buffer = grown;
  }

  varint(value: number): void {
    this.ensure(10);
    while (value > 127) {
      this.buffer[this.position++] = (value & 127) | 128;
      value = Math.floor(value / 128);
    }
    this.buffer[this.position++] = value;
  }

  /** Reserves the one-byte length of a nested message; returns where its body starts. */
  begin(field: number): number {
    this.ensure(2);
    this.buffer[this.position++] = tag(field, WIRE_LEN);
    this.position++;
    return this.position;
  }

  end(bodyStart: number): void {
    const length = this.position - bodyStart;
    if (length < 128) {
      this.buffer[bodyStart - 1] = length;
      return;
    }
    let extra = 1;
    while (length >= 128 ** (extra + 1)) extra++;
    this.ensure(extra);
    this.buffer.copy(this.buffer, bodyStart + extra, bodyStart, this.position);
    this.position += extra;
    let value = length;
    let at = bodyStart - 1;
    while (value > 127) {
      this.buffer[at++] = (value & 127) | 128;
      value = Math.floor(value / 128);
    }
    this.buffer[at] = value;
  }

  string(field: number, value: string): void {
    const length = value.length;
    // ASCII (every name and id the gateway writes, nearly every value) is copied byte by byte; else UTF-8.
    if (length < 128) {
      this.ensure(length + 2);
      const start = this.position;
      this.buffer[start] = tag(field, WIRE_LEN);
      this.buffer[start + 1] = length;
      let at = start + 2;
      for (let index = 0; index < length; index++) {
        const code = value.charCodeAt(index);
        if (code > 127) {
          at = -1;
          break;
        }
        this.buffer[at++] = code;
      }
      if (at !== -1) {
        this.position = at;
        return;
      }
    }
    const bytes = Buffer.byteLength(value, 'utf8');
    this.varint(tag(field, WIRE_LEN));
    this.varint(bytes);
    this.ensure(bytes);
    this.position += this.buffer.write(value, this.position, bytes, 'utf8');
  }

  hex(field: number, value: string): void {
    const bytes = value.length >> 1;
    this.ensure(bytes + 2);
    this.buffer[this.position++] = tag(field, WIRE_LEN);
    this.buffer[this.position++] = bytes;
    this.position += this.buffer.write(value, this.position, bytes, 'hex');
  }

  /** Epoch milliseconds as fixed64 nanoseconds. */
  nanos(field: number, epochMs: number): void {
    this.ensure(9);
    this.buffer[this.position++] = tag(field, WIRE_FIXED64);
    // Doubles hold the nanoseconds to within 256 ns, finer than the clock the times come from.
    const nanos = Math.round(epochMs * 1e6);
    const high = Math.floor(nanos / 4294967296);
    this.buffer.writeUInt32LE(nanos - high * 4294967296, this.position);
    this.buffer.writeUInt32LE(high, this.position + 4);
    this.position += 8;
  }

  fixed32(field: number, value: number): void {
    this.varint(tag(field, WIRE_FIXED32));
    this.ensure(4);
    this.buffer.writeUInt32LE(value, this.position);
    this.position += 4;
  }

  uint(field: number, value: number): void {
    this.varint(tag(field, WIRE_VARINT));
    this.varint(value);
  }

  /** KeyValue { key, value: AnyValue { string_value } } entries, from a flat key, value list. */
  stringAttributes(field: number, attributes: readonly string[]): void {
    for (let index = 0; index < attributes.length; index += 2) {
      const keyValue = this.begin(field);
      this.string(1, attributes[index]!);
      const anyValue = this.begin(2);
      this.string(1, attributes[index + 1]!);
      this.end(anyValue);
      this.end(keyValue);
    }
  }
}

function flatAttributes(record: Readonly<Record<string, string>>): string[] {
  return Object.entries(record).flat();
}

/** OTLP protobuf (`application/x-protobuf`): each span is encoded as it is appended; `seal` only adds the envelope. */
export function createProtobufBatchEncoder(resource: ExportResource): SpanBatchEncoder {
  // Resource and InstrumentationScope never change: encoded once.
  const head = new ProtobufWriter(512);
  const resourceStart = head.begin(1);
  head.stringAttributes(1, flatAttributes(resource.attributes));
  head.end(resourceStart);
  const resourceBytes = Buffer.from(head.buffer.subarray(0, head.position));
  head.position = 0;
  const scopeStart = head.begin(1);
  head.string(1, resource.scopeName);
  head.string(2, resource.scopeVersion);
  head.end(scopeStart);
  const scopeBytes = Buffer.from(head.buffer.subarray(0, head.position));

  let spans = new ProtobufWriter(64 * 1024);
  let count = 0;
  return {
    contentType: 'application/x-protobuf',
    get count() {
      return count;
    },
    append(span) {
      writeSpan(spans, span);
      count++;
    },
    seal() {
      // ExportTraceServiceRequest { resource_spans = 1: ResourceSpans { resource = 1, scope_spans = 2: ScopeSpans { scope = 1, spans = 2... } } }
      const scopeSpansLength = scopeBytes.length + spans.position;
      const resourceSpansLength = resourceBytes.length + lengthOfField(scopeSpansLength);
      const envelope = new ProtobufWriter(32);
      envelope.varint(tag(1, WIRE_LEN));
      envelope.varint(resourceSpansLength);
      const header = Buffer.from(envelope.buffer.subarray(0, envelope.position));
      envelope.position = 0;
      envelope.varint(tag(2, WIRE_LEN));
      envelope.varint(scopeSpansLength);
      const body = Buffer.concat([header, resourceBytes, envelope.buffer.subarray(0, envelope.position), scopeBytes, spans.buffer.subarray(0, spans.position)]);
      spans = new ProtobufWriter(Math.max(64 * 1024, spans.buffer.length));
      count = 0;
      return body;
    },
  };
}

/** The bytes of a length-delimited field whose body is `length` bytes: tag, length varint, body. */
function lengthOfField(length: number): number {
  let varintBytes = 1;
  while (length >= 128 ** varintBytes) varintBytes++;
  return 1 + varintBytes + length;
}

function writeSpan(writer: ProtobufWriter, span: FinishedSpan): void {
  // ScopeSpans.spans = 2; Span fields in trace.proto order, as the OpenTelemetry JS serializer writes them.
  const start = writer.begin(2);
  writer.hex(1, span.traceId);
  writer.hex(2, span.spanId);
  if (span.traceState !== undefined && span.traceState !== '') writer.string(3, span.traceState);
  if (span.parentSpanId !== undefined) writer.hex(4, span.parentSpanId);
  writer.string(5, span.name);
  writer.uint(6, span.kind);
  writer.nanos(7, span.startMs);
  writer.nanos(8, span.endMs);
  writer.stringAttributes(9, span.attributes);
  if (span.events !== undefined) {
    for (const event of span.events) {
      const eventStart = writer.begin(11);
      writer.nanos(1, event.timeMs);
      writer.string(2, event.name);
      writer.stringAttributes(3, event.attributes);
      writer.end(eventStart);
    }
  }
  if (span.statusCode !== OTLP_STATUS.unset) {
    const statusStart = writer.begin(15);
    writer.uint(3, span.statusCode);
    writer.end(statusStart);
  }
  writer.fixed32(16, spanFlags(span));
  writer.end(start);
}

function spanFlags(span: FinishedSpan): number {
  return SAMPLED | FLAGS_HAS_IS_REMOTE | (span.isParentRemote ? FLAGS_IS_REMOTE : 0);
}

/** OTLP/JSON (`application/json`), for collectors without protobuf and for reading exports in tests. */
export function createJsonBatchEncoder(resource: ExportResource): SpanBatchEncoder {
  const resourceJson = { attributes: jsonAttributes(flatAttributes(resource.attributes)) };
  const scopeJson = { name: resource.scopeName, version: resource.scopeVersion };
  let spans: unknown[] = [];
  return {
    contentType: 'application/json',
    get count() {
      return spans.length;
    },
    append(span) {
      spans.push({
        traceId: span.traceId,
        spanId: span.spanId,
        ...(span.traceState === undefined || span.traceState === '' ? {} : { traceState: span.traceState }),
        ...(span.parentSpanId === undefined ? {} : { parentSpanId: span.parentSpanId }),
        name: span.name,
        kind: span.kind,
        startTimeUnixNano: nanosText(span.startMs),
        endTimeUnixNano: nanosText(span.endMs),
        attributes: jsonAttributes(span.attributes),
        events: (span.events ?? []).map((event) => ({ timeUnixNano: nanosText(event.timeMs), name: event.name, attributes: jsonAttributes(event.attributes) })),
        status: span.statusCode === OTLP_STATUS.unset ? {} : { code: span.statusCode },
        flags: spanFlags(span),
      });
    },
    seal() {
      const body = Buffer.from(JSON.stringify({ resourceSpans: [{ resource: resourceJson, scopeSpans: [{ scope: scopeJson, spans }] }] }));
      spans = [];
      return body;
    },
  };
}

function jsonAttributes(attributes: readonly string[]): Array<{ key: string; value: { stringValue: string } }> {
  const out: Array<{ key: string; value: { stringValue: string } }> = [];
  for (let index = 0; index < attributes.length; index += 2) out.push({ key: attributes[index]!, value: { stringValue: attributes[index + 1]! } });
  return out;
}

function nanosText(epochMs: number): string {
  return String(Math.round(epochMs * 1e6));
}
