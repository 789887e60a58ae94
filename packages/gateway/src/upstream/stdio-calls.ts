// The calls in flight on a stdio backend's one channel, by our request id
// and by progress token. stdio carries no other link between a call and the
// messages about it (2026-07-28 transports/stdio), so this table is how a
// response, a progress or log notification, or a server request finds its call.

import type { JsonRpcId, JsonRpcResponse } from '../protocol/jsonrpc.ts';
import { IntKeyTable } from '../collections/int-key-table.ts';
import { SlotMap } from '../collections/slot-map.ts';
import { CallerCancellationWatcher } from '../exchange/exchange-cancellation.ts';
import type { UpstreamCall } from './backend.ts';

export interface PendingCall {
  id: number;
  method: string;
  resolve(response: JsonRpcResponse): void;
  reject(error: unknown): void;
  timer: NodeJS.Timeout | undefined;
  call: UpstreamCall | undefined;
  progressToken: JsonRpcId | undefined;
}

/**
 * One call sent on a stdio channel, settled once by its response, its
 * timeout, its caller's cancellation or the channel going down; it watches
 * its caller as CallerCancellationWatcher says. A class rather than closures
 * made in the call's promise executor, so that nothing a settled call leaves
 * behind holds the executor's whole scope.
 */
export class PendingStdioCall extends CallerCancellationWatcher implements PendingCall {
  readonly id: number;
  readonly method: string;
  readonly call: UpstreamCall | undefined;
  readonly progressToken: JsonRpcId | undefined;
  timer: NodeJS.Timeout | undefined;
  readonly #resolve: (response: JsonRpcResponse) => void;
  readonly #reject: (error: unknown) => void;
  readonly #onCancel: (entry: PendingStdioCall, reason: unknown) => void;

  constructor(id: number, method: string, call: UpstreamCall | undefined, resolve: (response: JsonRpcResponse) => void, reject: (error: unknown) => void, onCancel: (entry: PendingStdioCall, reason: unknown) => void) {
    super();
    this.id = id;
    this.method = method;
    this.call = call;
    this.progressToken = call?.onRelatedMessage !== undefined ? progressTokenOf(call.params) : undefined;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#onCancel = onCancel;
    this.watchCaller(call);
  }

  cancelled(reason: unknown): void {
    this.#onCancel(this, reason);
  }

  resolve(response: JsonRpcResponse): void {
    this.unwatchCaller(this.call);
    this.#resolve(response);
  }

  reject(error: unknown): void {
    this.unwatchCaller(this.call);
    this.#reject(error);
  }
}

/** Notifications that belong to a request (progress, logging, cancellation); the rest (list changes, updates) are the backend's own. */
export function isRequestScoped(method: string): boolean {
  return method === 'notifications/progress' || method === 'notifications/message' || method === 'notifications/cancelled';
}

export function progressTokenOf(params: Record<string, unknown> | undefined): JsonRpcId | undefined {
  const meta = params?._meta as Record<string, unknown> | undefined;
  const token = meta?.progressToken ?? params?.progressToken;
  return typeof token === 'string' || typeof token === 'number' ? token : undefined;
}

/** Not Maps: a call is added and removed on every call (collections/slot-set.ts says why that matters). */
export class StdioCalls {
  readonly #pending = new IntKeyTable<PendingCall>();
  readonly #byProgressToken = new SlotMap<JsonRpcId, PendingCall>();

  add(entry: PendingCall): void {
    this.#pending.set(entry.id, entry);
    if (entry.progressToken !== undefined) this.#byProgressToken.set(entry.progressToken, entry);
  }

  has(id: number): boolean {
    return this.#pending.has(id);
  }

  get(id: number): PendingCall | undefined {
    return this.#pending.get(id);
  }

  /** Drops the call and its timer; its promise is settled by whoever forgets it. */
  forget(entry: PendingCall): void {
    this.#pending.delete(entry.id);
    clearTimeout(entry.timer);
    if (entry.progressToken !== undefined) this.#byProgressToken.delete(entry.progressToken);
  }

  rejectAll(error: unknown): void {
    for (const entry of [...this.#pending.values()]) {
      this.forget(entry);
      entry.reject(error);
    }
  }

  /**
   * The pending call a message belongs to: the one whose progressToken it
   * names, else the only call in flight that listens for related messages.
   * With several such calls in flight an unmarked message belongs to none.
   */
  relatedTo(params: Record<string, unknown> | undefined): PendingCall | undefined {
    const token = progressTokenOf(params);
    if (token !== undefined) {
      const byToken = this.#byProgressToken.get(token);
      if (byToken !== undefined) return byToken;
    }
    // 2025-11-25 tasks: a task's request names its task (related-task _meta), and goes to the tasks/result call open for it.
    const taskId = ((params?._meta as Record<string, unknown> | undefined)?.['io.modelcontextprotocol/related-task'] as { taskId?: unknown } | undefined)?.taskId;
    if (taskId !== undefined) {
      for (const entry of this.#pending.values()) if (entry.method === 'tasks/result' && entry.call?.params?.taskId === taskId) return entry;
    }
    let only: PendingCall | undefined;
    for (const entry of this.#pending.values()) {
      if (entry.call?.onRelatedMessage === undefined) continue;
      if (only !== undefined) return undefined;
      only = entry;
    }
    return only;
  }

  /** How many calls in flight listen for related messages (server requests among them). */
  interactiveCount(): number {
    let count = 0;
    for (const entry of this.#pending.values()) if (entry.call?.onRelatedMessage !== undefined) count++;
    return count;
  }
}
