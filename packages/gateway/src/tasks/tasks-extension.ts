// The tasks extension's vocabulary as the gateway needs it: the extension id,
// whether a client or a backend declared it, and the errors the extension
// defines (SEP-2663; 2025-11-25 basic/utilities/tasks for the older form).

import { GatewayRpcError, RPC, rpcErrors } from '../protocol/errors.ts';

export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

/** The methods a task is driven by after it was created, in either revision. */
export const TASK_METHODS: ReadonlySet<string> = new Set(['tasks/get', 'tasks/update', 'tasks/cancel', 'tasks/result', 'tasks/list']);

/** The 2026-07-28 methods: `tasks/result` and `tasks/list` were removed by SEP-2663 (-32601 for a 2026 client). */
export const MODERN_TASK_METHODS: ReadonlySet<string> = new Set(['tasks/get', 'tasks/update', 'tasks/cancel']);

/** The 2025-11-25 methods (experimental tasks): no `tasks/update`; `tasks/result` blocks until the task ends. */
export const LEGACY_TASK_METHODS: ReadonlySet<string> = new Set(['tasks/get', 'tasks/result', 'tasks/cancel', 'tasks/list']);

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether capabilities (a 2026 client's per-request ones, or a 2026 backend's discover result) declare the extension. */
export function declaresTasksExtension(capabilities: Json | undefined): boolean {
  const extensions = capabilities?.extensions;
  return isObject(extensions) && extensions[TASKS_EXTENSION] !== undefined;
}

/** Whether a 2025-11-25 server or client declared task-augmented tools/call (`capabilities.tasks.requests.tools.call`). */
export function declaresLegacyToolTasks(capabilities: Json | undefined): boolean {
  const tasks = capabilities?.tasks;
  if (!isObject(tasks) || !isObject(tasks.requests)) return false;
  const tools = tasks.requests.tools;
  return isObject(tools) && tools.call !== undefined;
}

/** The capabilities with the extension added: the gateway declares it upstream for a 2025 client whose tasks it bridges. */
export function withTasksExtension(capabilities: Json): Json {
  const extensions = isObject(capabilities.extensions) ? capabilities.extensions : {};
  return { ...capabilities, extensions: { ...extensions, [TASKS_EXTENSION]: {} } };
}

/** -32021: a task method, or a tool that only runs as a task, from a client that did not declare the extension. */
export function missingTasksExtension(method: string): GatewayRpcError {
  return new GatewayRpcError(
    RPC.missingRequiredClientCapability,
    `Missing required client capability: ${method} needs the ${TASKS_EXTENSION} extension; declare it in _meta["io.modelcontextprotocol/clientCapabilities"].extensions and send the request again`,
    { httpStatus: 400, data: { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } } },
  );
}

/**
 * -32602 for a task id the gateway does not know, or one another caller,
 * tenant or endpoint owns: the same answer for both, so ids cannot be probed.
 */
export function unknownTask(taskId: string): GatewayRpcError {
  return rpcErrors.invalidParams(`Unknown task "${taskId}": no task with this id belongs to you on this endpoint (it may have expired)`);
}

/** A task's backend cannot take the method (a 2026 backend has no tasks/list), said plainly instead of guessed at. */
export function taskMethodNotBridged(method: string, reason: string): GatewayRpcError {
  return new GatewayRpcError(RPC.methodNotFound, `${method} is not available for this task: ${reason}`);
}
