// Sends one client request on to the backend that owns its target and turns
// the outcome into what the client should see. Runs on every routed call, so
// it copies only the params object it must change and awaits once.

import type { Exchange } from '../exchange/exchange.ts';
import type { Backend, UpstreamCall } from '../upstream/backend.ts';
import { isBackendError } from '../upstream/backend.ts';
import { GatewayRpcError, RPC } from '../protocol/errors.ts';
import { META } from '../protocol/revisions.ts';
import type { JsonRpcResponse } from '../protocol/jsonrpc.ts';
import type { Logger } from '../telemetry/logger.ts';
import { exchangeStatusOf } from '../telemetry/exchange-outcome.ts';
import { createRelatedMessageHandler, mapProgressToken, type ServerRequestHandler } from './related-messages.ts';
import type { ExchangeCancellation } from '../exchange/exchange-cancellation.ts';

const ENVELOPE_KEYS: readonly string[] = [META.protocolVersion, META.clientInfo, META.clientCapabilities];

/** The client's params as the backend should get them: target renamed, the per-hop `_meta` envelope removed. */
export function upstreamParams(params: Record<string, unknown> | undefined, rename?: { field: 'name' | 'uri'; value: string }): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...params };
  if (rename !== undefined) copy[rename.field] = rename.value;
  const meta = copy._meta;
  if (typeof meta === 'object' && meta !== null) {
    let kept: Record<string, unknown> | undefined;
    for (const [key, value] of Object.entries(meta)) {
      if (ENVELOPE_KEYS.includes(key)) continue;
      (kept ??= {})[key] = value;
    }
    if (kept === undefined) delete copy._meta;
    else copy._meta = kept;
  }
  return copy;
}

export interface ForwardOptions {
  headers?: Record<string, string>;
  /** tools/call answers a dead backend with an `isError` result the agent can read, not a protocol error. */
  isToolCall?: boolean;
  logger: Logger;
  /** Takes the backend's requests instead of relaying them to a 2025 client (the bridge for 2026 clients). */
  onServerRequest?: ServerRequestHandler;
  /** Cancels the upstream call; defaults to the exchange's cancellation (or `signal`, when given instead). */
  cancellation?: ExchangeCancellation;
  signal?: AbortSignal;
  /** The client request that related messages go to now (a held call moves between retries). */
  relatedExchange?: () => Exchange;
}

/** Forwards and returns the backend's result; a backend's JSON-RPC error is re-thrown as the client's error. */
export async function forwardToBackend(
  exchange: Exchange,
  backend: Backend,
  method: string,
  params: Record<string, unknown>,
  options: ForwardOptions,
): Promise<Record<string, unknown>> {
  if (exchange.beforeForward !== undefined) await exchange.beforeForward.run(method, backend.name);
  const progress = mapProgressToken(params, exchange.id);
  if (exchange.client.era === 'legacy' && backend.handshake?.era === 'modern') {
    // A 2026 backend logs only when asked per request; a 2025 client gets every level until it sets one.
    params._meta = { ...(params._meta as object | undefined), [META.logLevel]: exchange.client.logLevel ?? 'debug' };
  }
  const cancellation = options.cancellation ?? (options.signal === undefined ? exchange.cancellation : undefined);
  const call: UpstreamCall = {
    method,
    params,
    signal: cancellation?.signal ?? options.signal ?? exchange.signal,
    ...(cancellation === undefined ? {} : { cancellation }),
    // A modern backend must not ask for what the client cannot give (basic/index, "_meta").
    clientCapabilities: exchange.client.capabilities,
    caller: exchange.caller,
    onRelatedMessage: createRelatedMessageHandler(options.relatedExchange ?? (() => exchange), backend, progress, options.logger, options.onServerRequest),
  };
  const span = exchange.trace.startBackendCall(backend.name, method, (method === 'resources/read' ? params.uri : params.name) as string | undefined, backend.kind);
  span.injectMeta(params);
  const headers = span.injectHeaders(options.headers);
  if (headers !== undefined) call.headers = headers;
  let response: JsonRpcResponse;
  const sentAt = performance.now();
  try {
    response = await backend.request(call);
  } catch (error) {
    exchange.backendSeconds = (exchange.backendSeconds ?? 0) + (performance.now() - sentAt) / 1000;
    if (isBackendError(error)) {
      exchange.backendError = error.code;
      span.end('error', error.code);
      const advice = error.isTransient ? 'Other backends are unaffected; retry this call later.' : 'Report this to the gateway operators.';
      const text = `${error.message}. ${advice}`;
      if (options.isToolCall) return { content: [{ type: 'text', text }], isError: true };
      // An open circuit says when to come back, in data as well, for clients that act on it.
      const retryAfterMs = (error as { retryAfterMs?: number }).retryAfterMs;
      throw new GatewayRpcError(RPC.backendUnavailable, text, { data: { backend: backend.name, reason: error.code, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) } });
    }
    span.end(exchange.signal.aborted ? 'cancelled' : 'error');
    throw error;
  }
  exchange.backendSeconds = (exchange.backendSeconds ?? 0) + (performance.now() - sentAt) / 1000;
  if ('error' in response) {
    span.end(exchangeStatusOf(undefined, response.error.code), response.error.code);
    const httpStatus = exchange.client.codec.relayedErrorStatus(response.error.code);
    throw new GatewayRpcError(response.error.code, response.error.message, { data: response.error.data, httpStatus });
  }
  span.end(exchangeStatusOf(response.result, undefined));
  return response.result;
}
