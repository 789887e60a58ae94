// The standalone GET streams of 2025-era sessions (2025-11-25 transports,
// "Listening for Messages from the Server"): at most one listening per
// session, its events numbered and logged so a reconnect with
// `Last-Event-ID` replays what was missed. Unsolicited notifications (list
// changes, resource updates) go out here.

import type { ServerResponse } from 'node:http';
import type { JsonRpcNotification } from '../../protocol/jsonrpc.ts';
import { SSE_HEADERS, sseFrame } from '../http-io.ts';
import type { EventLog, LoggedStream } from './event-log.ts';

const KEEP_ALIVE_MS = 15_000;

interface SessionStream {
  logged: LoggedStream;
  endpointBackend: string | undefined;
  response: ServerResponse | undefined;
}

export class EventStreams {
  readonly #streams = new Map<string, SessionStream>();
  readonly #log: EventLog;
  readonly #keepAlive: NodeJS.Timeout;

  constructor(log: EventLog) {
    this.#log = log;
    this.#keepAlive = setInterval(() => {
      for (const stream of this.#streams.values()) if (stream.logged.isAttached) stream.response?.write(':\n\n');
    }, KEEP_ALIVE_MS);
    this.#keepAlive.unref();
  }

  /** Whether a client is listening on the session's GET stream right now. */
  isListening(sessionId: string): boolean {
    return this.#streams.get(sessionId)?.logged.isAttached === true;
  }

  /** Opens the session's GET stream, or resumes its logged one after `afterNumber`. */
  open(sessionId: string, endpointBackend: string | undefined, response: ServerResponse, resume?: { logged: LoggedStream; afterNumber: number }): void {
    response.writeHead(200, SSE_HEADERS);
    response.flushHeaders();
    const existing = this.#streams.get(sessionId);
    const logged = resume?.logged ?? existing?.logged ?? this.#log.openStream(sessionId, 'get');
    this.#streams.set(sessionId, { logged, endpointBackend, response });
    logged.attach(response, resume?.afterNumber);
  }

  send(sessionId: string, notification: JsonRpcNotification): boolean {
    const stream = this.#streams.get(sessionId);
    if (stream === undefined) return false;
    stream.logged.write(sseFrame(notification, stream.logged.nextEventId()));
    return true;
  }

  /** Sends to every session's stream (optionally only those of one endpoint). */
  broadcast(notification: JsonRpcNotification, filter?: (endpointBackend: string | undefined) => boolean): void {
    for (const [sessionId, stream] of this.#streams) {
      if (filter === undefined || filter(stream.endpointBackend)) this.send(sessionId, notification);
    }
  }

  close(sessionId: string): void {
    const stream = this.#streams.get(sessionId);
    if (stream === undefined) return;
    this.#streams.delete(sessionId);
    stream.response?.end();
  }

  closeAll(): void {
    clearInterval(this.#keepAlive);
    for (const sessionId of [...this.#streams.keys()]) this.close(sessionId);
  }
}
