// Reading request bodies and writing JSON, JSON-RPC errors and SSE frames on
// node:http. The only place that touches raw sockets for the MCP endpoint, so
// limits (413) and framing rules live here once.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JsonRpcId, JsonRpcMessage } from '../protocol/jsonrpc.ts';
import { GatewayRpcError, RPC } from '../protocol/errors.ts';

export class BodyTooLargeError extends Error {
  readonly code = 'body_too_large';
  readonly limit: number;
  constructor(limit: number) {
    super(`Request body exceeds the gateway's limit of ${limit} bytes (max_message_size_bytes); send a smaller message`);
    this.name = 'BodyTooLargeError';
    this.limit = limit;
  }
}

/** Reads the whole body, refusing to buffer more than `limit` bytes. */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = request.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return Promise.reject(new BodyTooLargeError(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.removeAllListeners('data');
        request.resume();
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    });
    request.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    request.once('error', reject);
  });
}

export function writeJson(response: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  writeJsonText(response, status, JSON.stringify(body), headers);
}

/** Writes a body that is already JSON text. */
export function writeJsonText(response: ServerResponse, status: number, text: string, headers?: Record<string, string>): void {
  response.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

export function writeRpcError(response: ServerResponse, id: JsonRpcId | null, error: GatewayRpcError, headers?: Record<string, string>): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  writeJson(response, error.httpStatus, { jsonrpc: '2.0', id, error: error.toJsonRpc() }, withRetryAfter(error.httpStatus, error.data, headers));
}

/**
 * A 503 whose error data says when to come back (`retryAfterSeconds`: the
 * session store or the audit store is out) carries it as the Retry-After
 * header too (RFC 9110 section 10.2.3), which load balancers and HTTP
 * clients act on without reading the body.
 */
export function withRetryAfter(status: number, data: unknown, headers?: Record<string, string>): Record<string, string> | undefined {
  if (status !== 503 || typeof data !== 'object' || data === null) return headers;
  const seconds = (data as { retryAfterSeconds?: unknown }).retryAfterSeconds;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return headers;
  return { ...headers, 'retry-after': String(Math.ceil(seconds)) };
}

export function writeStatus(response: ServerResponse, status: number, headers?: Record<string, string>): void {
  response.writeHead(status, headers);
  response.end();
}

/** A plain HTTP-level refusal with a JSON-RPC error body without id, as the transport specs allow. */
export function refuse(response: ServerResponse, status: number, message: string, code: number = RPC.invalidRequest, headers?: Record<string, string>): void {
  writeRpcError(response, null, new GatewayRpcError(code, message, { httpStatus: status }), headers);
}

export const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  // 2026-07-28 transports: tells nginx-style proxies not to buffer the stream.
  'x-accel-buffering': 'no',
} as const;

export function sseFrame(message: JsonRpcMessage, eventId?: string): string {
  const data = JSON.stringify(message);
  return eventId === undefined ? `event: message\ndata: ${data}\n\n` : `id: ${eventId}\nevent: message\ndata: ${data}\n\n`;
}

let lastPostAccept: string | undefined;
let lastPostVerdict = false;

/**
 * Whether a POST's Accept header lists both answer types (both revisions require it). Clients send
 * the same header on every request, so the last verdict is kept rather than splitting it each time.
 */
export function acceptsJsonAndSse(acceptHeader: string | undefined): boolean {
  if (acceptHeader === lastPostAccept && acceptHeader !== undefined) return lastPostVerdict;
  const verdict = accepts(acceptHeader, 'application/json') && accepts(acceptHeader, 'text/event-stream');
  lastPostAccept = acceptHeader;
  lastPostVerdict = verdict;
  return verdict;
}

/** Whether an Accept header admits a media type (the any-type and type-wildcard ranges count). */
export function accepts(acceptHeader: string | undefined, mediaType: string): boolean {
  if (acceptHeader === undefined) return false;
  const slash = mediaType.indexOf('/');
  const wildcard = `${mediaType.slice(0, slash)}/*`;
  for (const part of acceptHeader.split(',')) {
    const type = part.split(';', 1)[0]!.trim().toLowerCase();
    if (type === mediaType || type === '*/*' || type === wildcard) return true;
  }
  return false;
}
