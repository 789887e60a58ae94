// The pure decisions behind a modern backend's `subscriptions/listen` stream
// (2026-07-28 basic/patterns/subscriptions): which notification filter to ask
// for, how to read the acknowledgment, and what a notification looks like once
// the subscription id, which only matters on the upstream hop, is removed.

import type { JsonRpcId, JsonRpcNotification } from '../../protocol/jsonrpc.ts';
import { META } from '../../protocol/revisions.ts';

/** The `notifications` filter of a listen request ("Notification Filter"). */
export interface SubscriptionFilter {
  toolsListChanged?: true;
  promptsListChanged?: true;
  resourcesListChanged?: true;
  resourceSubscriptions?: string[];
}

export const LISTEN_METHOD = 'subscriptions/listen';
export const ACKNOWLEDGED_METHOD = 'notifications/subscriptions/acknowledged';

/**
 * Marks a notification the gateway made up after a gap in listening (a
 * dropped stream, a restarted child): 2026-07-28 streams cannot be resumed
 * ("Resumable SSE streams via Last-Event-ID are not supported"), so whatever
 * changed in the gap is announced as possibly changed.
 */
export const RESYNC_META = 'gatehouse/resync';

const LIST_FLAGS = [
  ['tools', 'toolsListChanged', 'notifications/tools/list_changed'],
  ['prompts', 'promptsListChanged', 'notifications/prompts/list_changed'],
  ['resources', 'resourcesListChanged', 'notifications/resources/list_changed'],
] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Each URI once, in a stable order, so two equal sets compare equal. */
export function normalizeUris(uris: readonly string[]): string[] {
  return [...new Set(uris)].sort();
}

/**
 * The filter to listen with: a list's changes where its capability says
 * `listChanged: true` (the server MUST NOT send what was not asked for, and
 * narrows what it cannot deliver), plus the wanted resource URIs. Undefined
 * when there is nothing to listen for, so no stream is held open for nothing.
 */
export function listenFilter(capabilities: Record<string, unknown>, uris: readonly string[]): SubscriptionFilter | undefined {
  const filter: SubscriptionFilter = {};
  let isEmpty = true;
  for (const [capability, flag] of LIST_FLAGS) {
    const advertised = capabilities[capability];
    if (isRecord(advertised) && advertised.listChanged === true) {
      filter[flag] = true;
      isEmpty = false;
    }
  }
  if (uris.length > 0) {
    filter.resourceSubscriptions = [...uris];
    isEmpty = false;
  }
  return isEmpty ? undefined : filter;
}

export function sameFilter(a: SubscriptionFilter, b: SubscriptionFilter): boolean {
  if (a.toolsListChanged !== b.toolsListChanged || a.promptsListChanged !== b.promptsListChanged || a.resourcesListChanged !== b.resourcesListChanged) return false;
  const left = a.resourceSubscriptions ?? [];
  const right = b.resourceSubscriptions ?? [];
  return left.length === right.length && left.every((uri, index) => uri === right[index]);
}

/** What was asked for and is missing from the acknowledged filter ("The client SHOULD check the acknowledged filter"). */
export function unhonoredParts(requested: SubscriptionFilter, acknowledged: unknown): string[] {
  const honored = isRecord(acknowledged) ? acknowledged : {};
  const missing: string[] = [];
  for (const [, flag] of LIST_FLAGS) {
    if (requested[flag] === true && honored[flag] !== true) missing.push(flag);
  }
  const honoredUris = Array.isArray(honored.resourceSubscriptions) ? new Set(honored.resourceSubscriptions) : new Set();
  for (const uri of requested.resourceSubscriptions ?? []) {
    if (!honoredUris.has(uri)) missing.push(`resourceSubscriptions ${uri}`);
  }
  return missing;
}

export function subscriptionIdOf(notification: JsonRpcNotification): JsonRpcId | undefined {
  const meta = notification.params?._meta;
  const id = isRecord(meta) ? meta[META.subscriptionId] : undefined;
  return typeof id === 'string' || typeof id === 'number' ? id : undefined;
}

/** The notification as the gateway's listeners see it: the upstream subscription id means nothing past this hop. */
export function withoutSubscriptionId(notification: JsonRpcNotification): JsonRpcNotification {
  const params = notification.params;
  const meta = params?._meta;
  if (params === undefined || !isRecord(meta) || !(META.subscriptionId in meta)) return notification;
  const { [META.subscriptionId]: _dropped, ...restMeta } = meta;
  const { _meta: _old, ...restParams } = params;
  const cleaned = Object.keys(restMeta).length > 0 ? { ...restParams, _meta: restMeta } : restParams;
  return { jsonrpc: '2.0', method: notification.method, params: cleaned };
}

/** After a gap, every kind the filter listens for may have changed: one notification per list and per URI. */
export function resyncNotifications(filter: SubscriptionFilter): JsonRpcNotification[] {
  const meta = { [RESYNC_META]: true };
  const notifications: JsonRpcNotification[] = [];
  for (const [, flag, method] of LIST_FLAGS) {
    if (filter[flag] === true) notifications.push({ jsonrpc: '2.0', method, params: { _meta: meta } });
  }
  for (const uri of filter.resourceSubscriptions ?? []) {
    notifications.push({ jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri, _meta: meta } });
  }
  return notifications;
}
