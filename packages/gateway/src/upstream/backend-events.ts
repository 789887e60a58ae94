// The listener lists every Backend implementation keeps: unsolicited
// notifications and state transitions. A throwing listener is logged and
// never breaks delivery to the others or the connection that emitted.

import type { JsonRpcNotification } from '../protocol/jsonrpc.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { BackendHandshake, BackendState } from './backend.ts';

type NotificationListener = (notification: JsonRpcNotification) => void;
type StateListener = (state: BackendState, handshake: BackendHandshake | undefined) => void;

export interface BackendEvents {
  onNotification(listener: NotificationListener): () => void;
  onStateChange(listener: StateListener): () => void;
  emitNotification(notification: JsonRpcNotification): void;
  emitState(state: BackendState, handshake: BackendHandshake | undefined): void;
}

function subscribe<T>(listeners: Set<T>, listener: T): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

export function createBackendEvents(backend: string, logger: Logger): BackendEvents {
  const notificationListeners = new Set<NotificationListener>();
  const stateListeners = new Set<StateListener>();
  return {
    onNotification: (listener) => subscribe(notificationListeners, listener),
    onStateChange: (listener) => subscribe(stateListeners, listener),
    emitNotification(notification) {
      for (const listener of notificationListeners) {
        try {
          listener(notification);
        } catch (error) {
          logger.error({ backend, err: error, method: notification.method }, 'a notification listener threw');
        }
      }
    },
    emitState(state, handshake) {
      for (const listener of stateListeners) {
        try {
          listener(state, handshake);
        } catch (error) {
          logger.error({ backend, err: error, state }, 'a state listener threw');
        }
      }
    },
  };
}
