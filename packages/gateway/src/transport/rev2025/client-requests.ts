// Requests the gateway sends to 2025-era clients on behalf of a backend, and
// the matching of the client's answers (which arrive as separate POSTs with a
// JSON-RPC response) back to them. Ids are the gateway's own, so two
// backends' request ids never clash on one client. With shared sessions the answer may arrive at another replica, which relays it (cluster/replica-mesh.ts).

import type { JsonRpcResponse } from '../../protocol/jsonrpc.ts';
import type { CallStream } from '../call-stream.ts';

interface Waiting {
  resolve(response: JsonRpcResponse): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

class ClientRequestGoneError extends Error {
  readonly code = 'client_request_gone';
  constructor(message: string) {
    super(message);
    this.name = 'ClientRequestGoneError';
  }
}

export class ClientRequests {
  readonly #waiting = new Map<string, Waiting>();
  readonly #timeoutMs: number;
  readonly #idPrefix: string;
  #sequence = 0;

  /** `idPrefix` makes ids unique across replicas, so a relayed answer is resolved by the one that asked. */
  constructor(timeoutMs: number, options: { idPrefix?: string } = {}) {
    this.#timeoutMs = timeoutMs;
    this.#idPrefix = options.idPrefix ?? 'gatehouse-';
  }

  get size(): number {
    return this.#waiting.size;
  }

  send(sessionId: string, stream: CallStream, method: string, params: Record<string, unknown> | undefined, signal: AbortSignal): Promise<JsonRpcResponse> {
    const id = `${this.#idPrefix}${++this.#sequence}`;
    const key = `${sessionId}\u0000${id}`;
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new ClientRequestGoneError(`the call was cancelled before ${method} could be asked of the client`));
      const finish = () => {
        clearTimeout(waiting.timer);
        this.#waiting.delete(key);
        signal.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        finish();
        stream.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'the call this request belongs to was cancelled' } });
        reject(new ClientRequestGoneError(`the call was cancelled while waiting for the client to answer ${method}`));
      };
      const waiting: Waiting = {
        resolve: (response) => {
          finish();
          resolve(response);
        },
        reject: (error) => {
          finish();
          reject(error);
        },
        timer: setTimeout(() => waiting.reject(new ClientRequestGoneError(`the client did not answer ${method} within ${this.#timeoutMs} ms`)), this.#timeoutMs),
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiting.set(key, waiting);
      const message = params === undefined ? { jsonrpc: '2.0' as const, id, method } : { jsonrpc: '2.0' as const, id, method, params };
      if (!stream.send(message)) waiting.reject(new ClientRequestGoneError(`the client's stream closed before ${method} could be sent`));
    });
  }

  /** Matches a client's response to the request it answers; false when nothing waits for it. */
  resolve(sessionId: string, response: JsonRpcResponse): boolean {
    if (response.id === null) return false;
    const waiting = this.#waiting.get(`${sessionId}\u0000${response.id}`);
    if (waiting === undefined) return false;
    waiting.resolve(response);
    return true;
  }
}
