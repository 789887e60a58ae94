// The standalone GET streams of 2025-era sessions (2025-11-25 transports,
// "Listening for Messages from the Server"): at most one per session, each
// with its own SSE event ids. Unsolicited notifications (list changes) go out
// here. Process-local for now; the scale-out issue moves delivery to a bus.

import type { ServerResponse } from 'node:http';
import type { JsonRpcNotification } from '../../protocol/jsonrpc.ts';
import { SSE_HEADERS, sseFrame } from '../http-io.ts';

interface OpenStream {
  response: ServerResponse;
  endpointBackend: string | undefined;
  nextEventId: number;
}

const KEEP_ALIVE_MS = 15_000;

export class EventStreams {
  readonly #streams = new Map<string, OpenStream>();
  readonly #keepAlive: NodeJS.Timeout;

  constructor() {
    this.#keepAlive = setInterval(() => {
      for (const stream of this.#streams.values()) stream.response.write(':\n\n');
    }, KEEP_ALIVE_MS);
    this.#keepAlive.unref();
  }

  has(sessionId: string): boolean {
    return this.#streams.has(sessionId);
  }

  open(sessionId: string, endpointBackend: string | undefined, response: ServerResponse): void {
    response.writeHead(200, SSE_HEADERS);
    response.flushHeaders();
    const stream: OpenStream = { response, endpointBackend, nextEventId: 1 };
    this.#streams.set(sessionId, stream);
    response.once('close', () => {
      if (this.#streams.get(sessionId) === stream) this.#streams.delete(sessionId);
    });
  }

  send(sessionId: string, notification: JsonRpcNotification): boolean {
    const stream = this.#streams.get(sessionId);
    if (stream === undefined) return false;
    stream.response.write(sseFrame(notification, `${sessionId}:${stream.nextEventId++}`));
    return true;
  }

  /** Sends to every open stream (optionally only those of one endpoint). */
  broadcast(notification: JsonRpcNotification, filter?: (endpointBackend: string | undefined) => boolean): void {
    for (const [sessionId, stream] of this.#streams) {
      if (filter === undefined || filter(stream.endpointBackend)) this.send(sessionId, notification);
    }
  }

  close(sessionId: string): void {
    const stream = this.#streams.get(sessionId);
    if (stream === undefined) return;
    this.#streams.delete(sessionId);
    stream.response.end();
  }

  closeAll(): void {
    clearInterval(this.#keepAlive);
    for (const sessionId of [...this.#streams.keys()]) this.close(sessionId);
  }
}
