// The Redis connection the policies share counters and rate limits through,
// so every replica pointed at the same Redis enforces one limit. Opened when
// `session_store` is a redis:// URL (the deployment already runs Redis for
// its sessions); with `memory` the policies keep their counters in process.

import { createClient } from 'redis';
import type { Logger } from '../telemetry/logger.ts';

function createPolicyClient(url: string) {
  return createClient({ url, socket: { connectTimeout: 5_000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 5_000) } });
}

export type PolicyRedis = ReturnType<typeof createPolicyClient>;

/** Connects, or throws with the URL (its password hidden) when Redis cannot be reached at start. */
export async function connectPolicyRedis(url: string, logger: Logger): Promise<PolicyRedis> {
  const client = createPolicyClient(url);
  // After the first connection a lost Redis is reported per call (the policies' on_store_error); here it is only logged.
  client.on('error', (error: unknown) => logger.warn({ err: error }, 'policy counter store (Redis) connection error'));
  try {
    await client.connect();
  } catch (error) {
    const shown = new URL(url);
    if (shown.password !== '') shown.password = '***';
    throw new Error(`cannot connect to Redis at ${shown.toString()} for the policy counters: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return client;
}
