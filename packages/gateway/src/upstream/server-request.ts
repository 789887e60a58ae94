// Requests a backend sends to the gateway (ping, sampling, elicitation, roots
// under the legacy revisions). Until the router relays them to the client
// that caused them, the gateway answers so that the backend never hangs.

import { failureResponse, successResponse, type JsonRpcRequest, type JsonRpcResponse } from '../protocol/jsonrpc.ts';
import type { Backend } from './backend.ts';

/** JSON-RPC "Method not found". */
export const METHOD_NOT_FOUND = -32601;

/** A Backend: every backend can be answered (`Backend.respond`); the name stays for readers of the upstream code. */
export type RelayingBackend = Backend;

/**
 * The answer to a server-to-client request nobody can take: `ping` is
 * answered, as the receiver MUST promptly (2025-11-25 basic/utilities/ping);
 * anything else gets -32601 so the backend's handler fails fast.
 */
export function answerUnroutedRequest(request: JsonRpcRequest): JsonRpcResponse {
  if (request.method === 'ping') return successResponse(request.id, {});
  // The gateway itself has no filesystem roots to offer; an empty list is the truthful answer outside a client's call.
  if (request.method === 'roots/list') return successResponse(request.id, { roots: [] });
  return failureResponse(request.id, {
    code: METHOD_NOT_FOUND,
    message: `${request.method} is not supported by gateway yet: the gateway cannot relay server-to-client requests that are not tied to a client's request`,
  });
}
