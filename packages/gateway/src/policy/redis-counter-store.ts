// Budget and cost counters in Redis, shared by every replica: one Lua script
// checks the limit and adds in one round trip, atomically, so two replicas
// racing for the last step cannot both win. The client is the gateway's
// node-redis client (`redis`, current major), passed in.

import { createHash } from 'node:crypto';
import type { CounterResult, CounterStore } from './counter-store.ts';

/** The part of a node-redis client this store uses. */
export interface RedisCommands {
  sendCommand(args: readonly string[]): Promise<unknown>;
}

const ADD_WITHIN = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local amount = tonumber(ARGV[1])
if current + amount > tonumber(ARGV[2]) then return {0, current} end
local total = redis.call('INCRBY', KEYS[1], amount)
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
return {1, total}`;

const ADD = `
local total = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return total`;

export class RedisCounterStore implements CounterStore {
  readonly kind = 'redis' as const;
  readonly #client: RedisCommands;
  readonly #prefix: string;

  constructor(client: RedisCommands, options: { prefix?: string } = {}) {
    this.#client = client;
    this.#prefix = options.prefix ?? 'gatehouse:counter:';
  }

  async addWithin(key: string, amount: number, limit: number, ttlSeconds: number): Promise<CounterResult> {
    const reply = (await this.#run(ADD_WITHIN, this.#prefix + key, [String(Math.round(amount)), String(Math.round(limit)), String(Math.max(1, Math.ceil(ttlSeconds)))])) as [number, number];
    return { isWithin: Number(reply[0]) === 1, total: Number(reply[1]) };
  }

  async add(key: string, amount: number, ttlSeconds: number): Promise<number> {
    return Number(await this.#run(ADD, this.#prefix + key, [String(Math.round(amount)), String(Math.max(1, Math.ceil(ttlSeconds)))]));
  }

  /** EVALSHA, falling back to EVAL once per script after a Redis restart (NOSCRIPT). */
  async #run(script: string, key: string, args: readonly string[]): Promise<unknown> {
    const sha = shaOf(script);
    try {
      return await this.#client.sendCommand(['EVALSHA', sha, '1', key, ...args]);
    } catch (error) {
      if (!String((error as Error)?.message ?? error).includes('NOSCRIPT')) throw error;
      return await this.#client.sendCommand(['EVAL', script, '1', key, ...args]);
    }
  }
}

const shas = new Map<string, string>();

function shaOf(script: string): string {
  let sha = shas.get(script);
  if (sha === undefined) {
    sha = createHash('sha1').update(script).digest('hex');
    shas.set(script, sha);
  }
  return sha;
}
