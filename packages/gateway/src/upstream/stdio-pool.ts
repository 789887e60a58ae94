// Several processes of one stdio server behind one Backend (`processes: N`).
// stdio is one channel per process, and a 2025 server's elicitation, sampling
// or roots request names no call: with two interactive calls on one process
// it belongs to neither, and the process refuses it (stdio-backend.ts). A
// pool gives each interactive call a process of its own while one is free,
// and spreads the other calls over the processes (and the machine's cores).
// A task's later requests go to the process that created it.
// Each process has its own memory: a pool suits servers whose state lives
// outside the process (a database, files, an API), as docs/configuration.md
// says.

import type { JsonRpcId, JsonRpcNotification, JsonRpcRequest, JsonRpcResponse } from '../protocol/jsonrpc.ts';
import type { Logger } from '../telemetry/logger.ts';
import { exposeBackend, type Backend, type BackendHandshake, type BackendState, type UpstreamCall } from './backend.ts';
import { createBackendEvents } from './backend-events.ts';
import { backoffDelay, resolveBackoff } from './reconnect-backoff.ts';

export interface StdioPoolOptions {
  name: string;
  size: number;
  logger: Logger;
  /** One process of the pool: a stdio backend of its own, supervised as any other. */
  createMember(index: number): Backend;
}

/** Tasks whose process the pool remembers; older ones are forgotten first. */
const MAX_REMEMBERED_TASKS = 10_000;

/** Methods whose effect lives in the process that got them: subscriptions, so that one process sends the updates. */
const FIRST_PROCESS_METHODS = new Set(['resources/subscribe', 'resources/unsubscribe']);

interface MemberLoad {
  inFlight: number;
  interactive: number;
}

/**
 * The task a result created (the tasks extension: a 2026-07-28 `resultType:
 * "task"` result, or a 2025-11-25 result's `task`): its later tasks/* requests
 * go to the process that runs it, which alone holds its state.
 */
export function createdTaskId(response: JsonRpcResponse): string | undefined {
  if (!('result' in response) || typeof response.result !== 'object' || response.result === null) return undefined;
  const result = response.result as Record<string, unknown>;
  if (result.resultType === 'task' && typeof result.taskId === 'string') return result.taskId;
  const task = result.task as Record<string, unknown> | undefined;
  return typeof task === 'object' && task !== null && typeof task.taskId === 'string' ? task.taskId : undefined;
}

/** Where a server-to-client request came from, to answer it there under its own id. */
interface RelayedRequest {
  member: Backend;
  id: JsonRpcId;
}

/**
 * The process for a call: a ready one with the fewest interactive calls (for
 * an interactive call, so that its server requests are unambiguous), then the
 * fewest calls in flight. Pure: `processes` (their states) and `loads` are per process.
 */
export function pickProcess(call: Pick<UpstreamCall, 'method' | 'onRelatedMessage'>, processes: ReadonlyArray<{ readonly state: BackendState }>, loads: readonly MemberLoad[]): number {
  if (FIRST_PROCESS_METHODS.has(call.method)) return 0;
  const isInteractive = call.onRelatedMessage !== undefined;
  let best = -1;
  for (let index = 0; index < processes.length; index++) {
    if (processes[index]!.state !== 'ready') continue;
    if (best === -1) {
      best = index;
      continue;
    }
    const candidate = loads[index]!;
    const chosen = loads[best]!;
    const isFewerInteractive = isInteractive && candidate.interactive < chosen.interactive;
    const isTiedInteractive = !isInteractive || candidate.interactive === chosen.interactive;
    if (isFewerInteractive || (isTiedInteractive && candidate.inFlight < chosen.inFlight)) best = index;
  }
  // None ready: the first process's request waits for its connect or fails as a down backend does.
  return best === -1 ? 0 : best;
}

/** The pool's state: ready while any process is. */
export function poolState(states: readonly BackendState[]): BackendState {
  if (states.includes('ready')) return 'ready';
  if (states.every((state) => state === 'closed')) return 'closed';
  if (states.includes('connecting')) return 'connecting';
  if (states.includes('down')) return 'down';
  return 'idle';
}

