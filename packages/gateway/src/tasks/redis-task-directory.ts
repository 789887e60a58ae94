// The task directory in Redis, for replicas sharing a session store: one key
// per task, `{prefix}task:{id}`, holding the binding as JSON and expiring
// with it. SET is acknowledged by the Redis primary before the gateway
// answers the CreateTaskResult, so a poll on another replica finds it.

import type { RedisCommands } from '../cluster/redis-connection.ts';
import type { TaskBinding, TaskDirectory } from './task-directory.ts';

export interface RedisTaskDirectoryOptions {
  commands: RedisCommands;
  prefix: string;
}

export class RedisTaskDirectory implements TaskDirectory {
  readonly #commands: RedisCommands;
  readonly #prefix: string;

  constructor(options: RedisTaskDirectoryOptions) {
    this.#commands = options.commands;
    this.#prefix = options.prefix;
  }

  #key(taskId: string): string {
    return `${this.#prefix}task:${taskId}`;
  }

  async save(binding: TaskBinding): Promise<void> {
    const ttlMs = Math.max(1_000, Math.ceil(binding.expiresAt - Date.now()));
    await this.#commands.sendCommand(['SET', this.#key(binding.taskId), JSON.stringify(binding), 'PX', String(ttlMs)]);
  }

  async find(taskId: string): Promise<TaskBinding | undefined> {
    const text = await this.#commands.sendCommand(['GET', this.#key(taskId)]);
    if (typeof text !== 'string') return undefined;
    try {
      return JSON.parse(text) as TaskBinding;
    } catch {
      return undefined;
    }
  }
}
