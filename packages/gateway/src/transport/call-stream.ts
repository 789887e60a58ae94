// The answer channel of one client POST. It stays a plain JSON response
// unless something must reach the client before the result (progress, a log
// message, a request to the client), in which case it becomes an SSE stream
// scoped to that request (both revisions' "Sending Messages"), and the final
// response is its last event.

import type { ServerResponse } from 'node:http';
import type { JsonRpcMessage, JsonRpcResponse } from '../protocol/jsonrpc.ts';
import { SSE_HEADERS, sseFrame, writeJson } from './http-io.ts';

/** Where a 2025 stream's events are numbered (and later kept for `Last-Event-ID` replay). */
export interface EventNumbering {
  nextEventId(): string;
}

export class CallStream {
  readonly #response: ServerResponse;
  readonly #numbering: EventNumbering | undefined;
  readonly #headers: Record<string, string> | undefined;
  #isStreaming = false;

  constructor(response: ServerResponse, numbering?: EventNumbering, headers?: Record<string, string>) {
    this.#response = response;
    this.#numbering = numbering;
    this.#headers = headers;
  }

  get isStreaming(): boolean {
    return this.#isStreaming;
  }

  /** Whether the client is still there to receive anything. */
  get isOpen(): boolean {
    return !this.#response.destroyed && !this.#response.writableEnded;
  }

  /** Sends a message ahead of the result; returns false if the client has gone. */
  send(message: JsonRpcMessage): boolean {
    if (!this.isOpen) return false;
    if (!this.#isStreaming) {
      this.#response.writeHead(200, { ...this.#headers, ...SSE_HEADERS });
      this.#isStreaming = true;
    }
    return this.#response.write(sseFrame(message, this.#numbering?.nextEventId()));
  }

  /** Writes the final response and closes the stream. */
  finish(message: JsonRpcResponse, status = 200): void {
    if (!this.isOpen) return;
    if (!this.#isStreaming) return writeJson(this.#response, status, message, this.#headers);
    this.#response.end(sseFrame(message, this.#numbering?.nextEventId()));
  }
}
