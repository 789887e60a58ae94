// `subscriptions/listen` requests on a stdio backend's one shared channel
// (2026-07-28 basic/patterns/subscriptions; transports/stdio "Receiving
// Messages"): pending without a timeout, their notifications told apart by
// `io.modelcontextprotocol/subscriptionId` (= our request id), ended with
// `notifications/cancelled` (transports/stdio "Cancellation").

import type { JsonRpcId, JsonRpcNotification, JsonRpcResponse } from '../../protocol/jsonrpc.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { BackendError } from '../backend.ts';
import { ACKNOWLEDGED_METHOD, LISTEN_METHOD, subscriptionIdOf, withoutSubscriptionId, type SubscriptionFilter } from './listen-filter.ts';
import { listenRefusal, type ListenHandle, type ListenHandlers } from './modern-listen.ts';

export interface StdioListensOptions {
  backend: string;
  logger: Logger;
  /** The next request id on the shared channel, so listen ids never clash with calls. */
  nextId(): number;
  /** Writes one message to the child; false when there is no child to write to. */
  send(message: unknown): boolean;
  /** Listen params for a filter: `notifications` plus the 2026 `_meta` envelope. */
  params(filter: SubscriptionFilter): Record<string, unknown>;
}

export interface StdioListens {
  open(filter: SubscriptionFilter, handlers: ListenHandlers): ListenHandle;
  /** Takes a notification that carries a subscription id; false when it carries none (it is not ours to route). */
  routeNotification(notification: JsonRpcNotification): boolean;
  /** Takes the response that ends a listen; false when the id is not a listen's. */
  routeResponse(response: JsonRpcResponse): boolean;
  /** The channel is gone (child exit, close): every listen ends with `error`. */
  endAll(error: BackendError): void;
}

interface OpenListen {
  handlers: ListenHandlers;
  isAcknowledged: boolean;
}

export function createStdioListens(options: StdioListensOptions): StdioListens {
  const { backend, logger } = options;
  const listens = new Map<JsonRpcId, OpenListen>();

  function end(id: JsonRpcId, error: BackendError | undefined): void {
    const listen = listens.get(id);
    if (listen === undefined) return;
    listens.delete(id);
    listen.handlers.onEnded(error);
  }

  return {
    open(filter, handlers) {
      const id = options.nextId();
      listens.set(id, { handlers, isAcknowledged: false });
      const isSent = options.send({ jsonrpc: '2.0', id, method: LISTEN_METHOD, params: options.params(filter) });
      if (!isSent) {
        // onEnded is never synchronous from open (modern-listen.ts relies on it).
        queueMicrotask(() => end(id, new BackendError('backend_unavailable', backend,
          `Backend "${backend}" is not running, so subscriptions/listen could not be sent; the gateway re-sends it after the restart`)));
      }
      return {
        close() {
          if (!listens.has(id)) return;
          listens.delete(id);
          options.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'the gateway replaced or closed this subscription' } });
          handlers.onEnded(undefined);
        },
      };
    },
    routeNotification(notification) {
      const id = subscriptionIdOf(notification);
      if (id === undefined) return false;
      const listen = listens.get(id);
      if (listen === undefined) {
        // A late message for a subscription we already cancelled.
        logger.debug({ backend, subscriptionId: id, method: notification.method }, 'dropped a notification for a closed subscription');
        return true;
      }
      if (!listen.isAcknowledged) {
        if (notification.method !== ACKNOWLEDGED_METHOD) {
          logger.warn({ backend, method: notification.method }, 'skipped a notification sent before subscriptions/listen was acknowledged');
          return true;
        }
        listen.isAcknowledged = true;
        listen.handlers.onAcknowledged(notification.params?.notifications);
        return true;
      }
      listen.handlers.onNotification(withoutSubscriptionId(notification));
      return true;
    },
    routeResponse(response) {
      const id = response.id;
      if (id === null || !listens.has(id)) return false;
      if (!('error' in response)) {
        end(id, undefined);
        return true;
      }
      end(id, listenRefusal(backend, response.error.code, response.error.message));
      return true;
    },
    endAll(error) {
      for (const id of [...listens.keys()]) end(id, error);
    },
  };
}
