// The registry of calls held for 2026-07-28 clients (see held-call.ts):
// bounded in number and in time. An expired call is cancelled upstream and
// the backend's open requests are answered with an error, so neither side
// waits forever. Process-local: docs/architecture.md says how a later
// replica-aware version finds the owner of a held call.

import { randomUUID } from 'node:crypto';
import type { Backend } from '../upstream/backend.ts';
import type { Logger } from '../telemetry/logger.ts';
import { HeldCall } from './held-call.ts';
import { ExchangeCancellation } from '../exchange/exchange-cancellation.ts';

export interface HeldCallsOptions {
  maxHeld: number;
  ttlMs: number;
  logger: Logger;
}

class HeldCallLimitError extends Error {
  readonly code = 'held_call_limit';
  constructor(limit: number) {
    super(`The gateway is already holding ${limit} calls that wait for client input; retry later`);
    this.name = 'HeldCallLimitError';
  }
}

export class HeldCalls {
  readonly #calls = new Map<string, { call: HeldCall; backend: Backend }>();
  readonly #options: HeldCallsOptions;
  readonly #sweep: NodeJS.Timeout;

  constructor(options: HeldCallsOptions) {
    this.#options = options;
    this.#sweep = setInterval(() => this.#expire(Date.now()), Math.min(5_000, options.ttlMs)).unref();
  }

  get ttlMs(): number {
    return this.#options.ttlMs;
  }

  get size(): number {
    return this.#calls.size;
  }

  create(backend: Backend, start: (call: { cancellation: ExchangeCancellation; enqueue: HeldCall['enqueue'] }) => Promise<Record<string, unknown>>): HeldCall {
    if (this.#calls.size >= this.#options.maxHeld) throw new HeldCallLimitError(this.#options.maxHeld);
    const cancellation = new ExchangeCancellation();
    let held: HeldCall | undefined;
    const upstream = start({ cancellation, enqueue: (request) => held!.enqueue(request) });
    held = new HeldCall(randomUUID(), backend.name, upstream, cancellation);
    this.#calls.set(held.id, { call: held, backend });
    return held;
  }

  get(id: string): HeldCall | undefined {
    return this.#calls.get(id)?.call;
  }

  /** Forgets a call that has finished (its result went to the client). */
  release(id: string): void {
    this.#calls.delete(id);
  }

  /** Gives up on a call: cancels it upstream and answers what the backend still waits for. */
  abandon(id: string, reason: string): void {
    const entry = this.#calls.get(id);
    if (entry === undefined) return;
    this.#calls.delete(id);
    entry.call.cancellation.cancel(new Error(reason));
    for (const request of entry.call.outstanding.values()) {
      entry.backend.respond({ jsonrpc: '2.0', id: request.id, error: { code: -32603, message: `The client did not answer: ${reason}` } }).catch(() => {});
    }
  }

  #expire(now: number): void {
    for (const [id, { call }] of this.#calls) {
      if (call.expiresAt !== 0 && call.expiresAt < now) {
        this.#options.logger.info({ heldCall: id, backend: call.backend }, 'a call waiting for client input expired');
        this.abandon(id, `no retry arrived within ${this.#options.ttlMs} ms`);
      }
    }
  }

  close(): void {
    clearInterval(this.#sweep);
    for (const id of [...this.#calls.keys()]) this.abandon(id, 'the gateway is shutting down');
  }
}
