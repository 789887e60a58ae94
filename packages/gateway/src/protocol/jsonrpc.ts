// JSON-RPC 2.0 message shapes as they cross the gateway, and the pure checks
// that sort a parsed body into request / notification / response before any
// stage looks at it. Everything behind the transport sees these types.

export type JsonRpcId = string | number;

export interface JsonRpcRequest {
  jsonrpc: '2.0';
  id: JsonRpcId;
  method: string;
  params?: Record<string, unknown>;
}

export interface JsonRpcNotification {
  jsonrpc: '2.0';
  method: string;
  params?: Record<string, unknown>;
}

export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

export interface JsonRpcSuccess {
  jsonrpc: '2.0';
  id: JsonRpcId;
  result: Record<string, unknown>;
}

export interface JsonRpcFailure {
  jsonrpc: '2.0';
  id: JsonRpcId | null;
  error: JsonRpcErrorObject;
}

export type JsonRpcResponse = JsonRpcSuccess | JsonRpcFailure;
export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

export type ClassifiedMessage =
  | { kind: 'request'; message: JsonRpcRequest }
  | { kind: 'notification'; message: JsonRpcNotification }
  | { kind: 'response'; message: JsonRpcResponse }
  | { kind: 'invalid'; id: JsonRpcId | null; reason: string };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isValidId(value: unknown): value is JsonRpcId {
  return (typeof value === 'string') || (typeof value === 'number' && Number.isFinite(value));
}

/** Sorts one parsed JSON value into a JSON-RPC message kind, or says why it is not one. */
export function classifyMessage(value: unknown): ClassifiedMessage {
  if (!isPlainObject(value)) {
    return { kind: 'invalid', id: null, reason: Array.isArray(value)
      ? 'JSON-RPC batches are not supported by MCP since 2025-06-18; send one message per request'
      : 'the body must be a JSON-RPC object' };
  }
  const id = isValidId(value.id) ? value.id : null;
  if (value.jsonrpc !== '2.0') return { kind: 'invalid', id, reason: 'the "jsonrpc" member must be exactly "2.0"' };
  if ('method' in value) {
    if (typeof value.method !== 'string' || value.method.length === 0) {
      return { kind: 'invalid', id, reason: 'the "method" member must be a non-empty string' };
    }
    if ('params' in value && value.params !== undefined && !isPlainObject(value.params)) {
      return { kind: 'invalid', id, reason: 'the "params" member must be an object in MCP' };
    }
    if (!('id' in value)) return { kind: 'notification', message: value as unknown as JsonRpcNotification };
    if (!isValidId(value.id)) return { kind: 'invalid', id: null, reason: 'the "id" member must be a string or a finite number (MCP forbids null ids)' };
    return { kind: 'request', message: value as unknown as JsonRpcRequest };
  }
  if ('result' in value || 'error' in value) {
    if ('result' in value && 'error' in value) return { kind: 'invalid', id, reason: 'a response carries "result" or "error", not both' };
    if ('result' in value && !isPlainObject(value.result)) return { kind: 'invalid', id, reason: 'the "result" member must be an object' };
    if ('error' in value) {
      const error = value.error;
      if (!isPlainObject(error) || typeof error.code !== 'number' || typeof error.message !== 'string') {
        return { kind: 'invalid', id, reason: 'the "error" member must be an object with a numeric "code" and a string "message"' };
      }
    }
    if (!isValidId(value.id) && !(value.id === null && 'error' in value)) {
      return { kind: 'invalid', id: null, reason: 'a response must carry the id of the request it answers' };
    }
    return { kind: 'response', message: value as unknown as JsonRpcResponse };
  }
  return { kind: 'invalid', id, reason: 'the object is neither a request, a notification nor a response (no "method", "result" or "error")' };
}

export function isFailure(response: JsonRpcResponse): response is JsonRpcFailure {
  return 'error' in response;
}

export function successResponse(id: JsonRpcId, result: Record<string, unknown>): JsonRpcSuccess {
  return { jsonrpc: '2.0', id, result };
}

export function failureResponse(id: JsonRpcId | null, error: JsonRpcErrorObject): JsonRpcFailure {
  return { jsonrpc: '2.0', id, error };
}
