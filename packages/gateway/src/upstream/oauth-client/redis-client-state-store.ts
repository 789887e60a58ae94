// The backends' OAuth client state in the shared Redis (`session_store:
// redis://...`): every replica presents the same tokens, and a refresh by one
// is seen by all. One key per backend under the gateway's key prefix.

import { setTimeout as delay } from 'node:timers/promises';
import { openRedisConnection, type RedisConnection } from '../../cluster/redis-connection.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { OAuthClientState, OAuthClientStateStore } from './client-state-store.ts';

export class RedisOAuthClientStateStore implements OAuthClientStateStore {
  readonly #connection: RedisConnection;
  readonly #prefix: string;

  constructor(url: string, prefix: string, logger: Logger) {
    this.#connection = openRedisConnection(url, logger);
    this.#prefix = `${prefix}backend-oauth:`;
  }

  async load(backend: string): Promise<OAuthClientState | undefined> {
    const text = await (await this.#commands()).sendCommand(['GET', this.#prefix + backend]);
    return typeof text === 'string' ? JSON.parse(text) as OAuthClientState : undefined;
  }

  async save(backend: string, state: OAuthClientState): Promise<void> {
    await (await this.#commands()).sendCommand(['SET', this.#prefix + backend, JSON.stringify(state)]);
  }

  /** The connection has no offline queue: the first use after opening waits (up to 2 s) for it to be ready. */
  async #commands(): Promise<RedisConnection['commands']> {
    for (let waited = 0; !this.#connection.isReady && waited < 2000; waited += 50) await delay(50);
    return this.#connection.commands;
  }

  async close(): Promise<void> {
    await this.#connection.close();
  }
}
