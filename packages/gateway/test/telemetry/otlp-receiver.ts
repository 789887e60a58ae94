// A small OTLP/HTTP trace receiver for tests: accepts POST /v1/traces on
// 127.0.0.1, port 0. JSON and protobuf exports are both decoded into spans
// with plain attribute maps (protobuf by a wire-format reader of the
// trace.proto fields a span needs); protobuf bodies are also kept as bytes.
// No Collector is in the registries; this is the part we need.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

type AnyValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
type KeyValue = { key: string; value: AnyValue };

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client. */
  kind: number;
  attributes: Record<string, string | number | boolean>;
  events: Array<{ name: string; attributes: Record<string, string | number | boolean> }>;
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  statusCode: number;
  startNanos: bigint;
  endNanos: bigint;
  /** OTLP `Span.flags`: the W3C trace flags, and bits 8-9 for whether the parent is remote. */
  flags: number;
  resource: Record<string, string | number | boolean>;
}

export const SPAN_KIND = { internal: 1, server: 2, client: 3 } as const;

export interface OtlpReceiver {
  /** The traces URL to give the exporter. */
  url: string;
  spans: ReceivedSpan[];
  /** Content types of the export requests received. */
  contentTypes: string[];
  /** Bodies of `application/x-protobuf` exports, as received. */
  protobufBodies: Buffer[];
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const contentTypes: string[] = [];
  const protobufBodies: Buffer[] = [];
  const server: Server = createServer((request, response) => {
    if (request.method !== 'POST' || request.url !== '/v1/traces') {
      response.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const contentType = request.headers['content-type'] ?? '';
      contentTypes.push(contentType);
      if (contentType.startsWith('application/x-protobuf')) {
        const body = Buffer.concat(chunks);
        protobufBodies.push(body);
        try {
          spans.push(...decodeProtobufExport(body));
          response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
        } catch (error) {
          response.writeHead(400, { 'content-type': 'text/plain' }).end(String(error));
        }
        return;
      }
      try {
        spans.push(...flatten(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } catch (error) {
        response.writeHead(400, { 'content-type': 'text/plain' }).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    spans,
    contentTypes,
    protobufBodies,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function flatten(body: { resourceSpans?: Array<{ resource?: { attributes?: KeyValue[] }; scopeSpans?: Array<{ spans?: unknown[] }> }> }): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const resourceSpans of body.resourceSpans ?? []) {
    const resource = attributesOf(resourceSpans.resource?.attributes);
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const raw of (scopeSpans.spans ?? []) as Array<Record<string, unknown>>) {
        out.push({
          traceId: raw.traceId as string,
          spanId: raw.spanId as string,
          parentSpanId: (raw.parentSpanId as string | undefined) || undefined,
          name: raw.name as string,
          kind: raw.kind as number,
          attributes: attributesOf(raw.attributes as KeyValue[] | undefined),
          events: ((raw.events as Array<{ name: string; attributes?: KeyValue[] }> | undefined) ?? []).map((event) => ({
            name: event.name,
            attributes: attributesOf(event.attributes),
          })),
          statusCode: (raw.status as { code?: number } | undefined)?.code ?? 0,
          startNanos: BigInt(raw.startTimeUnixNano as string),
          endNanos: BigInt(raw.endTimeUnixNano as string),
          flags: (raw.flags as number | undefined) ?? 0,
          resource,
        });
      }
    }
  }
  return out;
}

function attributesOf(list: KeyValue[] | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const { key, value } of list ?? []) {
    if (value.stringValue !== undefined) out[key] = value.stringValue;
    else if (value.intValue !== undefined) out[key] = Number(value.intValue);
    else if (value.boolValue !== undefined) out[key] = value.boolValue;
    else if (value.doubleValue !== undefined) out[key] = value.doubleValue;
  }
  return out;
}

type Field = { field: number; wire: number; varint: number; bytes: Buffer };

/** The fields of one protobuf message, in order (varints up to 2^53; fixed64 kept as its 8 bytes). */
function readFields(buffer: Buffer): Field[] {
  const fields: Field[] = [];
  let at = 0;
  const varint = () => {
    let value = 0;
    let scale = 1;
    for (;;) {
      const byte = buffer[at++];
      if (byte === undefined) throw new Error('protobuf: truncated varint');
      value += (byte & 127) * scale;
      if (byte < 128) return value;
      scale *= 128;
    }
  };
  while (at < buffer.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) fields.push({ field, wire, varint: varint(), bytes: Buffer.alloc(0) });
    else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4;
      const bytes = buffer.subarray(at, at + size);
      at += size;
      fields.push({ field, wire, varint: wire === 5 ? bytes.readUInt32LE(0) : 0, bytes });
    } else if (wire === 2) {
      const length = varint();
      if (at + length > buffer.length) throw new Error(`protobuf: field ${field} runs past the end`);
      fields.push({ field, wire, varint: length, bytes: buffer.subarray(at, at + length) });
      at += length;
    } else throw new Error(`protobuf: unsupported wire type ${wire}`);
  }
  return fields;
}

const child = (fields: Field[], number: number) => fields.filter((field) => field.field === number);

function protobufAttributes(fields: Field[], number: number): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const keyValue of child(fields, number)) {
    const parts = readFields(keyValue.bytes);
    const key = child(parts, 1)[0]!.bytes.toString('utf8');
    const value = readFields(child(parts, 2)[0]!.bytes)[0]!;
    if (value.field === 1) out[key] = value.bytes.toString('utf8');
    else if (value.field === 2) out[key] = value.varint === 1;
    else if (value.field === 3) out[key] = value.varint;
    else if (value.field === 4) out[key] = value.bytes.readDoubleLE(0);
  }
  return out;
}

/** ExportTraceServiceRequest (collector/trace/v1/trace_service.proto) to spans, the JSON path's shape. */
function decodeProtobufExport(body: Buffer): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const resourceSpans of child(readFields(body), 1)) {
    const resourceFields = readFields(resourceSpans.bytes);
    const resourceMessage = child(resourceFields, 1)[0];
    const resource = resourceMessage === undefined ? {} : protobufAttributes(readFields(resourceMessage.bytes), 1);
    for (const scopeSpans of child(resourceFields, 2)) {
      for (const spanField of child(readFields(scopeSpans.bytes), 2)) {
        const span = readFields(spanField.bytes);
        const hex = (number: number) => child(span, number)[0]?.bytes.toString('hex');
        const status = child(span, 15)[0];
        out.push({
          traceId: hex(1)!,
          spanId: hex(2)!,
          parentSpanId: hex(4) || undefined,
          name: child(span, 5)[0]!.bytes.toString('utf8'),
          kind: child(span, 6)[0]?.varint ?? 0,
          attributes: protobufAttributes(span, 9),
          events: child(span, 11).map((event) => {
            const eventFields = readFields(event.bytes);
            return { name: child(eventFields, 2)[0]!.bytes.toString('utf8'), attributes: protobufAttributes(eventFields, 3) };
          }),
          statusCode: status === undefined ? 0 : (child(readFields(status.bytes), 3)[0]?.varint ?? 0),
          startNanos: child(span, 7)[0]!.bytes.readBigUInt64LE(0),
          endNanos: child(span, 8)[0]!.bytes.readBigUInt64LE(0),
          flags: child(span, 16)[0]?.varint ?? 0,
          resource,
        });
      }
    }
  }
  return out;
}
