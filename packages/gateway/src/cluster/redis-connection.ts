// The gateway's connection to the shared Redis (`session_store: redis://...`):
// one command client (sessions, event logs, counters) and, on demand, one
// subscriber client for the replica bus. Commands fail at once while Redis
// is away (no offline queue: a request must not hang on a dead store), the
// client reconnects by itself, and readiness follows the connection.

import { createClient } from 'redis';
import type { Logger } from '../telemetry/logger.ts';

/** The part of a node-redis client the stores use: raw commands, pipelined by node-redis when issued in one tick. */
export interface RedisCommands {
  sendCommand(args: readonly string[]): Promise<unknown>;
}

type MessageListener = (message: string, channel: string) => void;

export interface RedisSubscriber {
  subscribe(channel: string, listener: MessageListener): Promise<void>;
  unsubscribe(channel: string, listener: MessageListener): Promise<void>;
}

export interface RedisConnection {
  readonly url: string;
  readonly commands: RedisCommands;
  /** Whether commands can be sent now; /readyz and new sessions follow it. */
  readonly isReady: boolean;
  subscriber(): RedisSubscriber;
  close(): Promise<void>;
}

/** Redis URLs may carry a password: logs and errors show the host and database only. */
export function describeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return 'redis (unparsable URL)';
  }
}

const RECONNECT_MAX_MS = 1_000;

export function openRedisConnection(url: string, logger: Logger): RedisConnection {
  const where = describeRedisUrl(url);
  const options = {
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 2_000, reconnectStrategy: (retries: number) => Math.min(50 * 2 ** Math.min(retries, 10), RECONNECT_MAX_MS) },
  };
  type Client = ReturnType<typeof createClient<{}, {}, {}, 3, {}>>;
  const client: Client = createClient(options);
  let isDown = false;
  const watch = (watched: Client, role: string) => {
    watched.on('error', (error: Error) => {
      if (isDown) return;
      isDown = true;
      logger.warn({ redis: where, role, err: error }, 'Redis is unreachable; sessions fail closed until it returns');
    });
    watched.on('ready', () => {
      if (!isDown) return;
      isDown = false;
      logger.info({ redis: where, role }, 'Redis is reachable again');
    });
  };
  watch(client, 'commands');
  // A first connection failure must not stop the gateway: it starts not-ready and keeps trying.
  client.connect().catch((error: unknown) => logger.warn({ redis: where, err: error }, 'Redis connection gave up'));

  let subscriberClient: Client | undefined;
  let subscriber: RedisSubscriber | undefined;
  return {
    url,
    commands: { sendCommand: (args) => client.sendCommand([...args]) },
    get isReady() {
      return client.isReady && (subscriberClient === undefined || subscriberClient.isReady);
    },
    subscriber() {
      if (subscriber !== undefined) return subscriber;
      // A subscribed connection cannot send commands, so the bus gets its own; node-redis resubscribes after a reconnect.
      const created: Client = createClient({ ...options, disableOfflineQueue: false });
      subscriberClient = created;
      watch(created, 'subscriber');
      created.connect().catch((error: unknown) => logger.warn({ redis: where, err: error }, 'Redis subscriber connection gave up'));
      subscriber = {
        subscribe: (channel, listener) => created.subscribe(channel, listener),
        unsubscribe: (channel, listener) => created.unsubscribe(channel, listener),
      };
      return subscriber;
    },
    async close() {
      // A graceful close waits for replies; a connection that is down has none to wait for.
      await Promise.allSettled([client, subscriberClient].map((each) => (each === undefined || !each.isOpen ? undefined : each.isReady ? each.close() : each.destroy())));
    },
  };
}
