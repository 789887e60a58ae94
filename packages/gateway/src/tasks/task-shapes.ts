// A task as each revision writes it, and the pure conversions between them.
// 2026-07-28 (SEP-2663): a flat CreateTaskResult (`resultType: "task"`,
// `taskId`, `ttlMs`, `pollIntervalMs`) and a DetailedTask on tasks/get with
// `result`, `error` or `inputRequests` inlined. 2025-11-25: `{ task: Task }`
// on creation, Task with `ttl` and `pollInterval`, the payload from
// tasks/result.

type Json = Record<string, unknown>;

export type TaskStatus = 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';

export function isTerminalStatus(status: unknown): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

/** The task a tools/call result created, in whichever revision's shape; undefined for an ordinary result. */
export function createdTaskOf(result: Json): { taskId: string; ttlMs: number | null; era: 'modern' | 'legacy' } | undefined {
  if (result.resultType === 'task' && typeof result.taskId === 'string') {
    return { taskId: result.taskId, ttlMs: typeof result.ttlMs === 'number' ? result.ttlMs : null, era: 'modern' };
  }
  const task = result.task as Json | undefined;
  if (typeof task === 'object' && task !== null && typeof task.taskId === 'string') {
    return { taskId: task.taskId, ttlMs: typeof task.ttl === 'number' ? task.ttl : null, era: 'legacy' };
  }
  return undefined;
}

/** The same result with the backend's task id replaced by the gateway's, in place of the one it had. */
export function withTaskId(result: Json, taskId: string): Json {
  if (typeof result.task === 'object' && result.task !== null) return { ...result, task: { ...(result.task as Json), taskId } };
  return { ...result, taskId };
}

/** The 2025-11-25 Task from a 2026 task (its metadata only: the payload is what tasks/result returns). */
export function toLegacyTask(task: Json): Json {
  const legacy: Json = { taskId: task.taskId, status: task.status, createdAt: task.createdAt, lastUpdatedAt: task.lastUpdatedAt, ttl: task.ttlMs ?? null };
  if (typeof task.pollIntervalMs === 'number') legacy.pollInterval = task.pollIntervalMs;
  if (typeof task.statusMessage === 'string') legacy.statusMessage = task.statusMessage;
  return legacy;
}

/** A 2025-11-25 CreateTaskResult for a 2026 one. */
export function toLegacyCreateResult(created: Json): Json {
  const meta = created._meta;
  return { task: toLegacyTask(created), ...(meta === undefined ? {} : { _meta: meta }) };
}

/** A 2026 task envelope from a 2025-11-25 Task (`ttl` and `pollInterval` renamed; integer milliseconds, SEP-2663 "Wire fields"). */
export function toModernTask(legacy: Json): Json {
  const modern: Json = {
    taskId: legacy.taskId,
    status: legacy.status,
    createdAt: legacy.createdAt,
    lastUpdatedAt: legacy.lastUpdatedAt ?? legacy.createdAt,
    ttlMs: typeof legacy.ttl === 'number' ? Math.round(legacy.ttl) : null,
  };
  if (typeof legacy.pollInterval === 'number') modern.pollIntervalMs = Math.max(1, Math.round(legacy.pollInterval));
  if (typeof legacy.statusMessage === 'string') modern.statusMessage = legacy.statusMessage;
  return modern;
}

/** A 2026 CreateTaskResult (flat, `resultType: "task"`) for a 2025 `{ task }`. */
export function toModernCreateResult(created: Json): Json {
  const meta = created._meta;
  return { resultType: 'task', ...toModernTask((created.task ?? {}) as Json), ...(meta === undefined ? {} : { _meta: meta }) };
}

/**
 * How a 2025-11-25 task's end reads in 2026-07-28. A 2025 tool result with
 * `isError` ends its task `failed` (basic/utilities/tasks, "Task Status"); in
 * 2026 that is `completed` with the result, `failed` being only for JSON-RPC
 * errors (SEP-2663, "Error Handling"). So: a result with isError, or any
 * result of a completed task, is `completed`; a JSON-RPC error, or a failed
 * task's payload that is no tool error, is `failed` with an error.
 */
export function modernOutcome(status: 'completed' | 'failed', payload: { result: Json } | { error: { code: number; message: string; data?: unknown } }, statusMessage: unknown): Json {
  if ('error' in payload) return { status: 'failed', error: payload.error };
  const result = withoutRelatedTask(payload.result);
  if (status === 'completed' || result.isError === true) return { status: 'completed', result };
  const message = typeof statusMessage === 'string' ? statusMessage : firstText(result) ?? 'the task failed on its 2025-11-25 backend';
  return { status: 'failed', error: { code: -32603, message } };
}

/** 2026-07-28 forbids the 2025 related-task `_meta` on an inlined result (the taskId is the task's own field). */
function withoutRelatedTask(result: Json): Json {
  const meta = result._meta as Json | undefined;
  if (meta === undefined || !('io.modelcontextprotocol/related-task' in meta)) return result;
  const { 'io.modelcontextprotocol/related-task': _related, ...rest } = meta;
  const { _meta: _dropped, ...payload } = result;
  return Object.keys(rest).length === 0 ? payload : { ...payload, _meta: rest };
}

function firstText(result: Json): string | undefined {
  const content = result.content;
  if (!Array.isArray(content)) return undefined;
  const first = content.find((block) => typeof block === 'object' && block !== null && (block as Json).type === 'text') as Json | undefined;
  return typeof first?.text === 'string' ? first.text : undefined;
}
