// Graceful drain of the client-facing listener (SIGTERM, SIGINT): every
// request is admitted here first; once draining, the listener stops
// accepting connections, a request that still arrives on a kept-alive one
// gets 503 with Retry-After and `Connection: close` (RFC 9110 sections
// 15.6.4 and 10.2.3) so the client or load balancer goes to another replica,
// and the calls in flight are waited for, up to a deadline.

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { refuse } from './http-io.ts';
import { RPC } from '../protocol/errors.ts';

export interface DrainOutcome {
  /** Requests still open at the deadline (cut off by the close that follows); 0 for a clean drain. */
  abandoned: number;
  waitedMs: number;
}

export class RequestDrain {
  readonly #inFlight = new Set<ServerResponse>();
  readonly #retryAfterSeconds: number;
  #isDraining = false;
  #onIdle: (() => void) | undefined;
  #server: Server | undefined;

  constructor(options: { retryAfterSeconds?: number } = {}) {
    this.#retryAfterSeconds = options.retryAfterSeconds ?? 1;
  }

  get isDraining(): boolean {
    return this.#isDraining;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Counts the request in, or refuses it with 503 when draining; false means it has been answered. */
  admit(_request: IncomingMessage, response: ServerResponse): boolean {
    if (this.#isDraining) {
      refuse(response, 503, 'Service Unavailable: this gateway replica is shutting down; retry the request (another replica will take it)', RPC.internalError, {
        'retry-after': String(this.#retryAfterSeconds),
        connection: 'close',
      });
      return false;
    }
    this.#inFlight.add(response);
    response.once('close', () => this.#settle(response));
    return true;
  }

  /**
   * Stops the listener taking connections, marks the open requests'
   * connections to close after their answer, and resolves once none is left
   * in flight or at the deadline. Long-lived streams must be ended by the
   * caller (they never finish on their own).
   */
  async drain(server: Server, timeoutMs: number): Promise<DrainOutcome> {
    const startedAt = performance.now();
    this.#isDraining = true;
    this.#server = server;
    server.close();
    server.closeIdleConnections();
    for (const response of this.#inFlight) if (!response.headersSent) response.setHeader('connection', 'close');
    if (this.#inFlight.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.#onIdle = undefined;
          resolve();
        }, timeoutMs);
        this.#onIdle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return { abandoned: this.#inFlight.size, waitedMs: Math.round(performance.now() - startedAt) };
  }

  #settle(response: ServerResponse): void {
    this.#inFlight.delete(response);
    if (!this.#isDraining) return;
    // A kept-alive connection that just finished its last request would otherwise linger until its timeout.
    const server = this.#server;
    if (server !== undefined) setImmediate(() => server.closeIdleConnections());
    if (this.#inFlight.size === 0) this.#onIdle?.();
  }
}
