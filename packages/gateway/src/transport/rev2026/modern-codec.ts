// The 2026-07-28 codec: checks a stateless request's mirrored headers against
// its body (basic/transports/streamable-http, "Server Validation"), reads the
// per-request `_meta` envelope (basic/index, "_meta"), and shapes results
// (`resultType`, caching hints, serverInfo), with the rest of what a 2026
// client reads differently in MODERN_CLIENT_CODEC. Pure functions; no I/O.

import type { IncomingHttpHeaders } from 'node:http';
import type { ClientCodec } from '../../exchange/client-codec.ts';
import type { ClientDescription } from '../../exchange/exchange.ts';
import { RPC, relayedErrorStatus, rpcErrors } from '../../protocol/errors.ts';
import { META, NAMED_METHODS, SUPPORTED_REVISIONS, eraOf } from '../../protocol/revisions.ts';
import type { JsonRpcNotification, JsonRpcRequest } from '../../protocol/jsonrpc.ts';
import { decodeHeaderValue } from '../../upstream/header-value.ts';
import type { HeaderParameter } from '../../catalog/x-mcp-header.ts';
import { headerArgumentText, readHeaderArgument } from '../../catalog/x-mcp-header.ts';
import { TASKS_EXTENSION } from '../../tasks/tasks-extension.ts';

/** Methods that 2026-07-28 removed; a modern client calling them gets 404 like any unknown method. */
export const LEGACY_ONLY_METHODS = new Set(['initialize', 'ping', 'logging/setLevel', 'resources/subscribe', 'resources/unsubscribe']);

/** Results that must carry `ttlMs` and `cacheScope` (server/utilities/caching). */
const CACHEABLE_METHODS = new Set(['server/discover', 'tools/list', 'prompts/list', 'resources/list', 'resources/templates/list', 'resources/read']);

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The `Mcp-Name` header, decoded from the Base64 sentinel form; `undefined` when absent. */
export function decodedMcpName(headers: IncomingHttpHeaders): string | undefined {
  const raw = header(headers, 'mcp-name');
  if (raw === undefined) return undefined;
  const decoded = decodeHeaderValue(raw);
  if (decoded === undefined) throw rpcErrors.headerMismatch(`Mcp-Name header "${raw}" is not a valid header value or Base64 sentinel (=?base64?...?=)`);
  return decoded;
}

/**
 * Header checks that need no body: the version is one we speak and the
 * method header is present. Run before the body is parsed, as the revision
 * intends for intermediaries.
 */
export function checkModernHeaders(headers: IncomingHttpHeaders): { version: string; method: string } {
  const version = header(headers, 'mcp-protocol-version');
  if (version === undefined) throw rpcErrors.headerMismatch('the MCP-Protocol-Version header is required on every 2026-07-28 request');
  if (eraOf(version) !== 'modern') throw rpcErrors.unsupportedVersion(version, SUPPORTED_REVISIONS);
  const method = header(headers, 'mcp-method');
  if (method === undefined || method.length === 0) throw rpcErrors.headerMismatch('the Mcp-Method header is required on every 2026-07-28 request');
  return { version, method };
}

