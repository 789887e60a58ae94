// Requests a backend sends to the gateway (ping, sampling, elicitation, roots
// under the legacy revisions) that no client's call can take: answered at
// once, so that the backend never hangs.

import { failureResponse, successResponse, type JsonRpcRequest, type JsonRpcResponse } from '../protocol/jsonrpc.ts';
import type { Backend } from './backend.ts';

/** JSON-RPC "Method not found". */
export const METHOD_NOT_FOUND = -32601;

/** A Backend: every backend can be answered (`Backend.respond`); the name stays for readers of the upstream code. */
export type RelayingBackend = Backend;

/**
 * The answer to a server-to-client request nobody can take: `ping` is
 * answered, as the receiver MUST promptly (2025-11-25 basic/utilities/ping);
 * anything else, `roots/list` included, is refused with -32601 and why, so
 * the backend's handler fails fast. The gateway never answers for a client
 * it did not ask: an empty roots list would be data no client gave.
 */
export function answerUnroutedRequest(request: JsonRpcRequest, why = 'it names no call of a client, and the gateway relays server-to-client requests only during the call that caused them'): JsonRpcResponse {
  if (request.method === 'ping') return successResponse(request.id, {});
  return failureResponse(request.id, { code: METHOD_NOT_FOUND, message: `${request.method} refused by the gateway: ${why}` });
}
