// The raw JSON-RPC the bench puts on the wire for each protocol era, and the
// check that an echo reply (JSON or SSE) carries back what was sent. Raw
// strings, not an SDK client, so the load generator costs little per request.

import type { EraName } from './report.ts';

export const clientInfo = { name: 'bench', version: '1' } as const;

const modernMeta = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': clientInfo,
  'io.modelcontextprotocol/clientCapabilities': {},
};

export function initializeBody(id: number): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo },
  });
}

export const initializedNotificationBody = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' });

/** The message an echo call sends and expects back; unique per request. */
export function echoMessage(id: number): string {
  return `bench-${id}`;
}

/** A tools/call body for `echo`; the 2026 era carries the per-request `_meta` envelope. */
export function echoCallBody(era: EraName, id: number, toolName: string): string {
  const params: Record<string, unknown> = { name: toolName, arguments: { message: echoMessage(id) } };
  if (era === '2026-07-28') params._meta = modernMeta;
  return JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params });
}

/** Headers for every tools/call in the era (2025-11-25 §Transports, 2026-07-28 standard headers). */
export function echoCallHeaders(era: EraName, toolName: string, sessionId: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': era,
  };
  if (era === '2026-07-28') {
    headers['mcp-method'] = 'tools/call';
    headers['mcp-name'] = toolName;
  }
  if (sessionId !== undefined) headers['mcp-session-id'] = sessionId;
  return headers;
}

export class EchoMismatchError extends Error {
  readonly code = 'echo_mismatch';
}

interface JsonRpcReply {
  id?: unknown;
  result?: { content?: Array<{ type?: unknown; text?: unknown }>; isError?: unknown };
  error?: { code?: unknown; message?: unknown };
}

/**
 * The JSON-RPC reply with this id, from an application/json body or from the
 * `data:` lines of a text/event-stream body (which may carry other messages
 * first, and an empty priming event a server that supports resumption sends
 * first: 2025-11-25 basic/transports, "Resumability and Redelivery").
 */
export function findReply(contentType: string, body: string, id: number): JsonRpcReply | undefined {
  if (!contentType.startsWith('text/event-stream')) return JSON.parse(body) as JsonRpcReply;
  for (const line of body.split('\n')) {
    if (!line.startsWith('data:')) continue;
    const data = line.slice(5).trim();
    if (data === '') continue;
    const message = JSON.parse(data) as JsonRpcReply;
    if (message.id === id) return message;
  }
  return undefined;
}

/** Throws an EchoMismatchError unless the reply is a result whose text is the message sent. */
export function verifyEchoReply(reply: JsonRpcReply | undefined, id: number): void {
  if (reply === undefined) throw new EchoMismatchError(`no JSON-RPC reply with id ${id} in the response`);
  if (reply.error !== undefined) {
    throw new EchoMismatchError(`id ${id}: JSON-RPC error ${String(reply.error.code)}: ${String(reply.error.message)}`);
  }
  if (reply.id !== id) throw new EchoMismatchError(`reply id ${String(reply.id)} does not match request id ${id}`);
  const text = reply.result?.content?.[0]?.text;
  if (reply.result?.isError === true || text !== echoMessage(id)) {
    throw new EchoMismatchError(`id ${id}: expected text "${echoMessage(id)}", got ${JSON.stringify(reply.result)}`);
  }
}
