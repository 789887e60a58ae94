// The answer channel of one client POST. It stays a plain JSON response
// unless something must reach the client before the result (progress, a log
// message, a request to the client), in which case it becomes an SSE stream
// scoped to that request (both revisions' "Sending Messages"), and the final
// response is its last event. For 2025-era sessions the SSE events are
// numbered and logged, so a client that lost the connection resumes with
// `Last-Event-ID` (rev2025/event-log.ts).

import type { ServerResponse } from 'node:http';
import type { JsonRpcId, JsonRpcMessage, JsonRpcResponse } from '../protocol/jsonrpc.ts';
import { SSE_HEADERS, sseFrame, withRetryAfter, writeJson, writeJsonText } from './http-io.ts';
import type { LoggedStream } from './rev2025/event-log.ts';

export interface CallStreamOptions {
  /** Creates the logged stream when the answer turns into SSE (2025-era sessions). */
  openLoggedStream?: () => LoggedStream;
  /** 2025-11-25: start the stream with an id-only event so the client can resume from the very beginning. */
  isPriming?: boolean;
}

export class CallStream {
  readonly #response: ServerResponse;
  readonly #options: CallStreamOptions;
  #logged: LoggedStream | undefined;
  #isStreaming = false;
  #isFinished = false;

  constructor(response: ServerResponse, options: CallStreamOptions = {}) {
    this.#response = response;
    this.#options = options;
  }

  get isStreaming(): boolean {
    return this.#isStreaming;
  }

  /** Whether anything sent now can still reach the client: a logged stream waits for a resume. */
  get isOpen(): boolean {
    if (this.#isFinished) return false;
    if (this.#logged !== undefined) return true;
    return !this.#response.destroyed && !this.#response.writableEnded;
  }

  /** Sends a message ahead of the result; returns false if it cannot reach the client. */
  send(message: JsonRpcMessage): boolean {
    if (!this.isOpen) return false;
    if (!this.#isStreaming && !this.#startStreaming()) return false;
    const logged = this.#logged;
    if (logged === undefined) return this.#response.write(sseFrame(message));
    logged.send(message);
    return true;
  }

  /** Writes the final response and closes the stream. */
  finish(message: JsonRpcResponse, status = 200): void {
    if (!this.isOpen) return;
    this.#isFinished = true;
    if (!this.#isStreaming) return writeJson(this.#response, status, message, 'error' in message ? withRetryAfter(status, message.error.data) : undefined);
    const logged = this.#logged;
    if (logged === undefined) this.#response.end(sseFrame(message));
    else logged.send(message, true);
  }

  /** Writes a successful final response whose result is already serialized as `resultText`. */
  finishResult(id: JsonRpcId, result: Record<string, unknown>, resultText: string): void {
    if (this.#isStreaming || !this.isOpen) return this.finish({ jsonrpc: '2.0', id, result });
    this.#isFinished = true;
    writeJsonText(this.#response, 200, `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${resultText}}`);
  }

  #startStreaming(): boolean {
    if (this.#response.destroyed || this.#response.headersSent) return false;
    this.#response.writeHead(200, SSE_HEADERS);
    this.#isStreaming = true;
    if (this.#options.openLoggedStream !== undefined) {
      const logged = this.#options.openLoggedStream();
      this.#logged = logged;
      // From the first event: a shared log may number events before this replica follows the stream.
      logged.attach(this.#response, 0);
      if (this.#options.isPriming) logged.send(undefined);
    }
    return true;
  }
}
