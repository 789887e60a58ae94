// The Redis connection the policies share counters and rate limits through,
// so every replica pointed at the same Redis enforces one limit. Opened when
// `session_store` is a redis:// URL. A whole node-redis client, because
// rate-limiter-flexible drives it with MULTI and EVAL (cluster/redis-connection.ts
// hands out raw commands only). Like the session store's connection it does
// not stop the gateway when Redis is away at start: each policy's
// `on_store_error` decides while it is.

import { createClient } from 'redis';
import { describeRedisUrl } from '../cluster/redis-connection.ts';
import type { Logger } from '../telemetry/logger.ts';

function createPolicyClient(url: string) {
  // No offline queue: a call must not wait on a dead store; the policy answers per its on_store_error at once.
  return createClient({ url, disableOfflineQueue: true, socket: { connectTimeout: 2_000, reconnectStrategy: (retries) => Math.min(50 * 2 ** Math.min(retries, 10), 1_000) } });
}

export type PolicyRedis = ReturnType<typeof createPolicyClient>;

export function openPolicyRedis(url: string, logger: Logger): PolicyRedis {
  const where = describeRedisUrl(url);
  const client = createPolicyClient(url);
  let isDown = false;
  client.on('error', (error: unknown) => {
    if (isDown) return;
    isDown = true;
    logger.warn({ redis: where, err: error }, 'Redis is unreachable; rate limits and budgets follow their on_store_error until it returns');
  });
  client.on('ready', () => {
    isDown = false;
  });
  client.connect().catch((error: unknown) => logger.warn({ redis: where, err: error }, 'policy Redis connection gave up'));
  return client;
}

/** Closes the connection whatever state it is in. */
export async function closePolicyRedis(client: PolicyRedis): Promise<void> {
  if (client.isOpen) await client.quit().catch(() => client.destroy());
}
