// What a replica does for the others, and asks of them, over the replica
// bus: a session ended anywhere is released everywhere (its GET stream, its
// resource subscriptions), a client's answer to a request another replica
// sent reaches that replica, and a cancellation reaches the replica running
// the call. Each is rare next to ordinary messages, so they go to every
// replica and the one holding the state acts.

import type { JsonRpcResponse } from '../protocol/jsonrpc.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { RunningCall } from './running-calls.ts';
import type { ReplicaBus } from './replica-bus.ts';

// What the mesh needs of the transport's state, stated here so cluster/ does
// not import transport/ (which holds the mesh): the pending client requests
// (transport/rev2025/client-requests.ts) and the running calls (OpenExchange
// in transport/dispatch.ts).
export interface PendingClientRequests {
  resolve(sessionId: string, response: JsonRpcResponse): unknown;
}

export interface ReplicaMeshOptions {
  bus: ReplicaBus;
  /** Releases what this replica holds for a session. */
  endSession(sessionId: string): void;
  clientRequests: PendingClientRequests;
  inFlight: { get(sessionId: string, requestId: unknown): RunningCall | undefined };
  logger: Logger;
}

export interface ReplicaMesh {
  readonly replicaId: string;
  readonly bus: ReplicaBus;
  /** Ends a session here at once and on every other replica. */
  endSessionEverywhere(sessionId: string): void;
  /** A client's answer nothing here waits for: the replica that asked gets it. */
  relayClientAnswer(sessionId: string, response: JsonRpcResponse): void;
  /** A cancellation for a request not running here: the replica running it stops it. */
  relayCancel(sessionId: string, requestId: unknown, reason: string): void;
}

export function joinReplicaMesh(options: ReplicaMeshOptions): ReplicaMesh {
  const { bus } = options;
  bus.on('session-end', (message, from) => {
    if (from !== bus.replicaId) options.endSession(String(message.sessionId));
  });
  bus.on('client-answer', (message, from) => {
    if (from !== bus.replicaId) options.clientRequests.resolve(String(message.sessionId), message.response as JsonRpcResponse);
  });
  bus.on('cancel', (message, from) => {
    if (from === bus.replicaId) return;
    options.inFlight.get(String(message.sessionId), message.requestId)?.abort(String(message.reason));
  });
  return {
    replicaId: bus.replicaId,
    bus,
    endSessionEverywhere(sessionId) {
      options.endSession(sessionId);
      bus.send('*all', { type: 'session-end', sessionId });
    },
    relayClientAnswer(sessionId, response) {
      bus.send('*all', { type: 'client-answer', sessionId, response });
    },
    relayCancel(sessionId, requestId, reason) {
      bus.send('*all', { type: 'cancel', sessionId, requestId, reason });
    },
  };
}
