// What a backend sends about a call before its result, taken to the client
// that made the call and no one else: progress (token mapped back), log
// messages (filtered for 2026 clients that did not ask for them) and, for
// 2025-era clients, the backend's requests (ids are the gateway's own on the
// client side; the answer goes back under the backend's id).

import type { Exchange } from '../exchange/exchange.ts';
import { hasCapability } from '../exchange/client-relay.ts';
import { elicitationUrlProblem } from './elicitation-url.ts';
import { failureResponse, type JsonRpcId, type JsonRpcNotification, type JsonRpcRequest } from '../protocol/jsonrpc.ts';
import type { RelayingBackend } from '../upstream/server-request.ts';
import type { Logger } from '../telemetry/logger.ts';

/** RFC 5424 severities as MCP names them (server/utilities/logging), least to most severe. */
export const LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

function isLogLevelAtLeast(level: unknown, minimum: string): boolean {
  const rank = LOG_LEVELS.indexOf(String(level));
  return rank === -1 || rank >= LOG_LEVELS.indexOf(minimum);
}

export interface ProgressMapping {
  /** The token the client chose. */
  client: JsonRpcId;
  /** The token the backend sees: unique per upstream call, so stdio backends shared by many clients never mix them. */
  upstream: string;
}

/** Swaps the client's progressToken for a per-call one; mutates the (already copied) params. */
export function mapProgressToken(params: Record<string, unknown>, upstreamToken: string): ProgressMapping | undefined {
  const meta = params._meta as Record<string, unknown> | undefined;
  const token = meta?.progressToken;
  if (typeof token !== 'string' && typeof token !== 'number') return undefined;
  params._meta = { ...meta, progressToken: upstreamToken };
  return { client: token, upstream: upstreamToken };
}

export type ServerRequestHandler = (request: JsonRpcRequest) => void;

/**
 * `exchangeOf` names the client request the messages go to now: a call held
 * across 2026 retries (the bridge) moves from one client request to the next.
 */
export function createRelatedMessageHandler(
  exchangeOf: () => Exchange,
  backend: RelayingBackend,
  progress: ProgressMapping | undefined,
  logger: Logger,
  onServerRequest?: ServerRequestHandler,
): (message: JsonRpcNotification | JsonRpcRequest) => void {
  return (message) => {
    const exchange = exchangeOf();
    if ('id' in message) return (onServerRequest ?? ((request) => relayServerRequest(exchange, backend, request, logger)))(message);
    switch (message.method) {
      case 'notifications/progress': {
        if (progress === undefined || message.params?.progressToken !== progress.upstream) return;
        // The token of the client request open now (a held call's retry may bring its own).
        const clientToken = (exchange.message.params?._meta as Record<string, unknown> | undefined)?.progressToken;
        if (typeof clientToken !== 'string' && typeof clientToken !== 'number') return;
        exchange.relay.notify({ ...message, params: { ...message.params, progressToken: clientToken } });
        return;
      }
      case 'notifications/message': {
        const minimum = exchange.client.codec.logLevelFloor(exchange.client.logLevel);
        if (minimum === undefined || !isLogLevelAtLeast(message.params?.level, minimum)) return;
        exchange.relay.notify(message);
        return;
      }
      default:
        return;
    }
  };
}

/** 2025-era client: ask it on the call's stream and hand its answer back to the backend under the backend's id. */
function relayServerRequest(exchange: Exchange, backend: RelayingBackend, request: JsonRpcRequest, logger: Logger): void {
  const answer = (response: Parameters<RelayingBackend['respond']>[0]) =>
    backend.respond(response).catch((error: unknown) => logger.warn({ backend: backend.name, err: error }, 'could not deliver the client\'s answer to the backend'));
  if (request.method === 'ping') return void answer({ jsonrpc: '2.0', id: request.id, result: {} });
  const ask = exchange.relay.request;
  if (ask === undefined || !hasCapability(exchange.client.capabilities, request.method, request.params)) {
    return void answer(failureResponse(request.id, {
      code: -32601,
      message: `The client did not declare the capability ${request.method} needs, so the gateway did not ask it`,
    }));
  }
  const urlProblem = elicitationUrlProblem(request.method, request.params);
  if (urlProblem !== undefined) return void answer(failureResponse(request.id, { code: -32602, message: `The gateway refused ${urlProblem}` }));
  ask(request.method, request.params, exchange.signal).then(
    (response) => answer({ ...response, id: request.id } as Parameters<RelayingBackend['respond']>[0]),
    (error: unknown) => answer(failureResponse(request.id, { code: -32603, message: `The client could not answer ${request.method}: ${(error as Error).message}` })),
  );
}
