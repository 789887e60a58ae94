// The tasks/result stream the gateway keeps open on a 2025-11-25 backend for
// a task a 2026-07-28 client drives. A 2025 task asks for input with requests
// that name the task (`io.modelcontextprotocol/related-task`) and reach the
// requestor on tasks/result (basic/utilities/tasks, "Input Required
// Status"); a 2026 client reads them as `inputRequests` on tasks/get and
// answers with tasks/update (SEP-2663). The channel holds each request under
// a key until its answer comes, and keeps the outcome tasks/result ends with.

import type { JsonRpcNotification, JsonRpcRequest } from '../protocol/jsonrpc.ts';
import type { Backend } from '../upstream/backend.ts';
import type { Caller } from '../identity/caller.ts';

type Json = Record<string, unknown>;

const RELATED_TASK = 'io.modelcontextprotocol/related-task';

export type TaskOutcome = { result: Json } | { error: { code: number; message: string; data?: unknown } };

export interface TaskInputChannelOptions {
  backend: Backend;
  upstreamTaskId: string;
  caller: Caller;
  /** How long the stream may stay open: the task's binding lifetime. */
  lifetimeMs: number;
  /** Called once the stream ended, whatever the reason. */
  onEnd(): void;
}

export class TaskInputChannel {
  /** Backend requests the client has not answered yet, by the key `inputRequests` shows. */
  readonly pending = new Map<string, JsonRpcRequest>();
  /** What tasks/result ended with; undefined while open, or when the stream broke (the backend keeps the task). */
  outcome: TaskOutcome | undefined;
  readonly #options: TaskInputChannelOptions;
  readonly #controller = new AbortController();
  #waiters: (() => void)[] = [];
  #isOpen = true;

  constructor(options: TaskInputChannelOptions) {
    this.#options = options;
    void this.#run();
  }

  get isOpen(): boolean {
    return this.#isOpen;
  }

  async #run(): Promise<void> {
    const { backend, upstreamTaskId, caller, lifetimeMs } = this.#options;
    try {
      const response = await backend.request({
        method: 'tasks/result',
        params: { taskId: upstreamTaskId },
        signal: this.#controller.signal,
        timeoutMs: lifetimeMs,
        caller,
        onRelatedMessage: (message) => this.#take(message),
      });
      this.outcome = 'error' in response ? { error: response.error } : { result: response.result };
    } catch {
      // Unreachable backend, timeout or close: no outcome; the next tasks/get asks the backend again.
    } finally {
      this.#isOpen = false;
      this.#wake();
      this.#options.onEnd();
    }
  }

  #take(message: JsonRpcNotification | JsonRpcRequest): void {
    if (!('id' in message)) return;
    if (message.method === 'ping') {
      void this.#options.backend.respond({ jsonrpc: '2.0', id: message.id, result: {} }).catch(() => undefined);
      return;
    }
    // Keys are unique over the task's lifetime (SEP-2663 "Input Required"): the backend's request ids never repeat on its session.
    this.pending.set(`request-${String(message.id)}`, message);
    this.#wake();
  }

  /** Resolves once a request is pending or the stream ended, or after `ms`. */
  async waitForInput(ms: number): Promise<void> {
    if (this.pending.size > 0 || !this.#isOpen) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** The pending requests as 2026 `inputRequests`: method and params, without the 2025 related-task `_meta`. */
  inputRequests(): Json {
    const requests: Json = {};
    for (const [key, request] of this.pending) requests[key] = { method: request.method, params: withoutRelatedTask(request.params) };
    return requests;
  }

  /** Hands answers for pending keys to the backend under its request ids; other keys are ignored (SEP-2663 "tasks/update"). */
  async answer(responses: unknown): Promise<void> {
    if (typeof responses !== 'object' || responses === null) return;
    for (const [key, answer] of Object.entries(responses as Json)) {
      const request = this.pending.get(key);
      if (request === undefined || typeof answer !== 'object' || answer === null) continue;
      this.pending.delete(key);
      await this.#options.backend.respond({ jsonrpc: '2.0', id: request.id, result: answer as Json });
    }
  }

  close(): void {
    this.#controller.abort();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

function withoutRelatedTask(params: Json | undefined): Json | undefined {
  const meta = params?._meta as Json | undefined;
  if (meta === undefined || !(RELATED_TASK in meta)) return params;
  const { [RELATED_TASK]: _related, ...rest } = meta;
  const { _meta: _dropped, ...payload } = params!;
  return Object.keys(rest).length === 0 ? payload : { ...payload, _meta: rest };
}
