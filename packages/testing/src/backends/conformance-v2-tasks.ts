// The tasks extension (io.modelcontextprotocol/tasks, SEP-2663) on the SDK v2
// conformance fixture. The SDK has no task runtime (its task methods are
// 2025-11-25 vocabulary it will not dispatch), so the fixture keeps its own
// store: one per process, shared by the per-request 2026 servers, which is
// what a real server's durable store would be. The tools are the ones the
// suite's tasks-* scenarios name (greet, slow_compute, confirm_delete,
// multi_input, failing_job, protocol_error_job, test_tool_with_task).
//
// A task is created only when the request declares the extension in its
// per-request capabilities; otherwise task-supporting tools run synchronously
// and the one that requires a task refuses with -32021 (SEP-2663, "Capability
// Negotiation").

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  acceptedContent,
  CLIENT_CAPABILITIES_META_KEY,
  inputRequired,
  type InputRequest,
  type McpServer,
  ProtocolError,
  type ServerContext,
} from '@modelcontextprotocol/server';
import * as z from 'zod';

export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';
const MISSING_CAPABILITY = -32021;
const INVALID_PARAMS = -32602;
const TASK_TTL_MS = 10 * 60_000;
const POLL_INTERVAL_MS = 200;

type Json = Record<string, unknown>;
type TaskStatus = 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';

interface FixtureTask {
  taskId: string;
  status: TaskStatus;
  createdAt: string;
  lastUpdatedAt: string;
  result?: Json;
  error?: Json;
  /** Outstanding input requests by key; answered keys leave. */
  inputRequests: Map<string, InputRequest>;
  /** Answers gathered so far (tasks/update), read by the running work. */
  inputResponses: Map<string, unknown>;
  /** Wakes the work when an answer arrives. */
  onAnswer?: () => void;
  abort: AbortController;
}

/** What a task's work can do: wait for client input, and see whether it was cancelled. */
export interface TaskControl {
  signal: AbortSignal;
  /** Parks the task in input_required until every key is answered; resolves with the answers. */
  ask(requests: Record<string, InputRequest>): Promise<Record<string, unknown>>;
}

/** Thrown by a task's work to end it `failed` with a JSON-RPC error (a protocol error, not a tool error). */
export class TaskProtocolFailure extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

/** The process's tasks, shared by every server instance (each 2026 request gets its own). */
export class FixtureTaskStore {
  readonly #tasks = new Map<string, FixtureTask>();
  /** Set by the HTTP entry: pushes notifications/tasks to listen streams that asked for the task. */
  notify: ((task: Json) => void) | undefined;

  /** Creates a task, starts `work`, and returns the CreateTaskResult once tasks/get would resolve it. */
  create(work: (control: TaskControl) => Promise<Json>): Json {
    const now = new Date().toISOString();
    const task: FixtureTask = { taskId: randomUUID(), status: 'working', createdAt: now, lastUpdatedAt: now, inputRequests: new Map(), inputResponses: new Map(), abort: new AbortController() };
    this.#tasks.set(task.taskId, task);
    const timer = setTimeout(() => this.#tasks.delete(task.taskId), TASK_TTL_MS);
    timer.unref();
    void this.#run(task, work);
    return { resultType: 'task', ...this.#envelope(task) };
  }

  async #run(task: FixtureTask, work: (control: TaskControl) => Promise<Json>): Promise<void> {
    const control: TaskControl = {
      signal: task.abort.signal,
      ask: (requests) => this.#ask(task, requests),
    };
    try {
      const result = await work(control);
      this.#settle(task, { status: 'completed', result });
    } catch (error) {
      if (task.abort.signal.aborted) return;
      const failure = error instanceof TaskProtocolFailure ? { code: error.code, message: error.message } : { code: -32603, message: String((error as Error)?.message ?? error) };
      this.#settle(task, { status: 'failed', error: failure });
    }
  }

  async #ask(task: FixtureTask, requests: Record<string, InputRequest>): Promise<Record<string, unknown>> {
    for (const [key, request] of Object.entries(requests)) task.inputRequests.set(key, request);
    this.#touch(task, 'input_required');
    const keys = Object.keys(requests);
    while (!keys.every((key) => task.inputResponses.has(key))) {
      if (task.abort.signal.aborted) throw task.abort.signal.reason;
      await new Promise<void>((resolve) => {
        task.onAnswer = resolve;
        task.abort.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
    task.onAnswer = undefined;
    this.#touch(task, 'working');
    return Object.fromEntries(keys.map((key) => [key, task.inputResponses.get(key)]));
  }

  get(taskId: unknown): FixtureTask {
    const task = typeof taskId === 'string' ? this.#tasks.get(taskId) : undefined;
    if (task === undefined) throw new ProtocolError(INVALID_PARAMS, `Unknown task "${String(taskId)}": it expired or was never created here`);
    return task;
  }

  /** tasks/get's DetailedTask: result, error or the outstanding inputRequests inlined by status. */
  detailed(task: FixtureTask): Json {
    const detailed: Json = this.#envelope(task);
    if (task.status === 'completed') detailed.result = task.result;
    if (task.status === 'failed') detailed.error = task.error;
    if (task.status === 'input_required') detailed.inputRequests = Object.fromEntries(task.inputRequests);
    return detailed;
  }

  /** tasks/update: answers for outstanding keys are taken, any other key is ignored (SEP-2663). */
  update(task: FixtureTask, responses: unknown): void {
    if (typeof responses !== 'object' || responses === null) return;
    for (const [key, response] of Object.entries(responses)) {
      if (!task.inputRequests.has(key)) continue;
      task.inputRequests.delete(key);
      task.inputResponses.set(key, response);
    }
    task.lastUpdatedAt = new Date().toISOString();
    task.onAnswer?.();
  }

  /** tasks/cancel: cooperative; a terminal task stays as it is. */
  cancel(task: FixtureTask): void {
    if (isTerminal(task.status)) return;
    task.abort.abort(new Error('cancelled by tasks/cancel'));
    task.inputRequests.clear();
    this.#settle(task, { status: 'cancelled' });
  }

  #settle(task: FixtureTask, outcome: { status: TaskStatus; result?: Json; error?: Json }): void {
    if (isTerminal(task.status)) return;
    if (outcome.result !== undefined) task.result = outcome.result;
    if (outcome.error !== undefined) task.error = outcome.error;
    this.#touch(task, outcome.status);
  }

  #touch(task: FixtureTask, status: TaskStatus): void {
    task.status = status;
    task.lastUpdatedAt = new Date().toISOString();
    this.notify?.(this.detailed(task));
  }

  #envelope(task: FixtureTask): Json {
    return { taskId: task.taskId, status: task.status, createdAt: task.createdAt, lastUpdatedAt: task.lastUpdatedAt, ttlMs: TASK_TTL_MS, pollIntervalMs: POLL_INTERVAL_MS };
  }
}

