// The event log in Redis, so a stream can be resumed on any replica and a
// message for a session reaches its GET stream wherever that is connected.
// Each stream is a bounded Redis list (LTRIM) with the session's TTL and a
// counter; one script numbers an event, appends it and publishes it on the
// stream's channel, atomically, so events written by several replicas get
// one order. A replica serving a client's stream subscribes to the channel
// first, then replays the list after the client's `Last-Event-ID`, then
// passes on live events, skipping any number it already wrote: in order,
// once. A call stream records the replica running its call: a client
// following it from elsewhere gets a closing error if that replica dies,
// instead of waiting for a result that will never come.

import { createHash, randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { JsonRpcId, JsonRpcMessage } from '../../protocol/jsonrpc.ts';
import { RPC } from '../../protocol/errors.ts';
import type { RedisCommands, RedisSubscriber } from '../../cluster/redis-connection.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { DEFAULT_EVENT_LOG_LIMITS, EVENT_ID, type EventLog, type EventLogLimits, type LoggedStream, type ResumePoint } from './event-log.ts';

export interface RedisEventLogOptions {
  commands: RedisCommands;
  subscriber: RedisSubscriber;
  prefix: string;
  /** How long a stream's events are kept after its last event (the session TTL). */
  ttlSeconds: number;
  limits?: EventLogLimits;
  logger: Logger;
  /** This replica (replica-bus.ts): a call stream records who runs its call. */
  replicaId: string;
  /** How often a client following another replica's call checks that replica is still alive. */
  ownerCheckMs?: number;
}

/** KEYS: list, counter. ARGV: payload, max events, ttl seconds, channel, last flag. Returns the event number. */
const APPEND = `
local n = redis.call('INCR', KEYS[2])
local entry = n .. '|' .. ARGV[5] .. '|' .. ARGV[1]
redis.call('RPUSH', KEYS[1], entry)
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1)
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('PUBLISH', ARGV[4], entry)
return n`;
const APPEND_SHA = createHash('sha1').update(APPEND).digest('hex');

interface Entry {
  number: number;
  isLast: boolean;
  data: string;
}

function parseEntry(text: string): Entry | undefined {
  const first = text.indexOf('|');
  const second = text.indexOf('|', first + 1);
  if (first <= 0 || second !== first + 2) return undefined;
  return { number: Number(text.slice(0, first)), isLast: text[first + 1] === '1', data: text.slice(second + 1) };
}

/** The GET stream of a session has one fixed id, so any replica can write to it without a lookup. */
const SESSION_STREAM_ID = 'g0';

export class RedisEventLog implements EventLog {
  readonly isShared = true;
  readonly #options: RedisEventLogOptions;
  readonly #limits: EventLogLimits;

  constructor(options: RedisEventLogOptions) {
    this.#options = options;
    this.#limits = options.limits ?? DEFAULT_EVENT_LOG_LIMITS;
  }

  openStream(sessionId: string, kind: 'call' | 'get', requestId?: JsonRpcId): LoggedStream {
    if (kind === 'get') return this.#stream(sessionId, SESSION_STREAM_ID);
    // Call streams get ids unique across replicas without coordination.
    const stream = this.#stream(sessionId, `c${randomBytes(8).readBigUInt64BE().toString(36)}`);
    const owner = JSON.stringify({ replica: this.#options.replicaId, id: requestId ?? null });
    this.#options.commands.sendCommand(['SET', stream.ownerKey, owner, 'EX', String(this.#options.ttlSeconds)]).catch(() => undefined);
    stream.isRunHere = true;
    return stream;
  }

  async find(sessionId: string, lastEventId: string): Promise<ResumePoint | undefined> {
    const match = EVENT_ID.exec(lastEventId);
    if (match === null) return undefined;
    const stream = this.#stream(sessionId, match[1]!);
    // Keys are per session, so another session's id finds nothing; nor does one whose events expired with the TTL.
    if (Number(await this.#options.commands.sendCommand(['EXISTS', stream.counterKey])) === 0) return undefined;
    return { stream, afterNumber: Number(match[2]) };
  }

  sessionStream(sessionId: string): LoggedStream {
    return this.#stream(sessionId, SESSION_STREAM_ID);
  }

  dropSession(sessionId: string): void {
    // The GET stream's keys go now; call streams' keys expire with their TTL (no keyspace scan per ended session).
    const base = `${this.#options.prefix}ev:${sessionId}:${SESSION_STREAM_ID}`;
    this.#options.commands.sendCommand(['UNLINK', base, `${base}:n`]).catch(() => undefined);
  }

  #stream(sessionId: string, streamId: string): RedisLoggedStream {
    return new RedisLoggedStream(this.#options, this.#limits, sessionId, streamId);
  }
}

class RedisLoggedStream implements LoggedStream {
  readonly id: string;
  readonly #options: RedisEventLogOptions;
  readonly #limits: EventLogLimits;
  readonly #listKey: string;
  readonly counterKey: string;
  readonly #channel: string;
  readonly ownerKey: string;
  /** The call this stream answers runs in this process (no need to watch for its replica dying). */
  isRunHere = false;
  #target: ServerResponse | undefined;

  constructor(options: RedisEventLogOptions, limits: EventLogLimits, sessionId: string, streamId: string) {
    this.id = streamId;
    this.#options = options;
    this.#limits = limits;
    const base = `${options.prefix}ev:${sessionId}:${streamId}`;
    this.#listKey = base;
    this.counterKey = `${base}:n`;
    this.#channel = `${base}:live`;
    this.ownerKey = `${base}:owner`;
  }

  get isAttached(): boolean {
    return this.#target !== undefined && !this.#target.destroyed && !this.#target.writableEnded;
  }

  send(message: JsonRpcMessage | undefined, isLast = false): void {
    this.#append(JSON.stringify(message ?? null), isLast).catch((error: unknown) => this.#options.logger.warn({ err: error, stream: this.id }, 'an SSE event could not be logged in Redis; the client will not get it'));
  }

  #append(payload: string, isLast: boolean): Promise<unknown> {
    const args = [payload, String(this.#limits.maxEventsPerStream), String(this.#options.ttlSeconds), this.#channel, isLast ? '1' : '0'];
    const keys = [this.#listKey, this.counterKey];
    const { commands } = this.#options;
    return commands.sendCommand(['EVALSHA', APPEND_SHA, '2', ...keys, ...args]).catch((error: unknown) => {
      if (!String((error as Error)?.message).includes('NOSCRIPT')) throw error;
      return commands.sendCommand(['EVAL', APPEND, '2', ...keys, ...args]);
    });
  }

  /**
   * A call stream followed here whose call runs on a replica that died: ends
   * it with an error for the call (once, whoever notices first), since its
   * result will never come.
   */
  async #endIfOwnerGone(): Promise<boolean> {
    const { commands, prefix, replicaId } = this.#options;
    const text = await commands.sendCommand(['GET', this.ownerKey]);
    if (typeof text !== 'string') return false;
    const owner = JSON.parse(text) as { replica: string; id: JsonRpcId | null };
    if (owner.replica === replicaId || Number(await commands.sendCommand(['EXISTS', `${prefix}alive:${owner.replica}`])) === 1) return false;
    if ((await commands.sendCommand(['SET', `${this.ownerKey}:ended`, '1', 'NX', 'EX', String(this.#options.ttlSeconds)])) === null) return true;
    const error = {
      code: RPC.internalError,
      message: 'The gateway replica running this call stopped before it finished; its outcome is unknown. Call again if repeating it is safe',
      data: { reason: 'replica_gone' },
    };
    await this.#append(JSON.stringify({ jsonrpc: '2.0', id: owner.id, error }), true);
    return true;
  }

  attach(response: ServerResponse, afterNumber?: number): void {
    this.#target = response;
    const { commands, subscriber } = this.#options;
    let written = afterNumber ?? Number.POSITIVE_INFINITY;
    let buffered: Entry[] | undefined = [];
    let isDone = false;
    const deliver = (entry: Entry) => {
      if (isDone || entry.number <= written) return;
      written = entry.number;
      const frame = entry.data === 'null' ? `id: ${this.id}:${entry.number}\ndata: \n\n` : `id: ${this.id}:${entry.number}\nevent: message\ndata: ${entry.data}\n\n`;
      if (!entry.isLast) return void response.write(frame);
      response.end(frame);
      finish();
    };
    const listener = (text: string) => {
      const entry = parseEntry(text);
      if (entry === undefined) return;
      if (buffered !== undefined) buffered.push(entry);
      else deliver(entry);
    };
    let ownerCheck: NodeJS.Timeout | undefined;
    const finish = () => {
      if (isDone) return;
      isDone = true;
      clearInterval(ownerCheck);
      if (this.#target === response) this.#target = undefined;
      subscriber.unsubscribe(this.#channel, listener).catch(() => undefined);
    };
    response.once('close', finish);
    // Subscribe first, then read what is logged: nothing falls between the two.
    subscriber
      .subscribe(this.#channel, listener)
      .then(async () => {
        if (afterNumber === undefined) {
          written = Number((await commands.sendCommand(['GET', this.counterKey])) ?? 0);
        } else {
          const logged = (await commands.sendCommand(['LRANGE', this.#listKey, '0', '-1'])) as string[];
          for (const text of logged) {
            const entry = parseEntry(text);
            if (entry !== undefined) deliver(entry);
          }
        }
        const pending = buffered ?? [];
        buffered = undefined;
        for (const entry of pending) deliver(entry);
        if (isDone || this.isRunHere || !this.id.startsWith('c')) return;
        const check = () => void this.#endIfOwnerGone().catch(() => undefined);
        check();
        ownerCheck = setInterval(check, this.#options.ownerCheckMs ?? 2_000).unref();
      })
      .catch((error: unknown) => {
        this.#options.logger.warn({ err: error, stream: this.id }, 'could not follow an SSE stream in Redis; closing it so the client reconnects');
        finish();
        response.end();
      });
  }
}
