// A call to a 2025-era backend held open by the gateway on behalf of a
// 2026-07-28 client. The backend asks for input with server-to-client
// requests during the call; the client can only be asked through an
// `input_required` result and answers on a retry. So the call stays pending
// here between the client's rounds, bounded in time, and each backend
// request waits under a key until the retry brings its answer.

import type { JsonRpcRequest } from '../protocol/jsonrpc.ts';
import type { Exchange } from '../exchange/exchange.ts';
import type { ExchangeCancellation } from '../exchange/exchange-cancellation.ts';

export type HeldCallEvent =
  | { kind: 'result'; result: Record<string, unknown> }
  | { kind: 'error'; error: unknown }
  | { kind: 'input'; requests: Map<string, JsonRpcRequest> };

/** How long to keep gathering backend requests that arrive together, so the client gets them in one round. */
const GATHER_MS = 5;

export class HeldCall {
  readonly id: string;
  readonly backend: string;
  /** Cancels the upstream call (exchange/exchange-cancellation.ts). */
  readonly cancellation: ExchangeCancellation;
  /** Which client round may resume this call next; a state for an older round is a replay. */
  round = 0;
  expiresAt = 0;
  /** The client request the call answers to now: the first one, then each retry. */
  currentExchange: Exchange | undefined;
  /** Backend requests handed to the client, by the key used in `inputRequests`. */
  readonly outstanding = new Map<string, JsonRpcRequest>();
  #queue: JsonRpcRequest[] = [];
  #settled: HeldCallEvent | undefined;
  #wake: (() => void) | undefined;
  #keySequence = 0;

  constructor(id: string, backend: string, upstream: Promise<Record<string, unknown>>, cancellation: ExchangeCancellation) {
    this.id = id;
    this.backend = backend;
    this.cancellation = cancellation;
    upstream.then(
      (result) => this.#settle({ kind: 'result', result }),
      (error: unknown) => this.#settle({ kind: 'error', error }),
    );
  }

  /** Called by the upstream call's related-message handler for each backend request. */
  enqueue(request: JsonRpcRequest): void {
    this.#queue.push(request);
    this.#wake?.();
  }

  /** Waits for the backend's next move: its result, or requests for input (gathered briefly so they come as one round). */
  async next(): Promise<HeldCallEvent> {
    if (this.#queue.length === 0 && this.#settled === undefined) {
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
    if (this.#queue.length > 0) {
      await new Promise((resolve) => setTimeout(resolve, GATHER_MS));
      const requests = new Map<string, JsonRpcRequest>();
      for (const request of this.#queue) {
        const key = `input-${++this.#keySequence}`;
        requests.set(key, request);
        this.outstanding.set(key, request);
      }
      this.#queue = [];
      return { kind: 'input', requests };
    }
    return this.#settled!;
  }

  #settle(event: HeldCallEvent): void {
    this.#settled = event;
    this.#wake?.();
  }
}