function isTerminal(status: TaskStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

/** Whether this request declared the tasks extension in its per-request capabilities (2026-07-28 only). */
function declaresTasks(ctx: ServerContext): boolean {
  const envelope = ctx.mcpReq.envelope as Json | undefined;
  const capabilities = envelope?.[CLIENT_CAPABILITIES_META_KEY] as { extensions?: Json } | undefined;
  return capabilities?.extensions?.[TASKS_EXTENSION] !== undefined;
}

function missingTasksCapability(): ProtocolError {
  return new ProtocolError(MISSING_CAPABILITY, 'Missing required client capability: this request needs the io.modelcontextprotocol/tasks extension', {
    requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } },
  });
}

function text(value: string, isError = false): Json {
  return isError ? { content: [{ type: 'text', text: value }], isError: true } : { content: [{ type: 'text', text: value }] };
}

const confirmation = (message: string) =>
  inputRequired.elicit({ mode: 'form', message, requestedSchema: { type: 'object', properties: { confirm: { type: 'boolean' } }, required: ['confirm'] } } as never);

const nameAnswer = z.object({ name: z.string() });

type RawHandler = (request: { params?: Json }, ctx: ServerContext) => unknown;

/**
 * McpServer turns anything a tool handler throws into an isError result, but
 * a tool that requires a task must refuse a client without the extension with
 * the JSON-RPC error -32021 before it runs (SEP-2663). The SDK has no hook
 * for that, so the fixture wraps its registered tools/call handler (an SDK
 * internal: acceptable in a test fixture, never in the gateway).
 */
function refuseWithoutTasks(server: McpServer, tool: string): void {
  const handlers = (server.server as unknown as { _requestHandlers: Map<string, RawHandler> })._requestHandlers;
  const original = handlers.get('tools/call');
  if (original === undefined) throw new Error('McpServer registered no tools/call handler');
  handlers.set('tools/call', (request, ctx) => {
    if (request.params?.name === tool && !declaresTasks(ctx)) throw missingTasksCapability();
    return original(request, ctx);
  });
}

