// The state a session lives on, built for one process or for several: with
// `session.store: memory` everything is in this process; with a Redis URL the
// sessions, the SSE event logs, task ids and a bus between replicas are in
// Redis, so any replica answers any session (docs/scale-out.md). Either way
// the rest of the gateway gets the same interfaces.

import { randomBytes } from 'node:crypto';
import type { GatewayConfig } from '../config/schema.ts';
import type { Backend } from '../upstream/backend.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { GatewayMetrics } from '../telemetry/metrics.ts';
import type { AuditTrail } from '../audit/trail.ts';
import type { RedisConnection } from '../cluster/redis-connection.ts';
import { ReplicaBus } from '../cluster/replica-bus.ts';
import { joinReplicaMesh, type ReplicaMesh } from '../cluster/replica-mesh.ts';
import type { OpenExchange } from '../transport/dispatch.ts';
import { EventStreams } from '../transport/rev2025/event-streams.ts';
import { MemoryEventLog, type EventLog } from '../transport/rev2025/event-log.ts';
import { RedisEventLog } from '../transport/rev2025/redis-event-log.ts';
import { ClientRequests } from '../transport/rev2025/client-requests.ts';
import { ListenStreams } from '../transport/rev2026/listen-streams.ts';
import { ResourceSubscriptions } from '../router/resource-subscriptions.ts';
import { sessionSubscriber } from '../router/router.ts';
import { createMemorySessionStore } from '../session/memory-store.ts';
import { createRedisSessionStore } from '../session/redis-store.ts';
import type { SessionStore } from '../session/store.ts';
import { MemoryTaskDirectory, type TaskDirectory } from '../tasks/task-directory.ts';
import { RedisTaskDirectory } from '../tasks/redis-task-directory.ts';
import { HeldCalls } from '../bridge/held-calls.ts';
import { RunningCalls } from '../cluster/running-calls.ts';

export interface SharedState {
  /** Present with a Redis session store; the policies open their own client from `redisClients`. */
  redis: RedisConnection | undefined;
  redisClients: RedisClients | undefined;
  bus: ReplicaBus | undefined;
  mesh: ReplicaMesh | undefined;
  /** What every key this gateway writes to Redis starts with (`session.key_prefix`). */
  keyPrefix: string;
  /** This process among the replicas: the gateway id and a random suffix. */
  replicaId: string;
  events: EventLog;
  streams: EventStreams;
  listens: ListenStreams;
  subscriptions: ResourceSubscriptions;
  sessions: SessionStore;
  clientRequests: ClientRequests;
  /** The 2025 calls running here, by session and request id. */
  inFlight: RunningCalls<OpenExchange>;
  held: HeldCalls;
  tasks: TaskDirectory;
  /** Ends a session here: its metrics, subscriptions, streams and event log. */
  endSession: (sessionId: string) => void;
  /** Ends a session on every replica (here only, without Redis). */
  endSessionEverywhere: (sessionId: string) => void;
}

export interface SharedStateOptions {
  backends: readonly Backend[];
  logger: Logger;
  metrics: GatewayMetrics;
  audit: AuditTrail | undefined;
}

export async function openSharedState(config: GatewayConfig, options: SharedStateOptions): Promise<SharedState> {
  const { logger, metrics, audit } = options;
  const redisClients = config.session.store === 'memory' ? undefined : await importRedisClients();
  const redis = redisClients?.openRedisConnection(config.session.store, logger);
  const prefix = config.session.keyPrefix ?? 'gatehouse:';
  const replicaId = `${config.gateway.id}/${randomBytes(4).toString('hex')}`;
  const streamTimeoutMs = config.session.streamTimeoutSeconds * 1000;
  const bus = redis === undefined ? undefined : new ReplicaBus({ commands: redis.commands, subscriber: redis.subscriber(), replicaId, prefix, logger });
  const events: EventLog = redis === undefined
    ? new MemoryEventLog()
    : new RedisEventLog({ commands: redis.commands, subscriber: redis.subscriber(), prefix, ttlSeconds: config.session.ttlSeconds, logger, replicaId });
  const streams = new EventStreams(events, { streamTimeoutMs });
  const listens = new ListenStreams();
  const subscriptions = new ResourceSubscriptions(
    options.backends,
    (subscriber, notification) => (subscriber.startsWith('session:') ? streams.send(subscriber.slice('session:'.length), notification) : listens.send(subscriber, notification)),
    logger,
  );
  const inFlight = new RunningCalls<OpenExchange>();
  const endSession = (sessionId: string) => {
    inFlight.forgetSession(sessionId);
    metrics.sessionClosed(sessionId);
    subscriptions.releaseAll(sessionSubscriber(sessionId));
    streams.close(sessionId);
    events.dropSession(sessionId);
  };
  // A session idle past its TTL: its resources are released, and audit records its end.
  const expireSession = (sessionId: string) => {
    endSession(sessionId);
    void audit?.sessions.expired(sessionId)?.catch(() => undefined);
  };
  const sessions: SessionStore = redis === undefined
    ? createMemorySessionStore({ ttlMs: config.session.ttlSeconds * 1000, maxSessionsPerOwner: config.session.maxConcurrentSessionsPerUser, onExpire: expireSession })
    : createRedisSessionStore({
      commands: redis.commands,
      isReady: () => redis.isReady,
      where: `Redis at ${redisClients!.describeRedisUrl(redis.url)}`,
      ttlSeconds: config.session.ttlSeconds,
      maxSessionsPerOwner: config.session.maxConcurrentSessionsPerUser,
      prefix,
      onExpire: expireSession,
    });
  const clientRequests = new ClientRequests(streamTimeoutMs, bus === undefined ? {} : { idPrefix: `gatehouse-${replicaId.slice(-8)}-` });
  const mesh = bus === undefined ? undefined : joinReplicaMesh({ bus, endSession, clientRequests, inFlight, logger });
  return {
    redis,
    redisClients,
    bus,
    mesh,
    keyPrefix: prefix,
    replicaId,
    events,
    streams,
    listens,
    subscriptions,
    sessions,
    clientRequests,
    inFlight,
    held: new HeldCalls({ maxHeld: 10_000, ttlMs: streamTimeoutMs, logger }),
    // Task ids -> owning backend and caller; in Redis with the sessions, so any replica answers a poll (docs/tasks.md).
    tasks: redis === undefined ? new MemoryTaskDirectory() : new RedisTaskDirectory({ commands: redis.commands, prefix }),
    endSession,
    endSessionEverywhere: mesh === undefined ? endSession : mesh.endSessionEverywhere,
  };
}

type RedisClients = Awaited<ReturnType<typeof importRedisClients>>;

/**
 * The Redis clients (node-redis and its modules, about 30 MB), imported only
 * for a redis session_store: a memory-only gateway never loads them.
 */
async function importRedisClients() {
  const [connection, policy] = await Promise.all([import('../cluster/redis-connection.ts'), import('../policy/policy-redis.ts')]);
  return { openRedisConnection: connection.openRedisConnection, describeRedisUrl: connection.describeRedisUrl, openPolicyRedis: policy.openPolicyRedis, closePolicyRedis: policy.closePolicyRedis };
}
