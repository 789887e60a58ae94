// The tasks scenarios' tools on the SDK v1 conformance fixture, as a
// 2025-11-25 server runs them: experimental tasks (basic/utilities/tasks),
// task-augmented tools/call with `task`, the SDK's own tasks/get,
// tasks/result, tasks/list and tasks/cancel over its task store, and input
// asked inside a task as requests queued for the tasks/result stream. The
// tool names are the ones the 2026-07-28 suite's tasks-* scenarios call
// (greet, slow_compute, confirm_delete, multi_input, failing_job,
// protocol_error_job, test_tool_with_task); a 2026 client meets them through
// the gateway's bridge (docs/tasks.md).
//
// The store is one per process and ignores sessions: the gateway may reach
// the backend over more than one session (replicas, a reconnect), and a task
// must resolve on each, as it would on a server with a durable store.

import { setTimeout as sleep } from 'node:timers/promises';

import { InMemoryTaskMessageQueue, InMemoryTaskStore } from '@modelcontextprotocol/sdk/experimental/tasks/stores/in-memory.js';
import type { CreateTaskOptions } from '@modelcontextprotocol/sdk/experimental/tasks/interfaces.js';
import type { RequestTaskStore } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { type CallToolResult, ElicitResultSchema, ErrorCode, McpError, type Request, type RequestId, type Tool } from '@modelcontextprotocol/sdk/types.js';

import type { ToolExtra } from './conformance-tools.ts';

const TASK_TTL_MS = 10 * 60_000;
const POLL_INTERVAL_MS = 200;

/**
 * The SDK's in-memory store with tasks visible from every session of the
 * process, and its expiry timers unref'd so that a process (a test's, when
 * the fixture runs in it) exits with tasks still stored.
 */
class ProcessTaskStore extends InMemoryTaskStore {
  override async createTask(taskParams: CreateTaskOptions, requestId: RequestId, request: Request, _sessionId?: string) {
    return this.#unrefTimers(await super.createTask(taskParams, requestId, request, undefined));
  }

  override async storeTaskResult(...args: Parameters<InMemoryTaskStore['storeTaskResult']>) {
    this.#unrefTimers(await super.storeTaskResult(...args));
  }

  override async updateTaskStatus(...args: Parameters<InMemoryTaskStore['updateTaskStatus']>) {
    this.#unrefTimers(await super.updateTaskStatus(...args));
  }

  #unrefTimers<T>(value: T): T {
    for (const timer of (this as unknown as { cleanupTimers: Map<string, NodeJS.Timeout> }).cleanupTimers.values()) timer.unref();
    return value;
  }
}

/** One store and one message queue per process, given to every session's McpServer. */
export const conformanceTaskRuntime = { taskStore: new ProcessTaskStore(), taskMessageQueue: new InMemoryTaskMessageQueue() };

/** The 2025-11-25 server capability for task-augmented tools/call (basic/utilities/tasks, "Capabilities"). */
export const conformanceTasksCapability = { list: {}, cancel: {}, requests: { tools: { call: {} } } };

type TaskSupport = 'optional' | 'required';
type Ask = (params: Record<string, unknown>) => Promise<{ action: string; content?: Record<string, unknown> }>;

export interface ConformanceTaskTool {
  definition: Tool;
  /** `task` is the request's 2025 `task` field: present, the call creates a task and answers `{ task }`. */
  call(args: Record<string, unknown>, extra: ToolExtra, task: { ttl?: number } | undefined): Promise<Record<string, unknown>>;
}

function text(value: string, isError = false): CallToolResult {
  return isError ? { content: [{ type: 'text', text: value }], isError: true } : { content: [{ type: 'text', text: value }] };
}

const confirmation = (message: string) => ({ mode: 'form', message, requestedSchema: { type: 'object', properties: { confirm: { type: 'boolean' } }, required: ['confirm'] } });

/** Thrown by a task's work for a failure that is not the tool's own (a protocol error). */
class TaskProtocolFailure extends Error {}

/**
 * A tool whose work runs either in the call (no `task`) or as a task. In a
 * task, input is asked with the request tied to the task
 * (`io.modelcontextprotocol/related-task`): the SDK queues it for the
 * tasks/result stream and marks the task input_required.
 */
function taskTool(name: string, description: string, inputSchema: Tool['inputSchema'], taskSupport: TaskSupport, work: (args: Record<string, unknown>, ask: Ask, signal: AbortSignal) => Promise<CallToolResult>): ConformanceTaskTool {
  return {
    definition: { name, description, inputSchema, execution: { taskSupport } },
    async call(args, extra, task) {
      if (task === undefined) {
        if (taskSupport === 'required') throw new McpError(ErrorCode.MethodNotFound, `Tool ${name} runs only as a task; send tools/call with "task"`);
        const ask: Ask = (params) => extra.sendRequest({ method: 'elicitation/create', params } as never, ElicitResultSchema) as never;
        return work(args, ask, extra.signal) as never;
      }
      const store = extra.taskStore as RequestTaskStore;
      const created = await store.createTask({ ttl: task.ttl ?? TASK_TTL_MS, pollInterval: POLL_INTERVAL_MS });
      void runAsTask(created.taskId, store, extra, work, args);
      return { task: created };
    },
  };
}

