// Tasks through the gateway. A tools/call whose backend answers with a task
// is bound here (task-directory.ts) to that backend and to the caller, under
// an id the gateway mints; tasks/get, tasks/update and tasks/cancel find the
// binding and go to the owning backend with the backend's own id. Policies
// ran on the tools/call that created the task (router.ts); the task methods
// are checked against the binding, not the catalog, so a task outlives a
// list change but never changes hands.
//
// Revisions: a 2026-07-28 client and backend speak SEP-2663 and the gateway
// relays. A 2025-11-25 client gets its experimental tasks bridged to a
// 2026 backend: the gateway declares the extension upstream for it, answers
// `{ task }`, serves tasks/get and tasks/cancel with 2025 Tasks, and
// tasks/result by polling the backend until the task ends, relaying any
// input the task asks for as requests on the tasks/result stream. A 2025
// backend's own tasks reach a 2025 client as they are. A 2026 client gets a
// 2025 backend's tasks bridged the other way (legacy-task-bridge.ts): the
// gateway adds the 2025 `task` field to calls of tools that declare
// `execution.taskSupport`, answers a flat CreateTaskResult, and maps the
// task methods.

import { setTimeout as sleep } from 'node:timers/promises';

import type { Exchange } from '../exchange/exchange.ts';
import { GatewayRpcError, RPC, rpcErrors } from '../protocol/errors.ts';
import type { Backend, BackendHandshake } from '../upstream/backend.ts';
import type { Logger } from '../telemetry/logger.ts';
import { forwardToBackend, upstreamParams } from '../forward/forward.ts';
import { bindingLifetimeMs, newTaskId, type TaskBinding, type TaskDirectory } from './task-directory.ts';
import {
  declaresLegacyToolTasks,
  declaresTasksExtension,
  LEGACY_TASK_METHODS,
  missingTasksExtension,
  MODERN_TASK_METHODS,
  taskMethodNotBridged,
  unknownTask,
  withTasksExtension,
} from './tasks-extension.ts';
import { createdTaskOf, isTerminalStatus, toLegacyCreateResult, toLegacyTask, toModernCreateResult, withTaskId } from './task-shapes.ts';
import { LegacyTaskBridge } from './legacy-task-bridge.ts';

type Json = Record<string, unknown>;

/** tasks/result polls a 2026 backend no faster than this, and no slower, whatever pollIntervalMs says. */
const POLL_FLOOR_MS = 50;
const POLL_CEILING_MS = 5_000;
const RELATED_TASK = 'io.modelcontextprotocol/related-task';
/** A listen stream's task is polled no more often than this, whatever the backend suggests. */
const WATCH_FLOOR_MS = 250;

export interface TaskRelayOptions {
  directory: TaskDirectory;
  backend(name: string): Backend | undefined;
  logger: Logger;
}

/** Whether a backend offers tasks to clients of its own revision. */
export function backendOffersTasks(handshake: BackendHandshake | undefined): boolean {
  if (handshake === undefined) return false;
  return handshake.era === 'modern' ? declaresTasksExtension(handshake.capabilities) : declaresLegacyToolTasks(handshake.capabilities);
}

/** Whether the gateway can offer a client of `era` tasks on this backend: relayed, or bridged either way between revisions. */
export function offersTasksTo(_era: 'modern' | 'legacy', handshake: BackendHandshake | undefined): boolean {
  return backendOffersTasks(handshake);
}

/** A 2025-11-25 tool's own say on tasks (`execution.taskSupport`; absent means forbidden). */
function taskSupportOf(definition: Json | undefined): 'optional' | 'required' | 'forbidden' {
  const support = (definition?.execution as Json | undefined)?.taskSupport;
  return support === 'optional' || support === 'required' ? support : 'forbidden';
}

/** The TTL the gateway asks a 2025 backend for when it creates a task for a 2026 client (which names none). */
const BRIDGED_TASK_TTL_MS = 60 * 60_000;

export interface ToolLookup {
  backend: Backend | undefined;
  /** The backend's definition of the tool, as listed. */
  definition: Json;
}

/** Who may drive a task: the same caller identity, in the same tenant. */
function ownerOf(exchange: Exchange): string {
  return exchange.caller.identityKey;
}

export class TaskRelay {
  readonly #options: TaskRelayOptions;
  readonly #legacyTasks: LegacyTaskBridge;

  constructor(options: TaskRelayOptions) {
    this.#options = options;
    this.#legacyTasks = new LegacyTaskBridge(options.logger);
  }

  get directory(): TaskDirectory {
    return this.#options.directory;
  }

