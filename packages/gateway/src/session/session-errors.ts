// What the session layer answers when it cannot give a client a session:
// the store is down (transient: 503, retry), or the user already holds as
// many sessions as `max_concurrent_sessions_per_user` allows (429: end one).
// Both travel as JSON-RPC errors with the HTTP status the transport uses.

import { GatewayRpcError, RPC } from '../protocol/errors.ts';

export function sessionStoreUnavailable(where: string, cause?: unknown): GatewayRpcError {
  return new GatewayRpcError(
    RPC.internalError,
    `Session store unavailable: the gateway cannot reach its session store (${where}), so it cannot start or continue a session; this is transient, retry in a few seconds`,
    { httpStatus: 503, data: { reason: 'session_store_unavailable', retryAfterSeconds: 2 }, cause },
  );
}

export function isSessionStoreUnavailable(error: unknown): boolean {
  return error instanceof GatewayRpcError && (error.data as { reason?: unknown } | undefined)?.reason === 'session_store_unavailable';
}

export function sessionLimitReached(limit: number): GatewayRpcError {
  return new GatewayRpcError(
    RPC.invalidRequest,
    `Too many sessions: this identity already has ${limit} open sessions (max_concurrent_sessions_per_user); end one with DELETE or let it expire, then initialize again`,
    { httpStatus: 429, data: { reason: 'session_limit', limit } },
  );
}
