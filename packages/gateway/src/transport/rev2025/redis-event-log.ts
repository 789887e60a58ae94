// The event log in Redis, so a stream can be resumed on any replica and a
// message for a session reaches its GET stream wherever that is connected.
// Each stream is a bounded Redis list (LTRIM) with the session's TTL and a
// counter; one script numbers an event, appends it and publishes it on the
// stream's channel, atomically, so events written by several replicas get
// one order. A replica serving a client's stream subscribes to the channel
// first, then replays the list after the client's `Last-Event-ID`, then
// passes on live events, skipping any number it already wrote: in order,
// once.

import { createHash, randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { JsonRpcMessage } from '../../protocol/jsonrpc.ts';
import type { RedisCommands, RedisSubscriber } from '../../cluster/redis-connection.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { DEFAULT_EVENT_LOG_LIMITS, EVENT_ID, type EventLog, type EventLogLimits, type LoggedStream } from './event-log.ts';

export interface RedisEventLogOptions {
  commands: RedisCommands;
  subscriber: RedisSubscriber;
  prefix: string;
  /** How long a stream's events are kept after its last event (the session TTL). */
  ttlSeconds: number;
  limits?: EventLogLimits;
  logger: Logger;
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

  openStream(sessionId: string, kind: 'call' | 'get'): LoggedStream {
    // Call streams get ids unique across replicas without coordination.
    return this.#stream(sessionId, kind === 'get' ? SESSION_STREAM_ID : `c${randomBytes(8).readBigUInt64BE().toString(36)}`);
  }

  find(sessionId: string, lastEventId: string): { stream: LoggedStream; afterNumber: number } | undefined {
    const match = EVENT_ID.exec(lastEventId);
    if (match === null) return undefined;
    return { stream: this.#stream(sessionId, match[1]!), afterNumber: Number(match[2]) };
  }

  sessionStream(sessionId: string): LoggedStream {
    return this.#stream(sessionId, SESSION_STREAM_ID);
  }

  dropSession(sessionId: string): void {
    const { commands, prefix } = this.#options;
    const pattern = `${prefix}ev:${sessionId}:*`;
    // Streams of an ended session expire with their TTL anyway; this frees them now.
    void (async () => {
      let cursor = '0';
      do {
        const [next, keys] = (await commands.sendCommand(['SCAN', cursor, 'MATCH', pattern, 'COUNT', '200'])) as [string, string[]];
        cursor = next;
        if (keys.length > 0) await commands.sendCommand(['UNLINK', ...keys]);
      } while (cursor !== '0');
    })().catch(() => undefined);
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
  readonly #counterKey: string;
  readonly #channel: string;
  #target: ServerResponse | undefined;

  constructor(options: RedisEventLogOptions, limits: EventLogLimits, sessionId: string, streamId: string) {
    this.id = streamId;
    this.#options = options;
    this.#limits = limits;
    const base = `${options.prefix}ev:${sessionId}:${streamId}`;
    this.#listKey = base;
    this.#counterKey = `${base}:n`;
    this.#channel = `${base}:live`;
  }

  get isAttached(): boolean {
    return this.#target !== undefined && !this.#target.destroyed && !this.#target.writableEnded;
  }

  send(message: JsonRpcMessage | undefined, isLast = false): void {
    const args = [JSON.stringify(message ?? null), String(this.#limits.maxEventsPerStream), String(this.#options.ttlSeconds), this.#channel, isLast ? '1' : '0'];
    const keys = [this.#listKey, this.#counterKey];
    const { commands, logger } = this.#options;
    commands
      .sendCommand(['EVALSHA', APPEND_SHA, '2', ...keys, ...args])
      .catch((error: unknown) => {
        if (!String((error as Error)?.message).includes('NOSCRIPT')) throw error;
        return commands.sendCommand(['EVAL', APPEND, '2', ...keys, ...args]);
      })
      .catch((error: unknown) => logger.warn({ err: error, stream: this.id }, 'an SSE event could not be logged in Redis; the client will not get it'));
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
    const finish = () => {
      if (isDone) return;
      isDone = true;
      if (this.#target === response) this.#target = undefined;
      subscriber.unsubscribe(this.#channel, listener).catch(() => undefined);
    };
    response.once('close', finish);
    // Subscribe first, then read what is logged: nothing falls between the two.
    subscriber
      .subscribe(this.#channel, listener)
      .then(async () => {
        if (afterNumber === undefined) {
          written = Number((await commands.sendCommand(['GET', this.#counterKey])) ?? 0);
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
      })
      .catch((error: unknown) => {
        this.#options.logger.warn({ err: error, stream: this.id }, 'could not follow an SSE stream in Redis; closing it so the client reconnects');
        finish();
        response.end();
      });
  }
}
