// What 2025-era SSE streams sent, kept so a client that lost its connection
// can resume with `Last-Event-ID` and get what it missed, in order, once
// (2025-11-25 transports, "Resumability and Redelivery"). Event ids are
// `{streamId}:{n}` so an id names its stream, and only that stream is
// replayed. Bounded per stream and per session. Two implementations behind
// one interface: this process's memory (below, the default) and Redis
// (redis-event-log.ts), where any replica can resume any stream.

import type { ServerResponse } from 'node:http';
import type { JsonRpcId, JsonRpcMessage } from '../../protocol/jsonrpc.ts';
import { sseFrame } from '../http-io.ts';

export interface EventLogLimits {
  /** Events kept per stream; older ones are dropped (a resume from before them replays what is left). */
  maxEventsPerStream: number;
  /** Streams kept per session; the oldest finished one is dropped first. */
  maxStreamsPerSession: number;
}

export const DEFAULT_EVENT_LOG_LIMITS: EventLogLimits = { maxEventsPerStream: 512, maxStreamsPerSession: 64 };

/** One logged stream: events are numbered, kept, and written to whichever response listens now. */
export interface LoggedStream {
  readonly id: string;
  /** Whether a client listens on this stream in this process right now. */
  readonly isAttached: boolean;
  /** Records a message (`undefined`: the id-only priming event) and delivers it to the listening client, if any. */
  send(message: JsonRpcMessage | undefined, isLast?: boolean): void;
  /**
   * Points the stream at a (new) response: the original POST/GET, or a
   * resuming GET. With `afterNumber`, first replays what came after it;
   * without, only what is sent from now on.
   */
  attach(response: ServerResponse, afterNumber?: number): void;
}

export interface EventLog {
  /** Whether other replicas read and write this log (Redis). */
  readonly isShared: boolean;
  /**
   * A new stream for a session; its id prefix tells POST-call streams (`c`)
   * from GET streams (`g`). `requestId`: the call a `c` stream answers (a
   * shared log ends it with an error if its replica dies).
   */
  openStream(sessionId: string, kind: 'call' | 'get', requestId?: JsonRpcId): LoggedStream;
  /**
   * The stream a `Last-Event-ID` names in this session, and the position
   * after which to replay; `undefined` when the log does not hold it
   * (malformed, never this session's, expired or dropped).
   */
  find(sessionId: string, lastEventId: string): ResumePoint | undefined | Promise<ResumePoint | undefined>;
  /**
   * For an id `find` does not hold: the request id of the call whose stream
   * it named, when the log still remembers that call after dropping its
   * events, so the client can be told that call's outcome is lost.
   */
  droppedCall?(sessionId: string, lastEventId: string): JsonRpcId | undefined;
  /**
   * The session's GET stream for a message to deliver: the open one, or
   * (shared logs) a handle any replica can write to; `undefined` when the
   * session has none here.
   */
  sessionStream(sessionId: string): LoggedStream | undefined;
  dropSession(sessionId: string): void;
  close?(): void;
}

export interface ResumePoint {
  stream: LoggedStream;
  afterNumber: number;
}

export const EVENT_ID = /^([cg][0-9a-z]+):(\d+)$/;

/** Call streams dropped to make room whose request ids are remembered, per session. */
const MAX_DROPPED_CALLS = 256;

interface LoggedEvent {
  number: number;
  frame: string;
}

/** One stream's events in memory and, while a client listens, the response they are written to. */
export class MemoryLoggedStream implements LoggedStream {
  readonly id: string;
  /** The call a `c` stream answers. */
  requestId: JsonRpcId | undefined;
  readonly #events: LoggedEvent[] = [];
  readonly #limit: number;
  #next = 0;
  #target: ServerResponse | undefined;
  isComplete = false;

  constructor(id: string, limit: number) {
    this.id = id;
    this.#limit = limit;
  }

  get isAttached(): boolean {
    return this.#target !== undefined && !this.#target.destroyed && !this.#target.writableEnded;
  }