/** The tasks scenarios' tools, plus tasks/get, tasks/update and tasks/cancel on a 2026 server. */
export function registerTaskTools(server: McpServer, store: FixtureTaskStore, era: 'legacy' | 'modern'): void {
  // A 2025 session sees these tools as ordinary synchronous ones: its tasks are the 2025-11-25 kind, which this fixture does not offer.
  const asTask = (ctx: ServerContext, work: (control: TaskControl) => Promise<Json>, fallback: () => Promise<Json>): Promise<Json> | Json =>
    era === 'modern' && declaresTasks(ctx) ? store.create(work) : fallback();

  server.registerTool('greet', { description: 'Says hello; never a task.', inputSchema: z.object({ name: z.string() }) }, ({ name }) => text(`Hello, ${name}!`) as never);

  const slow = async (seconds: number, label: string, signal: AbortSignal) => {
    await sleep(seconds * 1000, undefined, { signal });
    return text(`slow_compute ${label} finished after ${seconds}s`);
  };
  server.registerTool(
    'slow_compute',
    { description: 'Sleeps `seconds`, then answers; a task when the client declared the tasks extension.', inputSchema: z.object({ seconds: z.number(), label: z.string().optional() }) },
    ({ seconds, label }, ctx) => asTask(ctx, (control) => slow(seconds, label ?? '', control.signal), () => slow(seconds, label ?? '', ctx.mcpReq.signal)) as never,
  );

  server.registerTool(
    'confirm_delete',
    { description: 'Asks the user to confirm deleting `filename` (one elicitation inside the task).', inputSchema: z.object({ filename: z.string() }) },
    ({ filename }, ctx) =>
      asTask(
        ctx,
        async (control) => {
          const answers = await control.ask({ confirm: confirmation(`Delete ${filename}?`) });
          const accepted = (answers.confirm as { action?: string } | undefined)?.action === 'accept';
          return text(accepted ? `Deleted ${filename}` : `Kept ${filename}`);
        },
        async () => text(`confirm_delete needs a task to ask for confirmation; ${filename} kept`),
      ) as never,
  );

  server.registerTool(
    'multi_input',
    { description: 'Asks two questions at once inside the task; completes when both are answered.', inputSchema: z.object({}) },
    (_args, ctx) =>
      asTask(
        ctx,
        async (control) => {
          const answers = await control.ask({ first: confirmation('First question?'), second: confirmation('Second question?') });
          return text(`Both answered: ${Object.keys(answers).join(', ')}`);
        },
        async () => text('multi_input needs a task to ask its questions'),
      ) as never,
  );

  server.registerTool(
    'failing_job',
    { description: 'Requires a task; its work reports a tool error (completed with isError).', inputSchema: z.object({}), _meta: { taskSupport: 'required' } },
    (_args, ctx) => {
      if (era !== 'modern' || !declaresTasks(ctx)) throw missingTasksCapability();
      return store.create(async () => {
        await sleep(200);
        return text('failing_job failed as designed', true);
      }) as never;
    },
  );
  refuseWithoutTasks(server, 'failing_job');

  server.registerTool(
    'protocol_error_job',
    { description: 'A task whose work fails with a JSON-RPC error (status failed).', inputSchema: z.object({}) },
    (_args, ctx) =>
      asTask(
        ctx,
        async () => {
          throw new TaskProtocolFailure(-32603, 'protocol_error_job: internal failure as designed');
        },
        async () => {
          throw new ProtocolError(-32603, 'protocol_error_job: internal failure as designed');
        },
      ) as never,
  );

  server.registerTool(
    'test_tool_with_task',
    { description: 'Asks for a name in an input_required round, then continues as a task whose result greets that name.', inputSchema: z.object({}) },
    (_args, ctx) => {
      const answer = acceptedContent(ctx.mcpReq.inputResponses, 'user_name', nameAnswer);
      if (answer === undefined) {
        return inputRequired({
          inputRequests: { user_name: inputRequired.elicit({ mode: 'form', message: 'What is your name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } } as never) },
        }) as never;
      }
      if (era !== 'modern' || !declaresTasks(ctx)) throw missingTasksCapability();
      return store.create(async () => {
        await sleep(100);
        return text(`Hello, ${answer.name}! (from a task)`);
      }) as never;
    },
  );

  if (era !== 'modern') return;
  server.server.registerCapabilities({ extensions: { [TASKS_EXTENSION]: {} } } as never);
  const taskParams = z.object({ taskId: z.string() }).passthrough();
  const gated = (ctx: unknown) => {
    if (!declaresTasks(ctx as ServerContext)) throw missingTasksCapability();
  };
  server.server.setRequestHandler('tasks/get', { params: taskParams }, (params, ctx) => {
    gated(ctx);
    return store.detailed(store.get(params.taskId)) as never;
  });
  server.server.setRequestHandler('tasks/update', { params: taskParams }, (params, ctx) => {
    gated(ctx);
    // The SDK lifts `inputResponses` off every request's params (the MRTR retry field) into the context.
    store.update(store.get(params.taskId), (ctx as ServerContext).mcpReq.inputResponses ?? (params as Json).inputResponses);
    return {} as never;
  });
  server.server.setRequestHandler('tasks/cancel', { params: taskParams }, (params, ctx) => {
    gated(ctx);
    store.cancel(store.get(params.taskId));
    return {} as never;
  });
}
