// Errors that travel to the client as JSON-RPC errors. Each has a numeric
// JSON-RPC code (the spec's where one exists), the HTTP status the transport
// answers with, and a message that tells the caller what to do next. Checked
// by the `isGatewayRpcError` brand rather than `instanceof`, so that copies of
// this module loaded twice (CLI + library) still recognise each other.

import type { JsonRpcErrorObject } from './jsonrpc.ts';

export const RPC = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  /** 2025-x: resource not found; 2026-07-28 uses -32602 instead. */
  legacyResourceNotFound: -32002,
  /** Gateway-defined, in the implementation-defined sub-range (basic/index, error codes). */
  sessionNotFound: -32001,
  backendUnavailable: -32010,
  requestTimeout: -32011,
  policyDenied: -32012,
  headerMismatch: -32020,
  missingRequiredClientCapability: -32021,
  unsupportedProtocolVersion: -32022,
} as const;

const BRAND = Symbol.for('gatehouse.GatewayRpcError');

export class GatewayRpcError extends Error {
  readonly [BRAND] = true;
  readonly code: number;
  readonly httpStatus: number;
  readonly data: unknown;
  constructor(code: number, message: string, options: { httpStatus?: number; data?: unknown; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'GatewayRpcError';
    this.code = code;
    this.httpStatus = options.httpStatus ?? 200;
    this.data = options.data;
  }

  toJsonRpc(): JsonRpcErrorObject {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

/**
 * The HTTP status a backend's JSON-RPC error is relayed with to a 2026-07-28
 * client (a 2025 client always gets 200). The 2026-07-28
 * transport ties a few codes to 400 Bad Request whoever raises them
 * (basic/transports: HeaderMismatch, MissingRequiredClientCapability,
 * UnsupportedProtocolVersion); a backend's other errors answer 200, as a
 * JSON-RPC error inside a successful HTTP exchange.
 */
export function relayedErrorStatus(code: number): number {
  return code === RPC.headerMismatch || code === RPC.missingRequiredClientCapability || code === RPC.unsupportedProtocolVersion ? 400 : 200;
}

export function isGatewayRpcError(value: unknown): value is GatewayRpcError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

export const rpcErrors = {
  parse: (detail: string) => new GatewayRpcError(RPC.parseError, `Parse error: ${detail}`, { httpStatus: 400 }),
  invalidRequest: (detail: string) => new GatewayRpcError(RPC.invalidRequest, `Invalid request: ${detail}`, { httpStatus: 400 }),
  methodNotFound: (method: string, httpStatus = 200) =>
    new GatewayRpcError(RPC.methodNotFound, `Method not found: "${method}" is not served by this gateway`, { httpStatus }),
  invalidParams: (detail: string, httpStatus = 200) =>
    new GatewayRpcError(RPC.invalidParams, `Invalid params: ${detail}`, { httpStatus }),
  headerMismatch: (detail: string) => new GatewayRpcError(RPC.headerMismatch, `Header mismatch: ${detail}`, { httpStatus: 400 }),
  unsupportedVersion: (requested: unknown, supported: readonly string[]) =>
    new GatewayRpcError(RPC.unsupportedProtocolVersion, 'Unsupported protocol version', {
      httpStatus: 400,
      data: { supported, requested },
    }),
  /**
   * 2026-07-28: a request needs a capability the client did not declare in
   * `io.modelcontextprotocol/clientCapabilities`; `data.requiredCapabilities`
   * is a ClientCapabilities object keyed by what is missing (HTTP 400).
   */
  missingRequiredClientCapability: (method: string, capability: { name: string; sub?: string }) =>
    new GatewayRpcError(
      RPC.missingRequiredClientCapability,
      `Missing required client capability: the backend asked for ${method}, which needs "${capability.name}${capability.sub === undefined ? '' : `.${capability.sub}`}"; declare it in io.modelcontextprotocol/clientCapabilities and send the request again`,
      { httpStatus: 400, data: { requiredCapabilities: { [capability.name]: capability.sub === undefined ? {} : { [capability.sub]: {} } } } },
    ),
  internal: (detail: string, cause?: unknown) =>
    new GatewayRpcError(RPC.internalError, `Internal error: ${detail}`, { httpStatus: 500, cause }),
};
