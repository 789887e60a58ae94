// `subscriptions/listen` (2026-07-28 basic/patterns/subscriptions): a
// long-lived response stream per listen request carrying only the
// notification kinds the client opted in to, each tagged with the
// subscription id (the listen request's JSON-RPC id), acknowledged first,
// kept alive with SSE comments, and closed gracefully with a final response.

import type { ServerResponse } from 'node:http';
import type { JsonRpcId, JsonRpcNotification } from '../../protocol/jsonrpc.ts';
import { META } from '../../protocol/revisions.ts';
import { SSE_HEADERS, sseFrame } from '../http-io.ts';

export interface ListenFilter {
  toolsListChanged: boolean;
  promptsListChanged: boolean;
  resourcesListChanged: boolean;
  resourceSubscriptions: string[];
  /** Tasks whose status changes the client wants as notifications/tasks (the tasks extension). */
  taskIds: string[];
}

const LIST_CHANGED_FIELDS = {
  'notifications/tools/list_changed': 'toolsListChanged',
  'notifications/prompts/list_changed': 'promptsListChanged',
  'notifications/resources/list_changed': 'resourcesListChanged',
} as const;

const KEEP_ALIVE_MS = 15_000;

/** Reads the client's filter; unknown fields are ignored, wrong types are treated as "not requested". */
export function readListenFilter(params: Record<string, unknown> | undefined): ListenFilter {
  const requested = (params?.notifications ?? {}) as Record<string, unknown>;
  const uris = Array.isArray(requested.resourceSubscriptions) ? requested.resourceSubscriptions.filter((uri): uri is string => typeof uri === 'string') : [];
  const taskIds = Array.isArray(requested.taskIds) ? requested.taskIds.filter((id): id is string => typeof id === 'string') : [];
  return {
    toolsListChanged: requested.toolsListChanged === true,
    promptsListChanged: requested.promptsListChanged === true,
    resourcesListChanged: requested.resourcesListChanged === true,
    resourceSubscriptions: [...new Set(uris)],
    taskIds: [...new Set(taskIds)],
  };
}

interface OpenListen {
  subscriptionId: JsonRpcId;
  endpointBackend: string | undefined;
  filter: ListenFilter;
  response: ServerResponse;
  /** Nothing may precede the acknowledgment on a subscription ("Acknowledgment"). */
  isAcknowledged: boolean;
}

export class ListenStreams {
  readonly #streams = new Map<string, OpenListen>();
  readonly #keepAlive: NodeJS.Timeout;
  #sequence = 0;

  constructor() {
    this.#keepAlive = setInterval(() => {
      for (const stream of this.#streams.values()) stream.response.write(':\n\n');
    }, KEEP_ALIVE_MS).unref();
  }

  get size(): number {
    return this.#streams.size;
  }

  isOpen(subscriber: string): boolean {
    return this.#streams.has(subscriber);
  }

  /** Opens the stream and returns its subscriber id; `onClose` runs once when it ends, whoever ends it. */
  open(response: ServerResponse, subscriptionId: JsonRpcId, endpointBackend: string | undefined, filter: ListenFilter, onClose: (subscriber: string) => void): string {
    const subscriber = `listen:${++this.#sequence}`;
    response.writeHead(200, SSE_HEADERS);
    response.flushHeaders();
    this.#streams.set(subscriber, { subscriptionId, endpointBackend, filter, response, isAcknowledged: false });
    response.once('close', () => {
      this.#streams.delete(subscriber);
      onClose(subscriber);
    });
    return subscriber;
  }

  /** The first message on a subscription: what the gateway agreed to honor. */
  acknowledge(subscriber: string, honored: ListenFilter): void {
    const notifications: Record<string, unknown> = {};
    if (honored.toolsListChanged) notifications.toolsListChanged = true;
    if (honored.promptsListChanged) notifications.promptsListChanged = true;
    if (honored.resourcesListChanged) notifications.resourcesListChanged = true;
    if (honored.resourceSubscriptions.length > 0) notifications.resourceSubscriptions = honored.resourceSubscriptions;
    if (honored.taskIds.length > 0) notifications.taskIds = honored.taskIds;
    const stream = this.#streams.get(subscriber);
    if (stream === undefined) return;
    stream.filter = honored;
    stream.isAcknowledged = true;
    this.send(subscriber, { jsonrpc: '2.0', method: 'notifications/subscriptions/acknowledged', params: { notifications } });
  }

  send(subscriber: string, notification: JsonRpcNotification): void {
    const stream = this.#streams.get(subscriber);
    if (stream === undefined || !stream.isAcknowledged) return;
    const params = { ...notification.params, _meta: { ...(notification.params?._meta as object | undefined), [META.subscriptionId]: stream.subscriptionId } };
    stream.response.write(sseFrame({ ...notification, params }));
  }

  /** A list change goes to the streams that asked for that kind. */
  broadcastListChanged(method: keyof typeof LIST_CHANGED_FIELDS): void {
    const field = LIST_CHANGED_FIELDS[method];
    for (const [subscriber, stream] of this.#streams) if (stream.filter[field]) this.send(subscriber, { jsonrpc: '2.0', method });
  }

  /** Ends every stream with the graceful-closure response (the gateway is shutting down). */
  closeAll(): void {
    clearInterval(this.#keepAlive);
    for (const stream of this.#streams.values()) {
      stream.response.end(sseFrame({ jsonrpc: '2.0', id: stream.subscriptionId, result: { resultType: 'complete', _meta: { [META.subscriptionId]: stream.subscriptionId } } }));
    }
  }
}