  /**
   * Runs a tools/call (`run`, the whole targeted pipeline) with what the
   * revisions need around it, and binds the task it may create. `backendOf`
   * names the backend the call's tool belongs to, before it runs.
   */
  async call(exchange: Exchange, params: Json, toolOf: (name: string) => ToolLookup | undefined, run: (params: Json) => Promise<Json> | Json): Promise<Json> {
    if (exchange.client.era === 'modern') return this.adopt(exchange, await run(this.#modernCall(exchange, params, toolOf)));
    let forwarded = params;
    // Only a 2025 task-augmented call needs its backend looked up; every other tools/call goes straight through.
    const isLegacyTaskCall = typeof params.task === 'object' && params.task !== null;
    const handshake = isLegacyTaskCall && typeof params.name === 'string' ? toolOf(params.name)?.backend?.handshake : undefined;
    if (isLegacyTaskCall && handshake?.era === 'modern') {
      // A 2025 task-augmented call to a 2026 backend: the gateway takes the extension on for the client and drops the 2025 `task` field.
      forwarded = withoutTask(params);
      if (declaresTasksExtension(handshake.capabilities)) asTasksClient(exchange);
    }
    const result = await run(forwarded);
    return this.adopt(exchange, result);
  }

  /**
   * A 2026 client's tools/call. The 2025 `task` field is not theirs to send
   * (SEP-2663 "Backward Compatibility": ignored); to a 2025 backend with
   * tasks the gateway adds it itself when the client declared the extension
   * and the tool takes tasks, and refuses a tool that runs only as a task to
   * a client that did not (-32021, SEP-2663 "Capability Negotiation").
   */
  #modernCall(exchange: Exchange, params: Json, toolOf: (name: string) => ToolLookup | undefined): Json {
    const tool = typeof params.name === 'string' ? toolOf(params.name) : undefined;
    const handshake = tool?.backend?.handshake;
    // The common case (no 2025 backend with tasks behind the tool, no `task` sent) forwards the client's params as they are.
    if (handshake?.era !== 'legacy' || !declaresLegacyToolTasks(handshake.capabilities)) return 'task' in params ? withoutTask(params) : params;
    const rest = withoutTask(params);
    const support = taskSupportOf(tool!.definition);
    if (support === 'forbidden') return rest;
    if (!declaresTasksExtension(exchange.client.capabilities)) {
      if (support === 'required') throw missingTasksExtension(`tools/call of "${String(params.name)}", which runs only as a task,`);
      return rest;
    }
    return { ...rest, task: { ttl: BRIDGED_TASK_TTL_MS } };
  }

  /** A tools/call result: a task it created is bound and answered under the gateway's id, in the client's revision. */
  async adopt(exchange: Exchange, result: Json): Promise<Json> {
    const created = createdTaskOf(result);
    const target = exchange.target;
    if (created === undefined || target === undefined || target.name === undefined) return result;
    const binding: TaskBinding = {
      taskId: newTaskId(),
      backend: target.backend,
      upstreamTaskId: created.taskId,
      backendEra: created.era,
      tool: target.name,
      owner: ownerOf(exchange),
      tenant: exchange.tenant,
      endpoint: exchange.endpointBackend,
      expiresAt: Date.now() + bindingLifetimeMs(created.ttlMs),
    };
    // Durable before the client hears of it: a tasks/get right after must resolve (SEP-2663, "Task Creation").
    await this.#options.directory.save(binding);
    const renamed = withTaskId(result, binding.taskId);
    if (exchange.client.era === 'legacy' && created.era === 'modern') return toLegacyCreateResult(renamed);
    return exchange.client.era === 'modern' && created.era === 'legacy' ? toModernCreateResult(renamed) : renamed;
  }

  /** Whether `method` is a task method this relay answers. */
  handles(method: string): boolean {
    return MODERN_TASK_METHODS.has(method) || LEGACY_TASK_METHODS.has(method);
  }

  async handle(exchange: Exchange, method: string, params: Json): Promise<Json> {
    const isModernClient = exchange.client.era === 'modern';
    if (isModernClient && !MODERN_TASK_METHODS.has(method)) throw rpcErrors.methodNotFound(method);
    if (isModernClient && !declaresTasksExtension(exchange.client.capabilities)) throw missingTasksExtension(method);
    // 2025-11-25 tasks/list: the gateway keeps no per-caller index of tasks, and does not advertise tasks.list.
    if (!isModernClient && method === 'tasks/list') throw taskMethodNotBridged(method, 'the gateway does not list tasks; keep the ids tools/call returned');
    if (!isModernClient && !LEGACY_TASK_METHODS.has(method)) throw rpcErrors.methodNotFound(method);
    const binding = await this.#owned(exchange, params.taskId);
    exchange.target = { backend: binding.backend, kind: 'tool', name: binding.tool };
    const backend = this.#options.backend(binding.backend);
    if (backend === undefined) {
      throw new GatewayRpcError(RPC.backendUnavailable, `The backend "${binding.backend}" that runs task ${binding.taskId} is no longer configured on this gateway`, { data: { backend: binding.backend } });
    }
    if (binding.backendEra === exchange.client.era) return this.#relay(exchange, backend, binding, method, params);
    if (binding.backendEra === 'modern') return this.#bridgeForLegacyClient(exchange, backend, binding, method);
    return this.#bridgeForModernClient(exchange, backend, binding, method, params);
  }

  /** A 2026-07-28 client driving a task that runs on a 2025-11-25 backend. */
  #bridgeForModernClient(exchange: Exchange, backend: Backend, binding: TaskBinding, method: string, params: Json): Promise<Json> {
    switch (method) {
      case 'tasks/get':
        return this.#legacyTasks.get(exchange, backend, binding);
      case 'tasks/update':
        return this.#legacyTasks.update(binding, params.inputResponses);
      case 'tasks/cancel':
        return this.#legacyTasks.cancel(exchange, backend, binding);
      default:
        throw rpcErrors.methodNotFound(method);
    }
  }

