// The HTTP headers of one POST to a Streamable HTTP backend: the era's fixed
// set, built once per handshake, plus the per-request mirrors of the body
// (2026-07-28 transports/streamable-http, "Request Metadata").

import { NAMED_METHODS } from '../protocol/revisions.ts';
import { encodeHeaderValue } from './header-value.ts';

export type HeaderMap = Record<string, string>;

/** Headers the gateway owns; a caller's `UpstreamCall.headers` cannot override them. */
const RESERVED = new Set(['accept', 'content-type', 'content-length', 'host', 'mcp-protocol-version', 'mcp-method', 'mcp-name', 'mcp-session-id']);

/** Lower-cases configured header names once so later merges cannot produce duplicates. */
export function normalizeHeaders(headers: Record<string, string> | undefined): HeaderMap {
  const normalized: HeaderMap = {};
  if (headers === undefined) return normalized;
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value !== undefined) normalized[name.toLowerCase()] = value;
  }
  return normalized;
}

/**
 * The fixed part: Accept listing both content types (both revisions require
 * it), the protocol version, and the legacy session id once there is one.
 */
export function eraHeaders(configured: HeaderMap, protocolVersion: string, sessionId: string | undefined): HeaderMap {
  const headers: HeaderMap = {
    ...configured,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': protocolVersion,
  };
  if (sessionId !== undefined) headers['mcp-session-id'] = sessionId;
  return headers;
}

/** The value of `Mcp-Name` for methods that name their target, already sentinel-encoded. */
export function mcpNameHeader(method: string, params: Record<string, unknown> | undefined): string | undefined {
  const field = NAMED_METHODS[method];
  if (field === undefined || params === undefined) return undefined;
  const value = params[field];
  return typeof value === 'string' ? encodeHeaderValue(value) : undefined;
}

/**
 * One request's headers. Modern requests mirror `method` and the target name
 * ("These headers are REQUIRED for compliance"); legacy servers never defined
 * them, so legacy requests carry only the fixed set and the caller's extras.
 */
export function requestHeaders(
  fixed: HeaderMap,
  isModern: boolean,
  method: string,
  params: Record<string, unknown> | undefined,
  extra: Record<string, string> | undefined,
): HeaderMap {
  const headers: HeaderMap = { ...fixed };
  if (extra !== undefined) {
    for (const name of Object.keys(extra)) {
      const lower = name.toLowerCase();
      const value = extra[name];
      if (value !== undefined && !RESERVED.has(lower)) headers[lower] = value;
    }
  }
  if (isModern) {
    headers['mcp-method'] = method;
    const name = mcpNameHeader(method, params);
    if (name !== undefined) headers['mcp-name'] = name;
  }
  return headers;
}