/** Body-against-header validation and the client's self-description from `_meta`. */
export function readModernRequest(headers: IncomingHttpHeaders, message: JsonRpcRequest | JsonRpcNotification, version: string, method: string): ClientDescription {
  if (message.method !== method) throw rpcErrors.headerMismatch(`Mcp-Method header value '${method}' does not match body value '${message.method}'`);
  const params = message.params ?? {};
  const nameField = NAMED_METHODS[message.method];
  if (nameField !== undefined) {
    const name = decodedMcpName(headers);
    if (name === undefined) throw rpcErrors.headerMismatch(`the Mcp-Name header is required for ${message.method}`);
    if (params[nameField] !== name) throw rpcErrors.headerMismatch(`Mcp-Name header value '${name}' does not match body value '${String(params[nameField])}'`);
  }
  const meta = params._meta as Record<string, unknown> | undefined;
  const bodyVersion = meta?.[META.protocolVersion];
  if (bodyVersion === undefined) throw rpcErrors.invalidParams(`_meta["${META.protocolVersion}"] is required on every 2026-07-28 request`, 400);
  if (bodyVersion !== version) throw rpcErrors.headerMismatch(`MCP-Protocol-Version header value '${version}' does not match body value '${String(bodyVersion)}'`);
  const capabilities = meta?.[META.clientCapabilities];
  if (typeof capabilities !== 'object' || capabilities === null || Array.isArray(capabilities)) {
    throw rpcErrors.invalidParams(`_meta["${META.clientCapabilities}"] is required on every 2026-07-28 request (an object; {} declares none)`, 400);
  }
  const info = meta?.[META.clientInfo];
  const logLevel = meta?.[META.logLevel];
  return {
    protocolVersion: version,
    era: 'modern',
    codec: MODERN_CLIENT_CODEC,
    info: typeof info === 'object' && info !== null ? (info as Record<string, unknown>) : undefined,
    capabilities: capabilities as Record<string, unknown>,
    logLevel: typeof logLevel === 'string' ? logLevel : undefined,
  };
}

/**
 * `Mcp-Param-{Name}` headers the tool declares must be present and equal to
 * the body's values ("Server Behavior for Custom Headers"); integers compare numerically.
 */
export function checkParameterHeaders(headers: IncomingHttpHeaders, parameters: readonly HeaderParameter[], args: unknown): void {
  for (const parameter of parameters) {
    const value = readHeaderArgument(args, parameter.path);
    const raw = header(headers, `mcp-param-${parameter.header.toLowerCase()}`);
    if (value === undefined || value === null) continue;
    if (raw === undefined) throw rpcErrors.headerMismatch(`the Mcp-Param-${parameter.header} header is required because the body sets "${parameter.path.join('.')}"`);
    const decoded = decodeHeaderValue(raw);
    if (decoded === undefined) throw rpcErrors.headerMismatch(`Mcp-Param-${parameter.header} header value is malformed`);
    const expected = headerArgumentText(value);
    const isEqual = parameter.type === 'integer' ? Number(decoded) === value : decoded === expected;
    if (!isEqual) throw rpcErrors.headerMismatch(`Mcp-Param-${parameter.header} header value '${decoded}' does not match body value '${String(value)}'`);
  }
}

/** Shapes a result for a 2026-07-28 client. Mutates and returns the result (it is ours: freshly parsed or built). */
function shapeModernResult(method: string, result: Record<string, unknown>, serverInfo: Record<string, unknown>): Record<string, unknown> {
  if (result.resultType === undefined) result.resultType = 'complete';
  if (CACHEABLE_METHODS.has(method) && result.resultType === 'complete') {
    if (typeof result.ttlMs !== 'number' || result.ttlMs < 0) result.ttlMs = 0;
    // Unknown provenance: never let a shared cache serve one caller's answer to another.
    if (result.cacheScope !== 'public' && result.cacheScope !== 'private') result.cacheScope = 'private';
  }
  const meta = result._meta;
  result._meta = typeof meta === 'object' && meta !== null ? { ...meta, [META.serverInfo]: serverInfo } : { [META.serverInfo]: serverInfo };
  return result;
}

export const MODERN_CLIENT_CODEC: ClientCodec = Object.freeze<ClientCodec>({
  era: 'modern',
  shapeResult: shapeModernResult,
  relayedErrorStatus,
  // 2026-07-28 server/resources, "Error Handling": an unknown URI is invalid params.
  resourceNotFoundCode: RPC.invalidParams,
  // 2026-07-28 logging: no log messages for a request that did not set a level.
  logLevelFloor: (requested) => requested,
  // The tasks extension (SEP-2663) is announced under `extensions`.
  declareTasks(capabilities) {
    capabilities.extensions = { [TASKS_EXTENSION]: {} };
  },
});
