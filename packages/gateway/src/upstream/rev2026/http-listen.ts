// One `subscriptions/listen` over Streamable HTTP (2026-07-28
// transports/streamable-http, "Receiving Messages"): a POST whose SSE response
// stays open, acknowledgment first, keep-alive comments between events, no
// body timeout. Closing the response is the cancellation. modern-listen.ts
// decides when to open and close one.

import type { Dispatcher } from 'undici';
import { classifyMessage, type JsonRpcId } from '../../protocol/jsonrpc.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { BackendError } from '../backend.ts';
import type { HeaderMap } from '../http-request-headers.ts';
import { ACKNOWLEDGED_METHOD, withoutSubscriptionId } from './listen-filter.ts';
import { listenRefusal, type ListenHandle, type ListenHandlers } from './modern-listen.ts';
import { readSseBody } from '../sse-reader.ts';

export interface HttpListenRequest {
  backend: string;
  url: string;
  dispatcher: Dispatcher;
  origin: string;
  path: string;
  headers: HeaderMap;
  id: JsonRpcId;
  /** Params with the `notifications` filter and the 2026 `_meta` envelope. */
  params: Record<string, unknown>;
  logger: Logger;
}

const PREVIEW_CHARS = 200;

export function openHttpListen(request: HttpListenRequest, handlers: ListenHandlers): ListenHandle {
  const lifetime = new AbortController();
  let isEnded = false;
  const end = (error: BackendError | undefined): void => {
    if (isEnded) return;
    isEnded = true;
    handlers.onEnded(error);
  };
  void run(request, handlers, lifetime.signal).then(end, (error: unknown) => {
    end(lifetime.signal.aborted ? undefined : dropped(request, error));
  });
  return {
    close() {
      lifetime.abort();
      end(undefined);
    },
  };
}

function dropped(request: HttpListenRequest, error: unknown): BackendError {
  if (error instanceof BackendError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new BackendError('backend_unavailable', request.backend,
    `Backend "${request.backend}" dropped subscriptions/listen at ${request.url} (${detail}); the gateway re-opens it`, { cause: error });
}

/** Resolves with the reason the listen ended (undefined: the server ended it gracefully). */
async function run(request: HttpListenRequest, handlers: ListenHandlers, signal: AbortSignal): Promise<BackendError | undefined> {
  const { backend, logger } = request;
  const body = JSON.stringify({ jsonrpc: '2.0', id: request.id, method: 'subscriptions/listen', params: request.params });
  const answer = await request.dispatcher.request({
    origin: request.origin, path: request.path, method: 'POST', headers: request.headers, body, signal,
    // The stream lives as long as the backend does; quiet periods are normal.
    bodyTimeout: 0,
  });
  const contentType = String(answer.headers['content-type'] ?? '');
  if (answer.statusCode < 200 || answer.statusCode >= 300 || !contentType.startsWith('text/event-stream')) {
    const text = await answer.body.text();
    try {
      const classified = classifyMessage(JSON.parse(text));
      if (classified.kind === 'response' && 'error' in classified.message) {
        return listenRefusal(backend, classified.message.error.code, classified.message.error.message);
      }
    } catch {
      // Not JSON: the status says enough.
    }
    return new BackendError(answer.statusCode >= 500 || answer.statusCode < 300 ? 'backend_unavailable' : 'backend_protocol_error', backend,
      `Backend "${backend}" answered subscriptions/listen with HTTP ${answer.statusCode} (${contentType || 'no content type'}) instead of an SSE stream${text ? `: ${text.slice(0, PREVIEW_CHARS)}` : ''}`);
  }
  let isAcknowledged = false;
  let outcome: BackendError | undefined = new BackendError('backend_unavailable', backend,
    `Backend "${backend}" closed the subscriptions/listen stream without a response; the gateway re-opens it`);
  await readSseBody(answer.body, {
    onMessage(value) {
      const classified = classifyMessage(value);
      if (classified.kind === 'response') {
        if (classified.message.id !== request.id && classified.message.id !== null) return;
        // A result is the server's graceful end ("Graceful Closure"); an error, a refusal.
        outcome = 'error' in classified.message ? listenRefusal(backend, classified.message.error.code, classified.message.error.message) : undefined;
        return true;
      }
      if (classified.kind !== 'notification') {
        logger.warn({ backend, kind: classified.kind }, 'skipped a message on the subscriptions/listen stream that is not a notification');
        return;
      }
      const notification = classified.message;
      if (!isAcknowledged) {
        // The acknowledgment MUST come first and nothing before it ("Acknowledgment").
        if (notification.method !== ACKNOWLEDGED_METHOD) {
          logger.warn({ backend, method: notification.method }, 'skipped a notification sent before subscriptions/listen was acknowledged');
          return;
        }
        isAcknowledged = true;
        handlers.onAcknowledged(notification.params?.notifications);
        return;
      }
      handlers.onNotification(withoutSubscriptionId(notification));
    },
    onMalformed(data) {
      logger.warn({ backend, preview: data.slice(0, PREVIEW_CHARS) }, 'skipped a subscriptions/listen event that is not JSON');
    },
  });
  return outcome;
}