  send(message: JsonRpcMessage | undefined, isLast = false): void {
    const eventId = `${this.id}:${++this.#next}`;
    const frame = message === undefined ? `id: ${eventId}\ndata: \n\n` : sseFrame(message, eventId);
    this.#events.push({ number: this.#next, frame });
    if (this.#events.length > this.#limit) this.#events.shift();
    if (isLast) this.isComplete = true;
    const target = this.#target;
    if (target === undefined || target.destroyed || target.writableEnded) return;
    if (isLast) target.end(frame);
    else target.write(frame);
  }

  attach(response: ServerResponse, afterNumber?: number): void {
    this.#target = response;
    response.once('close', () => {
      if (this.#target === response) this.#target = undefined;
    });
    if (afterNumber !== undefined) {
      for (const event of this.#events) if (event.number > afterNumber) response.write(event.frame);
      if (this.isComplete) response.end();
    }
  }
}

export class MemoryEventLog implements EventLog {
  readonly isShared = false;
  readonly #sessions = new Map<string, Map<string, MemoryLoggedStream>>();
  /** Each session's GET stream, once opened. */
  readonly #getStreams = new Map<string, MemoryLoggedStream>();
  readonly #droppedCalls = new Map<string, Map<string, JsonRpcId>>();
  readonly #limits: EventLogLimits;
  #sequence = 0;

  constructor(limits: EventLogLimits = DEFAULT_EVENT_LOG_LIMITS) {
    this.#limits = limits;
  }

  openStream(sessionId: string, kind: 'call' | 'get', requestId?: JsonRpcId): LoggedStream {
    if (kind === 'get') {
      const existing = this.#getStreams.get(sessionId);
      if (existing !== undefined) return existing;
    }
    let streams = this.#sessions.get(sessionId);
    if (streams === undefined) this.#sessions.set(sessionId, (streams = new Map()));
    if (streams.size >= this.#limits.maxStreamsPerSession) this.#evictOne(sessionId, streams);
    const stream = new MemoryLoggedStream(`${kind === 'call' ? 'c' : 'g'}${(++this.#sequence).toString(36)}`, this.#limits.maxEventsPerStream);
    stream.requestId = requestId;
    streams.set(stream.id, stream);
    if (kind === 'get') this.#getStreams.set(sessionId, stream);
    return stream;
  }

  find(sessionId: string, lastEventId: string): ResumePoint | undefined {
    const match = EVENT_ID.exec(lastEventId);
    if (match === null) return undefined;
    const stream = this.#sessions.get(sessionId)?.get(match[1]!);
    return stream === undefined ? undefined : { stream, afterNumber: Number(match[2]) };
  }

  droppedCall(sessionId: string, lastEventId: string): JsonRpcId | undefined {
    const streamId = EVENT_ID.exec(lastEventId)?.[1];
    return streamId === undefined ? undefined : this.#droppedCalls.get(sessionId)?.get(streamId);
  }

  sessionStream(sessionId: string): LoggedStream | undefined {
    return this.#getStreams.get(sessionId);
  }

  dropSession(sessionId: string): void {
    this.#sessions.delete(sessionId);
    this.#getStreams.delete(sessionId);
    this.#droppedCalls.delete(sessionId);
  }

  #evictOne(sessionId: string, streams: Map<string, MemoryLoggedStream>): void {
    let victim: MemoryLoggedStream | undefined;
    for (const stream of streams.values()) {
      if (stream.isComplete || !stream.isAttached) {
        victim = stream;
        break;
      }
    }
    victim ??= streams.values().next().value;
    if (victim === undefined) return;
    streams.delete(victim.id);
    if (victim.requestId === undefined) return;
    let dropped = this.#droppedCalls.get(sessionId);
    if (dropped === undefined) this.#droppedCalls.set(sessionId, (dropped = new Map()));
    dropped.set(victim.id, victim.requestId);
    if (dropped.size > MAX_DROPPED_CALLS) dropped.delete(dropped.keys().next().value!);
  }
}
