// How replicas talk to each other over the shared Redis (pub/sub): one
// channel per replica for messages addressed to it, one channel for all,
// request/reply on top (a reply goes to the asker's own channel under a
// correlation id), and a heartbeat key per replica so a message is never
// sent to, or waited on from, a replica that died. Used for what must reach
// the one replica holding something in memory: a held bridged call, a
// request waiting for a client's answer, a call to cancel, a session ended.

import { randomUUID } from 'node:crypto';
import type { RedisCommands, RedisSubscriber } from './redis-connection.ts';
import type { Logger } from '../telemetry/logger.ts';

/** The most a closing replica waits to say goodbye on the bus. */
const CLOSE_WAIT_MS = 1_000;

export interface BusMessage {
  type: string;
  [field: string]: unknown;
}

interface Envelope {
  from: string;
  message: BusMessage;
  /** Set on a request: where the reply goes is `from`, matched by this id. */
  requestId?: string;
  /** Set on a reply. */
  replyTo?: string;
  /** A reply's failure, when the handler threw. */
  error?: string;
}

export type BusHandler = (message: BusMessage, from: string) => unknown;

export class ReplicaUnavailableError extends Error {
  readonly code = 'replica_unavailable';
  constructor(replica: string, reason: string) {
    super(`Replica ${replica} ${reason}`);
    this.name = 'ReplicaUnavailableError';
  }
}

export interface ReplicaBusOptions {
  commands: RedisCommands;
  subscriber: RedisSubscriber;
  /** This process: `gateway.id` plus a per-process suffix, so a restarted replica is a new one. */
  replicaId: string;
  prefix: string;
  logger: Logger;
  heartbeatMs?: number;
}

const HEARTBEAT_MS = 2_000;

export class ReplicaBus {
  readonly replicaId: string;
  readonly #options: ReplicaBusOptions;
  readonly #handlers = new Map<string, BusHandler>();
  readonly #waiting = new Map<string, { resolve(value: unknown): void; reject(error: Error): void; timer: NodeJS.Timeout }>();
  readonly #heartbeat: NodeJS.Timeout;
  readonly #listener = (text: string) => this.#receive(text);
  #isClosed = false;
  readonly ready: Promise<void>;

  constructor(options: ReplicaBusOptions) {
    this.#options = options;
    this.replicaId = options.replicaId;
    this.ready = Promise.all([
      options.subscriber.subscribe(this.#channel(this.replicaId), this.#listener),
      options.subscriber.subscribe(this.#channel('*all'), this.#listener),
    ]).then(() => this.#beat());
    this.ready.catch((error: unknown) => options.logger.warn({ err: error }, 'the replica bus could not subscribe yet; it will when Redis returns'));
    const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
    this.#heartbeat = setInterval(() => void this.#beat(), heartbeatMs).unref();
  }

  /** Registers what this replica does with one type of message; a request is answered with its return value. */
  on(type: string, handler: BusHandler): void {
    this.#handlers.set(type, handler);
  }

  /** Sends to one replica, or to every replica (this one included) with `'*all'`. Fire and forget. */
  send(to: string, message: BusMessage): void {
    this.#publish(to, { from: this.replicaId, message });
  }

  /** Whether a replica's heartbeat is fresh (it has not died or shut down). */
  async isAlive(replica: string): Promise<boolean> {
    if (replica === this.replicaId) return true;
    return Number(await this.#options.commands.sendCommand(['EXISTS', this.#aliveKey(replica)])) === 1;
  }

  /** Asks one replica and waits for its answer; fails fast when it is not alive, and after `timeoutMs`. */
  async request(to: string, message: BusMessage, timeoutMs: number): Promise<unknown> {
    if (!(await this.isAlive(to))) throw new ReplicaUnavailableError(to, 'is gone (no heartbeat)');
    const requestId = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(requestId);
        reject(new ReplicaUnavailableError(to, `did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiting.set(requestId, { resolve, reject, timer });
      this.#publish(to, { from: this.replicaId, message, requestId });
    });
  }

  async close(): Promise<void> {
    this.#isClosed = true;
    clearInterval(this.#heartbeat);
    for (const [id, waiting] of this.#waiting) {
      clearTimeout(waiting.timer);
      waiting.reject(new ReplicaUnavailableError('bus', 'closed: this replica is shutting down'));
      this.#waiting.delete(id);
    }
    // Bounded: while Redis reconnects these wait in the client's offline queue
    // and might never be answered; the connection's own close drops them anyway.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([
        this.#options.commands.sendCommand(['DEL', this.#aliveKey(this.replicaId)]),
        this.#options.subscriber.unsubscribe(this.#channel(this.replicaId), this.#listener),
        this.#options.subscriber.unsubscribe(this.#channel('*all'), this.#listener),
      ]),
      new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS))),
    ]);
    clearTimeout(timer);
  }

  #channel(replica: string): string {
    return `${this.#options.prefix}bus:${replica}`;
  }

  #aliveKey(replica: string): string {
    return `${this.#options.prefix}alive:${replica}`;
  }

  async #beat(): Promise<void> {
    if (this.#isClosed) return;
    const ttlMs = (this.#options.heartbeatMs ?? HEARTBEAT_MS) * 3;
    await this.#options.commands.sendCommand(['SET', this.#aliveKey(this.replicaId), String(Date.now()), 'PX', String(ttlMs)]).catch(() => undefined);
  }

  #publish(to: string, envelope: Envelope): void {
    this.#options.commands.sendCommand(['PUBLISH', this.#channel(to), JSON.stringify(envelope)]).catch((error: unknown) => {
      this.#options.logger.warn({ err: error, to, type: envelope.message?.type }, 'a message to another replica could not be sent');
      if (envelope.requestId === undefined) return;
      const waiting = this.#waiting.get(envelope.requestId);
      if (waiting === undefined) return;
      this.#waiting.delete(envelope.requestId);
      clearTimeout(waiting.timer);
      waiting.reject(new ReplicaUnavailableError(to, 'could not be reached (Redis)'));
    });
  }

  #receive(text: string): void {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(text) as Envelope;
    } catch {
      return;
    }
    if (envelope.replyTo !== undefined) {
      const waiting = this.#waiting.get(envelope.replyTo);
      if (waiting === undefined) return;
      this.#waiting.delete(envelope.replyTo);
      clearTimeout(waiting.timer);
      if (envelope.error !== undefined) waiting.reject(new Error(envelope.error));
      else waiting.resolve(envelope.message);
      return;
    }
    const handler = this.#handlers.get(envelope.message?.type);
    if (handler === undefined) return;
    const requestId = envelope.requestId;
    let outcome: unknown;
    try {
      outcome = handler(envelope.message, envelope.from);
    } catch (error) {
      outcome = Promise.reject(error);
    }
    if (requestId === undefined) {
      if (outcome instanceof Promise) outcome.catch((error: unknown) => this.#options.logger.warn({ err: error, type: envelope.message.type }, 'handling a message from another replica failed'));
      return;
    }
    Promise.resolve(outcome).then(
      (reply) => this.#publish(envelope.from, { from: this.replicaId, replyTo: requestId, message: (reply ?? { type: 'ok' }) as BusMessage }),
      (error: unknown) => this.#publish(envelope.from, { from: this.replicaId, replyTo: requestId, message: { type: 'error' }, error: String((error as Error)?.message ?? error) }),
    );
  }
}
