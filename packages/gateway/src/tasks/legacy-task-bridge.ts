// A 2026-07-28 client driving a task that runs on a 2025-11-25 backend
// (experimental tasks, basic/utilities/tasks). The gateway created it with a
// task-augmented tools/call (task-relay.ts); here the 2026 methods become
// 2025 ones:
//
//   tasks/get    -> tasks/get, plus tasks/result once the task ended (the
//                   2026 DetailedTask inlines the result or error), and the
//                   requests of an input_required task as `inputRequests`,
//                   read from a tasks/result stream kept open for it
//                   (task-input-channel.ts);
//   tasks/update -> the answers, as responses to those requests;
//   tasks/cancel -> tasks/cancel, acknowledged empty, also for a task that
//                   already ended (2025 refuses that with -32602, 2026 acks).

import type { Exchange } from '../exchange/exchange.ts';
import { GatewayRpcError, RPC } from '../protocol/errors.ts';
import type { Backend } from '../upstream/backend.ts';
import type { Logger } from '../telemetry/logger.ts';
import { forwardToBackend } from '../forward/forward.ts';
import type { TaskBinding } from './task-directory.ts';
import { TaskInputChannel, type TaskOutcome } from './task-input-channel.ts';
import { isTerminalStatus, modernOutcome, toModernTask } from './task-shapes.ts';

type Json = Record<string, unknown>;

/** How long tasks/get waits for the requests of a task the backend reports input_required. */
const INPUT_WAIT_MS = 1_000;
/** A channel whose task ended is kept this long, so the polls right after read its outcome without asking again. */
const ENDED_CHANNEL_MS = 60_000;

export class LegacyTaskBridge {
  readonly #logger: Logger;
  /** Open (or recently ended) tasks/result streams, by the gateway's task id. This replica's only. */
  readonly #channels = new Map<string, TaskInputChannel>();

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** tasks/get: the 2026 DetailedTask under the gateway's id. */
  async get(exchange: Exchange, backend: Backend, binding: TaskBinding): Promise<Json> {
    const legacy = await this.#forward(exchange, backend, 'tasks/get', binding);
    const task: Json = { ...toModernTask(legacy), taskId: binding.taskId };
    const status = legacy.status;
    if (status === 'completed' || status === 'failed') {
      return { ...task, ...modernOutcome(status, await this.#outcome(exchange, backend, binding), legacy.statusMessage) };
    }
    if (status === 'cancelled') return task;
    let channel = this.#channels.get(binding.taskId);
    // One stream per task; a stream that broke (backend restart, timeout) is opened again.
    if (status === 'input_required' && (channel === undefined || !channel.isOpen)) channel = this.#open(exchange, backend, binding);
    if (status === 'input_required') await channel!.waitForInput(INPUT_WAIT_MS);
    // The requests the gateway holds decide: a backend that went back to `working` after one answer may still wait for another.
    if (channel !== undefined && channel.pending.size > 0) return { ...task, status: 'input_required', inputRequests: channel.inputRequests() };
    // Reported input_required, but its requests have not reached the gateway yet: working, until they have (2026 requires them inlined).
    return status === 'input_required' ? { ...task, status: 'working' } : task;
  }

  /** tasks/update: answers for the requests the gateway holds; keys it does not hold are ignored, as SEP-2663 says. */
  async update(binding: TaskBinding, inputResponses: unknown): Promise<Json> {
    await this.#channels.get(binding.taskId)?.answer(inputResponses);
    return {};
  }

  /** tasks/cancel: an empty acknowledgement (SEP-2663), also when the task had already ended. */
  async cancel(exchange: Exchange, backend: Backend, binding: TaskBinding): Promise<Json> {
    try {
      await this.#forward(exchange, backend, 'tasks/cancel', binding);
    } catch (error) {
      const isRefusedAsEnded = error instanceof GatewayRpcError && error.code === RPC.invalidParams
        && isTerminalStatus((await this.#forward(exchange, backend, 'tasks/get', binding)).status);
      if (!isRefusedAsEnded) throw error;
    }
    this.#channels.get(binding.taskId)?.close();
    return {};
  }

  /** The payload of an ended task: the open stream's outcome, else tasks/result (which answers at once for an ended task). */
  async #outcome(exchange: Exchange, backend: Backend, binding: TaskBinding): Promise<TaskOutcome> {
    const kept = this.#channels.get(binding.taskId)?.outcome;
    if (kept !== undefined) return kept;
    try {
      return { result: await this.#forward(exchange, backend, 'tasks/result', binding) };
    } catch (error) {
      if (!(error instanceof GatewayRpcError) || error.code === RPC.backendUnavailable) throw error;
      return { error: { code: error.code, message: error.message, ...(error.data === undefined ? {} : { data: error.data }) } };
    }
  }

  #open(exchange: Exchange, backend: Backend, binding: TaskBinding): TaskInputChannel {
    const channel = new TaskInputChannel({
      backend,
      upstreamTaskId: binding.upstreamTaskId,
      caller: exchange.caller,
      lifetimeMs: Math.max(1_000, binding.expiresAt - Date.now()),
      onEnd: () => {
        if (channel.pending.size > 0) this.#logger.info({ task: binding.taskId, backend: binding.backend }, 'a task\'s tasks/result stream ended with requests unanswered');
        setTimeout(() => this.#channels.get(binding.taskId) === channel && this.#channels.delete(binding.taskId), ENDED_CHANNEL_MS).unref();
      },
    });
    this.#channels.set(binding.taskId, channel);
    return channel;
  }

  #forward(exchange: Exchange, backend: Backend, method: string, binding: TaskBinding): Promise<Json> {
    return forwardToBackend(exchange, backend, method, { taskId: binding.upstreamTaskId }, { logger: this.#logger });
  }
}
