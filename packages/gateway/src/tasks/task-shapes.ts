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
