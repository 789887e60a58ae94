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
import { SlotSet } from '../collections/slot-set.ts';

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

interface HeldEntry {
  call: HeldCall;
  readonly backend: Backend;
}

/**
 * A held call's id is a random UUID and the slot its entry sits in, so that
 * finding it reads one array slot (and compares the whole id): every 2026
 * call is held, and a Map keyed per call would be churned on each
 * (collections/slot-set.ts says why that matters).
 */
export class HeldCalls {
  readonly #calls = new SlotSet<HeldEntry>();
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
    const entry = { backend } as HeldEntry;
    const slot = this.#calls.add(entry);
    held = new HeldCall(`${randomUUID()}.${slot}`, backend.name, upstream, cancellation);
    entry.call = held;
    return held;
  }

  get(id: string): HeldCall | undefined {
    return this.#find(id)?.entry.call;
  }

  /** Forgets a call that has finished (its result went to the client). */
  release(id: string): void {
    const found = this.#find(id);
    if (found !== undefined) this.#calls.delete(found.slot, found.entry);
  }

  /** Gives up on a call: cancels it upstream and answers what the backend still waits for. */
  abandon(id: string, reason: string): void {
    const found = this.#find(id);
    if (found === undefined) return;
    const { call, backend } = found.entry;
    this.#calls.delete(found.slot, found.entry);
    call.cancellation.cancel(new Error(reason));
    for (const request of call.outstanding.values()) {
      backend.respond({ jsonrpc: '2.0', id: request.id, error: { code: -32603, message: `The client did not answer: ${reason}` } }).catch(() => {});
    }
  }

  #find(id: string): { slot: number; entry: HeldEntry } | undefined {
    const dot = id.lastIndexOf('.');
    const slot = dot === -1 ? Number.NaN : Number(id.slice(dot + 1));
    if (!Number.isInteger(slot) || slot < 0 || dot === id.length - 1) return undefined;
    const entry = this.#calls.at(slot);
    return entry?.call.id === id ? { slot, entry } : undefined;
  }

  #expire(now: number): void {
    for (const { call } of this.#calls) {
      if (call.expiresAt !== 0 && call.expiresAt < now) {
        this.#options.logger.info({ heldCall: call.id, backend: call.backend }, 'a call waiting for client input expired');
        this.abandon(call.id, `no retry arrived within ${this.#options.ttlMs} ms`);
      }
    }
  }

  close(): void {
    clearInterval(this.#sweep);
    for (const { call } of this.#calls) this.abandon(call.id, 'the gateway is shutting down');
  }
}
