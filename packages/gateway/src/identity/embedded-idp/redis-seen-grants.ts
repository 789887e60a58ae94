// The ID-JAG replay cache in the shared Redis (seen-grants.ts), for replicas
// whose session store is Redis: one key per grant, `{prefix}id-jag:{hash}`,
// written with SET NX PX so exactly one replica claims a grant id, and gone
// when the assertion expires (after which jwtVerify refuses it anyway).

import { createHash } from 'node:crypto';
import type { RedisCommands } from '../../cluster/redis-connection.ts';
import type { SeenGrants } from './seen-grants.ts';

export interface RedisSeenGrantsOptions {
  commands: RedisCommands;
  prefix: string;
}

/** An id that has just expired still gets a key for a moment: a clock a little behind Redis's must not let it through twice. */
const MINIMUM_TTL_MS = 1_000;

export class RedisSeenGrants implements SeenGrants {
  readonly #commands: RedisCommands;
  readonly #prefix: string;

  constructor(options: RedisSeenGrantsOptions) {
    this.#commands = options.commands;
    this.#prefix = options.prefix;
  }

  /** The id is the IdP's issuer and its `jti`, both caller-supplied text: hashed into a key of fixed shape. */
  key(id: string): string {
    return `${this.#prefix}id-jag:${createHash('sha256').update(id).digest('base64url')}`;
  }

  async claim(id: string, expiresAtMs: number, nowMs: number): Promise<boolean> {
    const ttlMs = Math.max(MINIMUM_TTL_MS, Math.ceil(expiresAtMs - nowMs));
    const answer = await this.#commands.sendCommand(['SET', this.key(id), '1', 'NX', 'PX', String(ttlMs)]);
    return answer === 'OK';
  }
}