export function createStdioPool(options: StdioPoolOptions): Backend {
  const { name, logger } = options;
  const members = Array.from({ length: options.size }, (_, index) => options.createMember(index));
  const loads: MemberLoad[] = members.map(() => ({ inFlight: 0, interactive: 0 }));
  const events = createBackendEvents(name, logger);
  const relayed = new Map<string, RelayedRequest>();
  const retryPolicy = resolveBackoff(undefined);
  // Task id -> process, oldest first; bounded, as a task outlives no process restart anyway.
  const taskProcesses = new Map<string, number>();
  const rememberTask = (taskId: string, index: number): void => {
    taskProcesses.delete(taskId);
    taskProcesses.set(taskId, index);
    if (taskProcesses.size > MAX_REMEMBERED_TASKS) taskProcesses.delete(taskProcesses.keys().next().value!);
  };
  let relayCounter = 0;
  let state: BackendState = 'idle';
  let isClosed = false;

  const states = (): BackendState[] => members.map((member) => member.state);
  const handshake = (): BackendHandshake | undefined => members.find((member) => member.state === 'ready')?.handshake ?? members[0]!.handshake;

  for (const member of members) {
    member.onStateChange(() => {
      const next = poolState(states());
      if (next === state) return;
      state = next;
      events.emitState(next, handshake());
    });
    // List changes, resource updates and the processes' own log lines; a list change from several processes refreshes the catalog once per message, which is idempotent.
    member.onNotification((notification) => events.emitNotification(notification));
  }

  /** A request of one process, renamed so that the answer finds its way back (processes number their requests independently). */
  function relabel(message: JsonRpcNotification | JsonRpcRequest, member: Backend, issued: string[]): JsonRpcNotification | JsonRpcRequest {
    if (!('id' in message)) return message;
    const id = `${name}:${++relayCounter}`;
    relayed.set(id, { member, id: message.id });
    issued.push(id);
    return { ...message, id };
  }

  /** The process of a task's method: the one that created the task; absent for other methods and unknown tasks. */
  function taskProcess(call: UpstreamCall): number | undefined {
    if (!call.method.startsWith('tasks/')) return undefined;
    const taskId = call.params?.taskId;
    return typeof taskId === 'string' ? taskProcesses.get(taskId) : undefined;
  }

  async function request(call: UpstreamCall): Promise<JsonRpcResponse> {
    const index = taskProcess(call) ?? pickProcess(call, members, loads);
    const member = members[index]!;
    const load = loads[index]!;
    const relay = call.onRelatedMessage;
    const issued: string[] = [];
    load.inFlight++;
    if (relay !== undefined) load.interactive++;
    try {
      const response = await member.request(relay === undefined ? call : { ...call, onRelatedMessage: (message) => relay(relabel(message, member, issued)) });
      const taskId = createdTaskId(response);
      if (taskId !== undefined) rememberTask(taskId, index);
      return response;
    } finally {
      load.inFlight--;
      if (relay !== undefined) load.interactive--;
      // A request still unanswered when its call ended is answered by no one now.
      for (const id of issued) relayed.delete(id);
    }
  }

  async function respond(response: JsonRpcResponse): Promise<void> {
    const route = relayed.get(String(response.id));
    if (route === undefined) return members[0]!.respond(response);
    relayed.delete(String(response.id));
    await route.member.respond({ ...response, id: route.id });
  }

  /** A client's notification (roots changed, a cancellation of a gateway-owned request) concerns every process. */
  async function notify(method: string, params?: Record<string, unknown>): Promise<void> {
    const ready = members.filter((member) => member.state === 'ready');
    if (ready.length === 0) return members[0]!.notify(method, params);
    await Promise.all(ready.map((member) => member.notify(method, params)));
  }

  /** A process that failed its first start has no supervisor yet (stdio-backend.ts): the pool retries it while the others serve. */
  function retryLater(index: number, attempt: number): void {
    if (isClosed) return;
    const timer = setTimeout(() => {
      if (isClosed || members[index]!.state === 'ready') return;
      members[index]!.connect().catch(() => retryLater(index, attempt + 1));
    }, backoffDelay(retryPolicy, attempt));
    timer.unref();
  }

  async function connect(): Promise<BackendHandshake> {
    const results = await Promise.allSettled(members.map((member) => member.connect()));
    const connected = results.find((result): result is PromiseFulfilledResult<BackendHandshake> => result.status === 'fulfilled');
    if (connected === undefined) throw (results[0] as PromiseRejectedResult).reason;
    results.forEach((result, index) => {
      if (result.status === 'fulfilled') return;
      logger.warn({ backend: name, process: index, err: result.reason }, 'a process of the stdio pool did not start; the others serve while it is retried');
      retryLater(index, 0);
    });
    return connected.value;
  }

  async function close(): Promise<void> {
    isClosed = true;
    relayed.clear();
    await Promise.all(members.map((member) => member.close()));
  }

  return exposeBackend({ name, kind: 'stdio', state: () => state, handshake }, events, {
    connect,
    request,
    notify,
    respond,
    // One process holds the subscriptions, as resources/subscribe goes to it.
    setResourceSubscriptions: (uris) => members[0]!.setResourceSubscriptions(uris),
    close,
  });
}
