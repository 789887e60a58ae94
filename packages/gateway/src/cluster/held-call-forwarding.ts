// Held calls on another replica (docs/architecture.md): a 2026 client's
// retry carries the sealed state of a call some replica holds open toward a
// 2025 backend. The state names that replica; a retry landing elsewhere is
// sent to it over the replica bus, the owner runs it against its own
// listener (so it is handled exactly as if it had arrived there: identity,
// policies, audit), and the answer comes back whole. If the owner is gone
// (no heartbeat), the retry is handled here and gets the "gone" error, so
// the client starts the request again.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../telemetry/logger.ts';
import { ReplicaUnavailableError, type ReplicaBus } from './replica-bus.ts';

/** Marks a request a replica forwarded, so the owner never forwards it again. */
const FORWARDED_HEADER = 'x-gatehouse-forwarded-by';
/** Per-hop headers that describe the connection, not the request. */
const HOP_BY_HOP = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive', 'upgrade', 'te', 'trailer', 'proxy-connection']);

interface ForwardedReply {
  type: 'http-reply';
  status: number;
  contentType: string | undefined;
  body: string;
}

// What forwarding reads of the bridge, stated here so cluster/ does not
// import bridge/ (which imports what cluster/ serves): the sealed state's
// owner (bridge/request-state.ts, RequestStateSealer) and whether this
// replica holds the call (bridge/held-calls.ts, HeldCalls).
export interface SealedStateReader {
  peek(state: unknown): { kind: string; replica?: string | undefined; pendingId?: string | undefined } | undefined;
}

export interface HeldCallLookup {
  get(id: string): unknown;
}

export interface HeldCallForwardingOptions {
  bus: ReplicaBus;
  sealer: SealedStateReader;
  held: HeldCallLookup;
  /** This replica's own MCP listener, which runs requests forwarded to it. */
  localOrigin: () => string;
  /** How long a forwarded retry may take (a round waits for the backend's next move). */
  timeoutMs: number;
  logger: Logger;
}

export class HeldCallForwarding {
  readonly #options: HeldCallForwardingOptions;

  constructor(options: HeldCallForwardingOptions) {
    this.#options = options;
    options.bus.on('http', (message, from) => this.#runHere(message, from));
  }

  /** The replica holding the call a retry continues, when that is another one; `undefined`: handle it here. */
  ownerElsewhere(request: IncomingMessage, requestState: unknown): string | undefined {
    if (typeof requestState !== 'string' || request.headers[FORWARDED_HEADER] !== undefined) return undefined;
    const payload = this.#options.sealer.peek(requestState);
    if (payload?.kind !== 'pending' || payload.replica === undefined || payload.replica === this.#options.bus.replicaId) return undefined;
    if (payload.pendingId !== undefined && this.#options.held.get(payload.pendingId) !== undefined) return undefined;
    return payload.replica;
  }

  /** Sends the retry to its owner and writes the owner's answer; false when the owner is gone (handle it here). */
  async forward(owner: string, request: IncomingMessage, body: Buffer, response: ServerResponse): Promise<boolean> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    let reply: ForwardedReply;
    try {
      reply = (await this.#options.bus.request(owner, { type: 'http', path: request.url ?? '/mcp', headers, body: body.toString('base64') }, this.#options.timeoutMs)) as ForwardedReply;
    } catch (error) {
      if (error instanceof ReplicaUnavailableError) {
        this.#options.logger.info({ owner, reason: error.message }, 'a held call\'s replica is gone; the retry is answered here');
        return false;
      }
      throw error;
    }
    response.writeHead(reply.status, reply.contentType === undefined ? {} : { 'content-type': reply.contentType });
    response.end(reply.body);
    return true;
  }

  async #runHere(message: Record<string, unknown>, from: string): Promise<ForwardedReply> {
    const headers = { ...(message.headers as Record<string, string>), [FORWARDED_HEADER]: from };
    const origin = this.#options.localOrigin();
    const target = new URL(String(message.path), origin);
    // A path such as `//other-host/mcp` would resolve off this listener: a forwarded retry only ever runs here (docs/security.md section 3).
    if (target.origin !== new URL(origin).origin) return { type: 'http-reply', status: 400, contentType: 'text/plain', body: 'a forwarded request must name a path on this replica' };
    const answer = await fetch(target, {
      method: 'POST',
      headers,
      body: Buffer.from(String(message.body), 'base64'),
    });
    return { type: 'http-reply', status: answer.status, contentType: answer.headers.get('content-type') ?? undefined, body: await answer.text() };
  }
}