  /**
   * Status notifications for a `subscriptions/listen` stream that named the
   * task (SEP-2663, "Task Status Notifications"): the gateway polls the
   * owning backend and sends `notifications/tasks` with the full task each
   * time it changes, until it ends or the stream closes. Returns the starter
   * (called once the stream is acknowledged), or undefined when the task is
   * not the caller's, or the client did not declare the extension.
   */
  async watch(exchange: Exchange, taskId: string, emit: (task: Json) => void, signal: AbortSignal): Promise<(() => void) | undefined> {
    if (!declaresTasksExtension(exchange.client.capabilities)) return undefined;
    let binding: TaskBinding;
    try {
      binding = await this.#owned(exchange, taskId);
    } catch {
      return undefined;
    }
    const backend = this.#options.backend(binding.backend);
    if (backend === undefined) return undefined;
    // A 2025 backend's task is followed through the bridge: its tasks/get already reads as 2026's DetailedTask.
    const get = binding.backendEra === 'modern'
      ? async () => renameTask(await forwardToBackend(exchange, backend, 'tasks/get', { taskId: binding.upstreamTaskId }, { logger: this.#options.logger, signal }), binding)
      : () => this.#legacyTasks.get(exchange, backend, binding);
    return () => void this.#follow(binding, get, emit, signal);
  }

  async #follow(binding: TaskBinding, get: () => Promise<Json>, emit: (task: Json) => void, signal: AbortSignal): Promise<void> {
    let last = '';
    while (!signal.aborted) {
      let task: Json;
      try {
        task = await get();
      } catch (error) {
        if (!signal.aborted) this.#options.logger.info({ task: binding.taskId, backend: binding.backend, err: error }, 'stopped following a task for its listen stream');
        return;
      }
      const { resultType: _resultType, _meta: _backendMeta, ...params } = task;
      const state = `${String(task.status)}|${String(task.lastUpdatedAt)}|${Object.keys((task.inputRequests ?? {}) as Json).join(',')}`;
      if (state !== last) {
        last = state;
        emit(params);
      }
      if (isTerminalStatus(task.status)) return;
      await sleep(Math.max(WATCH_FLOOR_MS, pollDelay(task.pollIntervalMs)), undefined, { signal }).catch(() => undefined);
    }
  }

  async #owned(exchange: Exchange, taskId: unknown): Promise<TaskBinding> {
    if (typeof taskId !== 'string' || taskId.length === 0) throw rpcErrors.invalidParams('the task methods need "taskId", the id tools/call returned');
    const binding = await this.#options.directory.find(taskId);
    const isOwned = binding !== undefined
      && binding.owner === ownerOf(exchange)
      && binding.tenant === exchange.tenant
      && (exchange.endpointBackend === undefined || exchange.endpointBackend === binding.backend);
    if (!isOwned) throw unknownTask(taskId);
    return binding;
  }

  /** Same revision on both sides: the method goes on with the backend's id and comes back with the gateway's. */
  async #relay(exchange: Exchange, backend: Backend, binding: TaskBinding, method: string, params: Json): Promise<Json> {
    const result = await forwardToBackend(exchange, backend, method, { ...upstreamParams(params), taskId: binding.upstreamTaskId }, { logger: this.#options.logger });
    return renameTask(result, binding);
  }

  /** A 2025-11-25 client driving a task that runs on a 2026-07-28 backend. */
  async #bridgeForLegacyClient(exchange: Exchange, backend: Backend, binding: TaskBinding, method: string): Promise<Json> {
    asTasksClient(exchange);
    const get = async () => renameTask(await forwardToBackend(exchange, backend, 'tasks/get', { taskId: binding.upstreamTaskId }, { logger: this.#options.logger }), binding);
    switch (method) {
      case 'tasks/get':
        return toLegacyTask(await get());
      case 'tasks/cancel': {
        await forwardToBackend(exchange, backend, 'tasks/cancel', { taskId: binding.upstreamTaskId }, { logger: this.#options.logger });
        return toLegacyTask(await get());
      }
      case 'tasks/result':
        return this.#awaitResult(exchange, backend, binding, get);
      default:
        throw rpcErrors.methodNotFound(method);
    }
  }

  /**
   * 2025-11-25 tasks/result: blocks until the task ends. Polls the 2026
   * backend at its pollIntervalMs; input it asks for goes to the client as
   * requests on this call's stream and back to the backend by tasks/update.
   */
  async #awaitResult(exchange: Exchange, backend: Backend, binding: TaskBinding, get: () => Promise<Json>): Promise<Json> {
    const answered = new Set<string>();
    // Ends when the task does, or when the client gives up (the sleep and the forwards follow exchange.signal).
    for (;;) {
      const task = await get();
      if (task.status === 'completed') return withRelatedTask(task.result as Json | undefined, binding.taskId);
      if (task.status === 'failed') throw failureOf(task, binding);
      if (task.status === 'cancelled') throw rpcErrors.invalidParams(`task ${binding.taskId} was cancelled; it has no result`);
      if (task.status === 'input_required') await this.#relayInput(exchange, backend, binding, task.inputRequests as Json | undefined, answered);
      else await sleep(pollDelay(task.pollIntervalMs), undefined, { signal: exchange.signal });
    }
  }

  async #relayInput(exchange: Exchange, backend: Backend, binding: TaskBinding, requests: Json | undefined, answered: Set<string>): Promise<void> {
    const ask = exchange.relay.request;
    const pending = Object.entries(requests ?? {}).filter(([key]) => !answered.has(key));
    if (pending.length === 0) {
      await sleep(POLL_FLOOR_MS * 4, undefined, { signal: exchange.signal });
      return;
    }
    if (ask === undefined) {
      throw taskMethodNotBridged('tasks/result', 'the task needs input, and this client cannot be asked on this stream; answer it from a 2026-07-28 client');
    }
    const responses: Json = {};
    for (const [key, request] of pending) {
      const { method, params } = request as { method: string; params?: Json };
      const answer = await ask(method, params ?? {}, exchange.signal);
      if ('error' in answer) throw new GatewayRpcError(answer.error.code, `the client refused the task's ${method}: ${answer.error.message}`);
      responses[key] = answer.result;
      answered.add(key);
    }
    await forwardToBackend(exchange, backend, 'tasks/update', { taskId: binding.upstreamTaskId, inputResponses: responses }, { logger: this.#options.logger });
  }
}

/** A failed task's JSON-RPC error, as tasks/result's error (2025-11-25 returns the error the request would have). */
function failureOf(task: Json, binding: TaskBinding): GatewayRpcError {
  const error = (task.error ?? {}) as { code?: unknown; message?: unknown; data?: unknown };
  const code = typeof error.code === 'number' ? error.code : RPC.internalError;
  return new GatewayRpcError(code, typeof error.message === 'string' ? error.message : `task ${binding.taskId} failed`, { data: error.data });
}

function pollDelay(pollIntervalMs: unknown): number {
  const wanted = typeof pollIntervalMs === 'number' && Number.isFinite(pollIntervalMs) ? pollIntervalMs : 500;
  return Math.min(POLL_CEILING_MS, Math.max(POLL_FLOOR_MS, wanted));
}

/** The backend's task id, wherever a task result names it, replaced by the gateway's. */
function renameTask(result: Json, binding: TaskBinding): Json {
  if (result.taskId === binding.upstreamTaskId) result = { ...result, taskId: binding.taskId };
  const meta = result._meta as Json | undefined;
  const related = meta?.[RELATED_TASK] as Json | undefined;
  if (related?.taskId === binding.upstreamTaskId) result = { ...result, _meta: { ...meta, [RELATED_TASK]: { ...related, taskId: binding.taskId } } };
  return result;
}

/** A 2025-11-25 tasks/result payload carries the task it belongs to in `_meta` (basic/utilities/tasks). */
function withRelatedTask(result: Json | undefined, taskId: string): Json {
  const payload = { ...(result ?? {}) };
  payload._meta = { ...(payload._meta as Json | undefined), [RELATED_TASK]: { taskId } };
  return payload;
}

/**
 * The gateway declares the extension upstream for a 2025 client whose tasks
 * it bridges: this exchange's client description only (a fresh object, so
 * the session's own description is untouched).
 */
function asTasksClient(exchange: Exchange): void {
  const client = exchange.client;
  (exchange as { client: Exchange['client'] }).client = { ...client, capabilities: withTasksExtension(client.capabilities) };
}

/** A tools/call's params without the 2025 `task` field. */
function withoutTask(params: Json): Json {
  const { task: _ignored, ...rest } = params;
  return rest;
}