async function runAsTask(taskId: string, store: RequestTaskStore, extra: ToolExtra, work: (args: Record<string, unknown>, ask: Ask, signal: AbortSignal) => Promise<CallToolResult>, args: Record<string, unknown>): Promise<void> {
  // tasks/cancel marks the task cancelled in the store; the work notices on its next step.
  const cancelled = new AbortController();
  const watch = setInterval(() => void store.getTask(taskId).then((current) => current.status === 'cancelled' && cancelled.abort(), () => cancelled.abort()), 100);
  const ask: Ask = async (params) => {
    const answer = await extra.sendRequest({ method: 'elicitation/create', params } as never, ElicitResultSchema, { relatedTask: { taskId } } as never);
    await store.updateTaskStatus(taskId, 'working').catch(() => undefined);
    return answer as never;
  };
  try {
    const result = await work(args, ask, cancelled.signal);
    // basic/utilities/tasks, "Task Status": a tool result with isError ends the task `failed`.
    await store.storeTaskResult(taskId, result.isError === true ? 'failed' : 'completed', result);
  } catch (error) {
    if (cancelled.signal.aborted) return;
    // SDK v1 stores a result, never a JSON-RPC error, for tasks/result: the failure's text travels as the payload of a failed task.
    const message = error instanceof Error ? error.message : String(error);
    await store.storeTaskResult(taskId, 'failed', text(message)).catch(() => undefined);
  } finally {
    clearInterval(watch);
  }
}

/** The tools the 2026-07-28 suite's tasks scenarios call, as a 2025-11-25 server offers them. */
export function createConformanceTaskTools(): ConformanceTaskTool[] {
  const greet: ConformanceTaskTool = {
    definition: { name: 'greet', description: 'Says hello; never a task.', inputSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } },
    call: async (args) => text(`Hello, ${String(args.name)}!`) as never,
  };
  return [
    greet,
    taskTool(
      'slow_compute',
      'Sleeps `seconds`, then answers; a task when the call asks for one.',
      { type: 'object', properties: { seconds: { type: 'number' }, label: { type: 'string' } }, required: ['seconds'] },
      'optional',
      async (args, _ask, signal) => {
        await sleep(Number(args.seconds) * 1000, undefined, { signal });
        return text(`slow_compute ${String(args.label ?? '')} finished after ${String(args.seconds)}s`);
      },
    ),
    taskTool(
      'confirm_delete',
      'Asks the user to confirm deleting `filename` (one elicitation inside the task).',
      { type: 'object', properties: { filename: { type: 'string' } }, required: ['filename'] },
      'optional',
      async (args, ask) => {
        const answer = await ask(confirmation(`Delete ${String(args.filename)}?`));
        return text(answer.action === 'accept' ? `Deleted ${String(args.filename)}` : `Kept ${String(args.filename)}`);
      },
    ),
    taskTool('multi_input', 'Asks two questions at once inside the task; completes when both are answered.', { type: 'object', properties: {} }, 'optional', async (_args, ask) => {
      const answers = await Promise.all([ask(confirmation('First question?')), ask(confirmation('Second question?'))]);
      return text(`Both answered: ${answers.map((answer) => answer.action).join(', ')}`);
    }),
    taskTool('failing_job', 'Runs only as a task; its work reports a tool error.', { type: 'object', properties: {} }, 'required', async () => {
      await sleep(200);
      return text('failing_job failed as designed', true);
    }),
    taskTool('protocol_error_job', 'A task whose work fails with an internal error (not a tool error).', { type: 'object', properties: {} }, 'optional', async () => {
      throw new TaskProtocolFailure('protocol_error_job: internal failure as designed');
    }),
    {
      // Asks for a name during the call (a 2025 server's elicitation), then creates the task, whose result greets that name.
      definition: { name: 'test_tool_with_task', description: 'Asks for a name, then continues as a task whose result greets that name.', inputSchema: { type: 'object', properties: {} }, execution: { taskSupport: 'required' } },
      async call(_args, extra, task) {
        if (task === undefined) throw new McpError(ErrorCode.MethodNotFound, 'Tool test_tool_with_task runs only as a task; send tools/call with "task"');
        const answer = await extra.sendRequest(
          { method: 'elicitation/create', params: { mode: 'form', message: 'What is your name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } } } as never,
          ElicitResultSchema,
        );
        const name = String((answer as { content?: Record<string, unknown> }).content?.name ?? 'nobody');
        const store = extra.taskStore as RequestTaskStore;
        const created = await store.createTask({ ttl: task.ttl ?? TASK_TTL_MS, pollInterval: POLL_INTERVAL_MS });
        void (async () => {
          await sleep(100);
          await store.storeTaskResult(created.taskId, 'completed', text(`Hello, ${name}! (from a task)`)).catch(() => undefined);
        })();
        return { task: created };
      },
    },
  ];
}
