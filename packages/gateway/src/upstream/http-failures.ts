// The BackendErrors of a Streamable HTTP backend: what a failed exchange, a
// timeout or an answer that is not MCP means for the router (retry or not),
// worded so the operator knows what to check. Pure functions.

import { isGatewayRpcError } from '../protocol/errors.ts';
import { BackendError, isBackendError } from './backend.ts';
import type { CallCancellation } from './call-cancellation.ts';
import type { PostOutcome } from './http-post.ts';

/** undici's error code (its own or its cause's), else the message. */
function failureCode(error: unknown): string {
  const withCode = error as { code?: unknown; cause?: { code?: unknown } } | undefined;
  if (typeof withCode?.code === 'string') return withCode.code;
  if (typeof withCode?.cause?.code === 'string') return withCode.cause.code;
  return error instanceof Error ? error.message : String(error);
}

function unreachableError(backend: string, url: string, error: unknown): BackendError {
  return new BackendError('backend_unavailable', backend,
    `Backend "${backend}" is unreachable at ${url} (${failureCode(error)}); other backends are unaffected; retry later`, { cause: error });
}

export function timeoutError(backend: string, url: string, method: string, timeoutMs: number): BackendError {
  return new BackendError('backend_timeout', backend,
    `Backend "${backend}" did not answer ${method} within ${timeoutMs} ms at ${url}; the request was cancelled; retry later or raise this backend's timeout_ms`);
}

/** Translates a failure of the HTTP exchange; an abort surfaces its own reason (timeout error or the caller's). */
export function translateHttpFailure(backend: string, url: string, error: unknown, cancellation: CallCancellation): unknown {
  if (cancellation.aborted) return cancellation.reason;
  if (isBackendError(error) || isGatewayRpcError(error)) return error;
  const code = failureCode(error);
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new BackendError('backend_timeout', backend, `Backend "${backend}" stopped answering at ${url} (${code}); retry later`, { cause: error });
  }
  return unreachableError(backend, url, error);
}

/** An HTTP answer that carries no JSON-RPC response: refused credentials, a server failure, or not an MCP endpoint. */
export function unexpectedAnswerError(backend: string, url: string, method: string, outcome: PostOutcome): BackendError {
  const { status } = outcome;
  const preview = outcome.text.slice(0, 200);
  if (status === 401 || status === 403) {
    return new BackendError('backend_protocol_error', backend,
      `Backend "${backend}" refused the gateway's credentials for ${method} (HTTP ${status}); check this backend's configured headers`);
  }
  if (status >= 500) {
    return new BackendError('backend_unavailable', backend, `Backend "${backend}" failed ${method} with HTTP ${status}${preview ? `: ${preview}` : ''}; retry later`);
  }
  return new BackendError('backend_protocol_error', backend,
    `Backend "${backend}" answered ${method} with HTTP ${status} (${outcome.contentType || 'no content type'}) and no JSON-RPC response${preview ? `: ${preview}` : ''}; check that ${url} is an MCP endpoint`);
}
