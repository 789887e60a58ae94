// Graceful drain of the client-facing listener (SIGTERM, SIGINT): every
// request is admitted here first; once draining, the listener stops
// accepting connections, a request that still arrives on a kept-alive one
// gets 503 with Retry-After and `Connection: close` (RFC 9110 sections
// 15.6.4 and 10.2.3) so the client or load balancer goes to another replica,
// and the calls in flight are waited for, up to a deadline. A call still
// running then is given up: it is answered with a JSON-RPC error the client
// can act on and its upstream call is cancelled, never cut off mute.

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { refuse, writeRpcError } from './http-io.ts';
import { SlotSet, type Slot } from '../collections/slot-set.ts';
import { GatewayRpcError, RPC } from '../protocol/errors.ts';

export interface DrainOutcome {
  /** Requests and calls still open at the deadline (given up by `giveUpAll`); 0 for a clean drain. */
  abandoned: number;
  waitedMs: number;
  /** Whether everything closed (stores flushed) within the deadline; set by the gateway's drain. */
  isClosed?: boolean;
}

/** How a call in flight is given up: answer it with `error` (its own request id) and cancel its upstream work. */
export type GiveUp = (error: GatewayRpcError) => void;

/**
 * The error a call gets when a shutting-down gateway gives up on it. Transient:
 * the gateway, not the call, is the problem, so the client may send it again
 * (to another replica behind the same URL) if repeating it is safe; the
 * upstream call was cancelled, so its effect is unknown.
 */
export function shutdownError(drainTimeoutMs: number): GatewayRpcError {
  return new GatewayRpcError(
    RPC.internalError,
    `The gateway replica handling this request is shutting down and gave up on it at its drain deadline (${Math.round(drainTimeoutMs / 1000)} s); the call to the backend was cancelled, so whether it took effect is unknown. This is transient: send the request again (another replica will take it) if repeating it is safe`,
    { data: { reason: 'gateway_shutting_down', isTransient: true, retryAfterMs: 1000 } },
  );
}

export class RequestDrain {
  // SlotSets rather than Sets: every request is added and removed (collections/slot-set.ts says why that matters).
  readonly #inFlight = new SlotSet<ServerResponse>();
  /** Calls being worked on, whether or not their client still listens (a 2025 call logs its result for a resume). */
  readonly #calls = new SlotSet<GiveUp>();
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
    return this.#inFlight.size + this.#calls.size;
  }

  /** Counts a call in until the returned release is called; `giveUp` answers and cancels it if the drain deadline comes first. */
  trackCall(giveUp: GiveUp): () => void {
    const slot = this.#calls.add(giveUp);
    return () => {
      if (this.#calls.delete(slot, giveUp) && this.#isDraining && this.inFlight === 0) this.#onIdle?.();
    };
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
    const slot = this.#inFlight.add(response);
    response.once('close', () => this.#settle(slot, response));
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
    if (this.inFlight > 0) {
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
    return { abandoned: this.inFlight, waitedMs: Math.round(performance.now() - startedAt) };
  }

  /**
   * At the deadline: every call still running is answered with `error` and
   * cancelled; any other request still open (a stream with no call of its
   * own) is ended, with the error as its body when nothing was sent yet.
   * Resolves once they have settled, or after `settleMs`.
   */
  async giveUpAll(error: GatewayRpcError, settleMs: number): Promise<void> {
    for (const giveUp of this.#calls) giveUp(error);
    for (const response of this.#inFlight) {
      if (!response.headersSent) {
        const refusal = new GatewayRpcError(error.code, error.message, { httpStatus: 503, data: error.data });
        writeRpcError(response, null, refusal, { 'retry-after': String(this.#retryAfterSeconds), connection: 'close' });
      }
      else if (!response.writableEnded) response.end();
    }
    if (this.inFlight === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, settleMs);
      this.#onIdle = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  #settle(slot: Slot, response: ServerResponse): void {
    this.#inFlight.delete(slot, response);
    if (!this.#isDraining) return;
    // A kept-alive connection that just finished its last request would otherwise linger until its timeout.
    const server = this.#server;
    if (server !== undefined) setImmediate(() => server.closeIdleConnections());
    if (this.inFlight === 0) this.#onIdle?.();
  }
}
