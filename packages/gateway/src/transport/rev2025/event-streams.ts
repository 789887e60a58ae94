// The standalone GET streams of 2025-era sessions (2025-11-25 transports,
// "Listening for Messages from the Server"): at most one listening per
// session, its events numbered and logged so a reconnect with
// `Last-Event-ID` replays what was missed. Unsolicited notifications (list
// changes, resource updates) go out here. With a shared event log, a message
// for a session is logged wherever it arises and delivered by the replica
// the client's GET stream is connected to. A stream is closed after
// `stream_timeout_seconds`; the client reconnects and resumes.

import type { ServerResponse } from 'node:http';
import type { JsonRpcNotification } from '../../protocol/jsonrpc.ts';
import { SSE_HEADERS } from '../http-io.ts';
import type { EventLog, LoggedStream } from './event-log.ts';

const KEEP_ALIVE_MS = 15_000;

interface SessionStream {
  logged: LoggedStream;
  endpointBackend: string | undefined;
  response: ServerResponse | undefined;
}

export interface EventStreamsOptions {
  /** `stream_timeout_seconds` in ms: the longest one GET response stays open. */
  streamTimeoutMs?: number;
}

export class EventStreams {
  readonly #streams = new Map<string, SessionStream>();
  readonly #log: EventLog;
  readonly #keepAlive: NodeJS.Timeout;
  readonly #streamTimeoutMs: number | undefined;

  constructor(log: EventLog, options: EventStreamsOptions = {}) {
    this.#log = log;
    this.#streamTimeoutMs = options.streamTimeoutMs;
    this.#keepAlive = setInterval(() => {
      for (const stream of this.#streams.values()) if (stream.logged.isAttached) stream.response?.write(':\n\n');
    }, KEEP_ALIVE_MS);
    this.#keepAlive.unref();
  }

  /** Whether a client is listening on the session's GET stream in this process right now. */
  isListening(sessionId: string): boolean {
    return this.#streams.get(sessionId)?.logged.isAttached === true;
  }

  /** Opens the session's GET stream, or resumes its logged one after `afterNumber`. */
  open(sessionId: string, endpointBackend: string | undefined, response: ServerResponse, resume?: { logged: LoggedStream; afterNumber: number }): void {
    response.writeHead(200, SSE_HEADERS);
    response.flushHeaders();
    const logged = resume?.logged ?? this.#streams.get(sessionId)?.logged ?? this.#log.openStream(sessionId, 'get');
    const entry: SessionStream = { logged, endpointBackend, response };
    this.#streams.set(sessionId, entry);
    logged.attach(response, resume?.afterNumber);
    if (this.#streamTimeoutMs !== undefined) {
      const timer = setTimeout(() => response.end(), this.#streamTimeoutMs).unref();
      response.once('close', () => clearTimeout(timer));
    }
    response.once('close', () => {
      if (entry.response === response) entry.response = undefined;
    });
  }

  /** Sends to a session's GET stream: logged, and delivered to the client wherever its stream is connected. */
  send(sessionId: string, notification: JsonRpcNotification): boolean {
    const logged = this.#streams.get(sessionId)?.logged ?? this.#log.sessionStream(sessionId);
    if (logged === undefined) return false;
    logged.send(notification);
    return true;
  }

  /**
   * Sends to the sessions whose stream is here (optionally only those of one
   * endpoint). Every replica hears its own backends' changes, so each tells
   * the clients connected to it.
   */
  broadcast(notification: JsonRpcNotification, filter?: (endpointBackend: string | undefined) => boolean): void {
    for (const stream of this.#streams.values()) {
      // A shared log's detached stream is some other replica's to feed now (or nobody's until a resume).
      if (this.#log.isShared && stream.response === undefined) continue;
      if (filter === undefined || filter(stream.endpointBackend)) stream.logged.send(notification);
    }
  }

  /** Ends the session's stream; with `reconnectAfterMs`, first tells the client when to reconnect (an SSE `retry:` field). */
  close(sessionId: string, reconnectAfterMs?: number): void {
    const stream = this.#streams.get(sessionId);
    if (stream === undefined) return;
    this.#streams.delete(sessionId);
    if (reconnectAfterMs === undefined) stream.response?.end();
    else stream.response?.end(`retry: ${Math.max(0, Math.round(reconnectAfterMs))}\n\n`);
  }

  /**
   * Ends every stream. A draining gateway passes `reconnectAfterMs`: the
   * 2025-11-25 transport lets a server close a stream after a `retry:`
   * field, and the client then reconnects with Last-Event-ID (to another
   * replica, behind a load balancer).
   */
  closeAll(reconnectAfterMs?: number): void {
    clearInterval(this.#keepAlive);
    for (const sessionId of [...this.#streams.keys()]) this.close(sessionId, reconnectAfterMs);
  }
}
