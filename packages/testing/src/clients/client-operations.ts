// The steps both interactive test clients (SDK v1 and v2) take the same way
// around their own SDK's call: a tool call whose progress is routed by
// tokens this client mints, request options from CallOptions, a resource's
// text, and 2025 resource subscriptions.

import type { CallOptions, InteractiveSubscription, SubscriptionRequest, ToolOutcome } from './interactive-client.ts';
import { toolOutcome } from './interactive-client.ts';
import type { ReceivedRequest } from './interactive-handlers.ts';
import { NotificationLog } from './notification-log.ts';
import { afterQueuedNotifications, type ProgressParams, ProgressRouter } from './progress-router.ts';

/** The SDK request options a call's CallOptions ask for. */
export function requestOptions(options: CallOptions): { signal?: AbortSignal; timeout?: number } {
  return {
    ...(options.signal !== undefined && { signal: options.signal }),
    ...(options.timeoutMs !== undefined && { timeout: options.timeoutMs }),
  };
}

/**
 * Runs one tools/call through `call`, given the progressToken to send when
 * the caller wants progress; the route stays open until the notifications
 * read with the result were dispatched (progress-router.ts).
 */
export async function callWithProgress(
  progress: ProgressRouter,
  options: CallOptions,
  call: (progressToken: string | undefined) => Promise<unknown>,
): Promise<ToolOutcome> {
  const progressToken = options.onprogress === undefined ? undefined : progress.open(options.onprogress);
  try {
    const result = await call(progressToken);
    await afterQueuedNotifications();
    return toolOutcome(result);
  } finally {
    if (progressToken !== undefined) progress.close(progressToken);
  }
}

/** What a client records while it runs, and the notification handlers that fill it. */
export interface ClientRecords {
  /** Requests the server asked of this client, in arrival order (server-request-answers.ts fills it). */
  requests: ReceivedRequest[];
  notifications: NotificationLog;
  progress: ProgressRouter;
  /** For the SDK's fallback notification handler: every notification goes to the log. */
  onNotification(notification: { method: string; params?: unknown }): Promise<void>;
  /** For notifications/progress, replacing the SDK's own dispatch (progress-router.ts): unrouted progress goes to the log. */
  onProgress(notification: { method: string; params: ProgressParams & Record<string, unknown> }): void;
}

export function createClientRecords(): ClientRecords {
  const notifications = new NotificationLog();
  const progress = new ProgressRouter();
  return {
    requests: [],
    notifications,
    progress,
    async onNotification(notification) {
      notifications.record(notification.method, notification.params as Record<string, unknown> | undefined);
    },
    onProgress(notification) {
      if (!progress.deliver(notification.params)) notifications.record(notification.method, notification.params);
    },
  };
}

/** The text contents of a resources/read result, joined with newlines. */
export function resourceText(contents: ReadonlyArray<{ text?: string } | object>): string {
  return contents.map((content) => ('text' in content ? String(content.text) : '')).join('\n');
}

/** The resource methods of a 2025 client (`resources/subscribe`, `resources/unsubscribe`). */
interface LegacySubscriber {
  subscribeResource(params: { uri: string }): Promise<unknown>;
  unsubscribeResource(params: { uri: string }): Promise<unknown>;
}

/**
 * 2025-11-25: subscribes to each resource once the GET stream opened (a
 * server drops unsolicited notifications sent before it); close unsubscribes.
 */
export async function subscribeLegacy(
  client: LegacySubscriber,
  getStreamOpened: Promise<boolean>,
  request: SubscriptionRequest,
): Promise<InteractiveSubscription> {
  await getStreamOpened;
  const uris = request.resources ?? [];
  for (const uri of uris) await client.subscribeResource({ uri });
  return {
    honoured: request,
    async close() {
      for (const uri of uris) await client.unsubscribeResource({ uri });
    },
  };
}
