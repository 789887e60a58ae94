// Which backend owns each task the gateway handed out, and whom it belongs
// to. The gateway gives clients its own task ids: two backends may mint the
// same id, and a task id alone must never reach another caller's task. In a
// replicated deployment the directory is in Redis (redis-task-directory.ts),
// so any replica can answer a poll for a task another replica created.

import { randomUUID } from 'node:crypto';

export interface TaskBinding {
  /** The id the client uses. */
  taskId: string;
  backend: string;
  /** The id the backend minted. */
  upstreamTaskId: string;
  /** The revision the backend speaks, which decides how each method is forwarded. */
  backendEra: 'modern' | 'legacy';
  /** The backend's own tool name (audit, logs). */
  tool: string;
  /** Who may drive the task: the caller's identity key (identity/caller.ts). */
  owner: string;
  tenant: string | undefined;
  /** The per-backend endpoint it was created on; undefined for `/mcp`. */
  endpoint: string | undefined;
  /** Epoch milliseconds after which the gateway forgets it. */
  expiresAt: number;
}

export interface TaskDirectory {
  /** Resolves once a find on any replica would return the binding (a CreateTaskResult is answered only then). */
  save(binding: TaskBinding): Promise<void>;
  find(taskId: string): Promise<TaskBinding | undefined>;
  close?(): Promise<void>;
}

/** A fresh gateway task id: unguessable, and visibly the gateway's. */
export function newTaskId(): string {
  return `gt-${randomUUID()}`;
}

/** How long the gateway keeps a binding: the backend's TTL, or a day when it set none; never past a week. */
export function bindingLifetimeMs(ttlMs: number | null): number {
  const day = 24 * 3_600_000;
  if (ttlMs === null || !Number.isFinite(ttlMs) || ttlMs <= 0) return day;
  return Math.min(ttlMs + 60_000, 7 * day);
}

/** One process's directory (no replicas). Expired bindings are dropped when looked up or swept. */
export class MemoryTaskDirectory implements TaskDirectory {
  readonly #bindings = new Map<string, TaskBinding>();
  readonly #maxBindings: number;

  constructor(maxBindings = 100_000) {
    this.#maxBindings = maxBindings;
  }

  async save(binding: TaskBinding): Promise<void> {
    if (this.#bindings.size >= this.#maxBindings) this.#sweep(Date.now());
    // Still full of live tasks: the oldest binding goes (a Map keeps insertion order).
    if (this.#bindings.size >= this.#maxBindings) this.#bindings.delete(this.#bindings.keys().next().value as string);
    this.#bindings.set(binding.taskId, binding);
  }

  async find(taskId: string): Promise<TaskBinding | undefined> {
    const binding = this.#bindings.get(taskId);
    if (binding === undefined) return undefined;
    if (binding.expiresAt <= Date.now()) {
      this.#bindings.delete(taskId);
      return undefined;
    }
    return binding;
  }

  #sweep(now: number): void {
    for (const [taskId, binding] of this.#bindings) if (binding.expiresAt <= now) this.#bindings.delete(taskId);
  }
}
