// What 2025-era SSE streams sent, kept so a client that lost its connection
// can resume with `Last-Event-ID` and get what it missed, in order, once
// (2025-11-25 transports, "Resumability and Redelivery"). Event ids are
// `{streamId}:{n}` so an id names its stream, and only that stream is
// replayed. Bounded per stream and per session; in memory for now (the
// scale-out issue moves it to Redis so another replica can resume).

import type { ServerResponse } from 'node:http';

export interface EventLogLimits {
  /** Events kept per stream; older ones are dropped (a resume from before them replays what is left). */
  maxEventsPerStream: number;
  /** Streams kept per session; the oldest finished one is dropped first. */
  maxStreamsPerSession: number;
}

export const DEFAULT_EVENT_LOG_LIMITS: EventLogLimits = { maxEventsPerStream: 512, maxStreamsPerSession: 64 };

interface LoggedEvent {
  number: number;
  frame: string;
}

/** One stream's events and, while a client listens, the response they are written to. */
export class LoggedStream {
  readonly id: string;
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

  nextEventId(): string {
    return `${this.id}:${++this.#next}`;
  }

  /** Records a frame (whose id came from nextEventId) and writes it to the listening client, if any. */
  write(frame: string, isLast = false): void {
    this.#events.push({ number: this.#next, frame });
    if (this.#events.length > this.#limit) this.#events.shift();
    if (isLast) this.isComplete = true;
    const target = this.#target;
    if (target === undefined || target.destroyed || target.writableEnded) return;
    if (isLast) target.end(frame);
    else target.write(frame);
  }

  /** Points the stream at a (new) response: the original POST/GET, or a resuming GET after replaying. */
  attach(response: ServerResponse, afterNumber = Number.POSITIVE_INFINITY): void {
    this.#target = response;
    response.once('close', () => {
      if (this.#target === response) this.#target = undefined;
    });
    if (Number.isFinite(afterNumber)) {
      for (const event of this.#events) if (event.number > afterNumber) response.write(event.frame);
      if (this.isComplete) response.end();
    }
  }
}

export class EventLog {
  readonly #sessions = new Map<string, Map<string, LoggedStream>>();
  readonly #limits: EventLogLimits;
  #sequence = 0;

  constructor(limits: EventLogLimits = DEFAULT_EVENT_LOG_LIMITS) {
    this.#limits = limits;
  }

  /** A new stream for a session; its id prefix tells POST-call streams (`c`) from GET streams (`g`). */
  openStream(sessionId: string, kind: 'call' | 'get'): LoggedStream {
    let streams = this.#sessions.get(sessionId);
    if (streams === undefined) this.#sessions.set(sessionId, (streams = new Map()));
    if (streams.size >= this.#limits.maxStreamsPerSession) this.#evictOne(streams);
    const stream = new LoggedStream(`${kind === 'call' ? 'c' : 'g'}${(++this.#sequence).toString(36)}`, this.#limits.maxEventsPerStream);
    streams.set(stream.id, stream);
    return stream;
  }

  /** The stream a `Last-Event-ID` names, and the position after which to replay; `undefined` if unknown here. */
  find(sessionId: string, lastEventId: string): { stream: LoggedStream; afterNumber: number } | undefined {
    const match = /^([cg][0-9a-z]+):(\d+)$/.exec(lastEventId);
    if (match === null) return undefined;
    const stream = this.#sessions.get(sessionId)?.get(match[1]!);
    return stream === undefined ? undefined : { stream, afterNumber: Number(match[2]) };
  }

  dropSession(sessionId: string): void {
    this.#sessions.delete(sessionId);
  }

  #evictOne(streams: Map<string, LoggedStream>): void {
    for (const [id, stream] of streams) {
      if (stream.isComplete || !stream.isAttached) {
        streams.delete(id);
        return;
      }
    }
    const oldest = streams.keys().next().value;
    if (oldest !== undefined) streams.delete(oldest);
  }
}
