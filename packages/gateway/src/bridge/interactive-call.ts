// Calls that may need input from the client (tools/call, prompts/get,
// resources/read: the methods MRTR allows), for every pairing of client and
// backend revision:
//
//   client 2025 + backend 2025: the backend's requests are relayed on the
//     call's stream (forward/related-messages.ts), nothing to do here;
//   client 2026 + backend 2026: `input_required` passes through, its
//     requestState sealed so the retry reaches the same backend and target;
//   client 2026 + backend 2025: the backend's requests become an
//     `input_required` result while the gateway holds the call (held-call.ts);
//   client 2025 + backend 2026: each `inputRequests` entry is asked of the
//     client on the call's stream and the backend is retried with the answers.

import { randomUUID } from 'node:crypto';
import { requestStateBindingKey } from '../identity/session-binding.ts';
import type { Exchange } from '../exchange/exchange.ts';
import { capabilityFor, hasCapability } from '../exchange/client-relay.ts';
import type { Backend } from '../upstream/backend.ts';
import { GatewayRpcError, RPC, rpcErrors } from '../protocol/errors.ts';
import { failureResponse, type JsonRpcRequest } from '../protocol/jsonrpc.ts';
import { forwardToBackend, type ForwardOptions } from '../forward/forward.ts';
import { checkInputRequests, elicitationUrlProblem } from '../forward/elicitation-url.ts';
import type { HeldCall } from './held-call.ts';
import type { HeldCalls } from './held-calls.ts';
import type { RequestStatePayload, RequestStateSealer } from './request-state.ts';
import { CallerCancellationWatcher } from '../exchange/exchange-cancellation.ts';

export interface BridgeContext {
  sealer: RequestStateSealer;
  held: HeldCalls;
  /** How long a sealed state (and a held call between rounds) stays usable. */
  stateTtlMs: number;
  /** Rounds of `input_required` a 2025 client is walked through before the gateway gives up. */
  maxRounds: number;
  /** With shared sessions: this replica's id, sealed into a held call's state (cluster/held-call-forwarding.ts). */
  replicaId?: string;
}

type Result = Record<string, unknown>;

/** The stable key of who made a request: sealed states are refused to anyone else (MRTR server requirements). */
export function callerKey(exchange: Exchange): string {
  return exchange.caller.isAnonymous ? 'anonymous' : requestStateBindingKey(exchange.caller);
}

export function forwardInteractive(
  bridge: BridgeContext,
  exchange: Exchange,
  backend: Backend,
  method: string,
  params: Result,
  clientTarget: string,
  options: ForwardOptions,
): Promise<Result> {
  const isModernBackend = backend.handshake?.era === 'modern';
  // Not an async function: the common 2025-to-2025 call returns the backend's promise itself, one hop fewer per call.
  if (exchange.client.era === 'legacy') {
    return isModernBackend ? walkInputRounds(bridge, exchange, backend, method, params, options) : forwardToBackend(exchange, backend, method, params, options);
  }
  return forwardForModernClient(bridge, exchange, backend, method, params, clientTarget, options, isModernBackend);
}

/** A 2026-07-28 client: its sealed state is opened, and a 2025 backend's requests become input_required rounds. */
async function forwardForModernClient(
  bridge: BridgeContext,
  exchange: Exchange,
  backend: Backend,
  method: string,
  params: Result,
  clientTarget: string,
  options: ForwardOptions,
  isModernBackend: boolean,
): Promise<Result> {
  const binding = {
    endpoint: exchange.endpointBackend ?? '',
    backend: backend.name,
    method,
    target: clientTarget,
    caller: callerKey(exchange),
  };
  if (params.requestState !== undefined) {
    const state = bridge.sealer.open(params.requestState, { ...binding, now: Date.now() });
    if (state.backend !== backend.name) throw rpcErrors.invalidParams('requestState belongs to another backend; send the request again without requestState and inputResponses');
    if (state.kind === 'pending') return resumeHeldCall(bridge, exchange, backend, state, params.inputResponses, binding);
    if (state.inner === undefined) delete params.requestState;
    else params.requestState = state.inner;
  }
  if (isModernBackend) {
    const result = await forwardToBackend(exchange, backend, method, params, options);
    if (result.resultType === 'input_required') {
      checkInputRequests(backend.name, result.inputRequests);
      result.requestState = bridge.sealer.seal({ kind: 'pass', ...binding, expiresAt: Date.now() + bridge.stateTtlMs, ...(typeof result.requestState === 'string' ? { inner: result.requestState } : {}) });
    }
    return result;
  }
  // A 2025 backend: hold the call; its requests to the client come back as input_required rounds.
  delete params.requestState;
  delete params.inputResponses;
  const held = bridge.held.create(backend, ({ cancellation, enqueue }) =>
    forwardToBackend(exchange, backend, method, params, {
      ...options,
      cancellation,
      relatedExchange: () => held.currentExchange ?? exchange,
      onServerRequest: (request) => {
        if (request.method === 'ping') return void backend.respond({ jsonrpc: '2.0', id: request.id, result: {} }).catch(() => {});
        const current = held.currentExchange ?? exchange;
        if (!hasCapability(current.client.capabilities, request.method, request.params)) {
          // The backend hears the 2026-07-28 error the client's request deserves (-32021, naming the capability):
          // a tool that can do without it goes on; one that passes the error up has it relayed with HTTP 400.
          const refusal = rpcErrors.missingRequiredClientCapability(request.method, capabilityFor(request.method, request.params) ?? { name: request.method });
          return void backend.respond(failureResponse(request.id, refusal.toJsonRpc())).catch(() => {});
        }
        const urlProblem = elicitationUrlProblem(request.method, request.params);
        if (urlProblem !== undefined) return void backend.respond(failureResponse(request.id, { code: -32602, message: `The gateway refused ${urlProblem}` })).catch(() => {});
        enqueue(request);
      },
    }),
  );
  held.currentExchange = exchange;
  return settleRound(bridge, exchange, held, binding);
}

type Binding = Omit<RequestStatePayload, 'kind' | 'expiresAt' | 'inner' | 'pendingId' | 'round'>;

/** Waits for the held call's next move and answers the client request open now. */
async function settleRound(bridge: BridgeContext, exchange: Exchange, held: HeldCall, binding: Binding): Promise<Result> {
  // Until this round is answered, the client hanging up cancels the held call.
  const watcher = new AbandonOnCancel(bridge, held.id);
  watcher.watchCaller(exchange);
  try {
    const event = await held.next();
    if (event.kind === 'result') {
      bridge.held.release(held.id);
      return event.result;
    }
    if (event.kind === 'error') {
      bridge.held.release(held.id);
      throw event.error;
    }
    return inputRequiredFor(bridge, held, event.requests, binding);
  } finally {
    watcher.unwatchCaller(exchange);
  }
}

/** Gives the held call up when the client request open on it is cancelled (exchange/exchange-cancellation.ts). */
class AbandonOnCancel extends CallerCancellationWatcher {
  readonly #bridge: BridgeContext;
  readonly #heldId: string;

  constructor(bridge: BridgeContext, heldId: string) {
    super();
    this.#bridge = bridge;
    this.#heldId = heldId;
  }

  cancelled(): void {
    this.#bridge.held.abandon(this.#heldId, 'the client closed the request');
  }
}

function inputRequiredFor(bridge: BridgeContext, held: HeldCall, requests: ReadonlyMap<string, JsonRpcRequest>, binding: Binding): Result {
  held.round += 1;
  held.expiresAt = Date.now() + bridge.stateTtlMs;
  held.currentExchange = undefined;
  const inputRequests: Record<string, unknown> = {};
  for (const [key, request] of requests) inputRequests[key] = { method: request.method, params: modernInputParams(request) };
  return {
    resultType: 'input_required',
    inputRequests,
    requestState: bridge.sealer.seal({ kind: 'pending', ...binding, expiresAt: held.expiresAt, pendingId: held.id, round: held.round, ...(bridge.replicaId === undefined ? {} : { replica: bridge.replicaId }) }),
  };
}

/** 2026-07-28 dropped `elicitationId` from URL-mode elicitation (changelog, minor change 11). */
function modernInputParams(request: JsonRpcRequest): Record<string, unknown> | undefined {
  if (request.method !== 'elicitation/create' || request.params?.elicitationId === undefined) return request.params;
  const { elicitationId: _dropped, ...rest } = request.params;
  return rest;
}

/** 2025-11-25 URL-mode elicitation requires an `elicitationId`, which 2026-07-28 no longer has. */
function legacyInputParams(method: string, params: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (method !== 'elicitation/create' || params?.mode !== 'url' || params.elicitationId !== undefined) return params;
  return { ...params, elicitationId: randomUUID() };
}

async function resumeHeldCall(bridge: BridgeContext, exchange: Exchange, backend: Backend, state: RequestStatePayload, inputResponses: unknown, binding: Binding): Promise<Result> {
  const held = state.pendingId === undefined ? undefined : bridge.held.get(state.pendingId);
  if (held === undefined) {
    throw rpcErrors.invalidParams('the call this requestState continues is gone (it expired, already finished, or the gateway replica holding it stopped); send the request again without requestState and inputResponses');
  }
  if (state.round !== held.round || held.currentExchange !== undefined) {
    throw rpcErrors.invalidParams('this requestState was already used; retry with the requestState of the latest input_required result');
  }
  // Claimed before any await, so a concurrent second use of the same state is refused above.
  held.currentExchange = exchange;
  const responses = typeof inputResponses === 'object' && inputResponses !== null ? (inputResponses as Record<string, unknown>) : {};
  for (const [key, request] of [...held.outstanding]) {
    const answer = responses[key];
    if (typeof answer !== 'object' || answer === null) continue;
    held.outstanding.delete(key);
    await backend.respond({ jsonrpc: '2.0', id: request.id, result: answer as Record<string, unknown> });
  }
  if (held.outstanding.size > 0) {
    // MRTR error handling: missing answers are asked for again rather than failing the request.
    return inputRequiredFor(bridge, held, new Map(held.outstanding), binding);
  }
  return settleRound(bridge, exchange, held, binding);
}

/** A 2025 client and a 2026 backend: ask the client each input request on the call's stream, then retry the backend. */
async function walkInputRounds(bridge: BridgeContext, exchange: Exchange, backend: Backend, method: string, params: Result, options: ForwardOptions): Promise<Result> {
  let result = await forwardToBackend(exchange, backend, method, params, options);
  for (let round = 0; result.resultType === 'input_required'; round++) {
    if (round >= bridge.maxRounds) {
      throw new GatewayRpcError(RPC.internalError, `Backend "${backend.name}" kept asking for input after ${bridge.maxRounds} rounds; the gateway stopped the call`);
    }
    const ask = exchange.relay.request;
    checkInputRequests(backend.name, result.inputRequests);
    const inputRequests = (result.inputRequests ?? {}) as Record<string, { method?: unknown; params?: unknown }>;
    const inputResponses: Record<string, unknown> = {};
    await Promise.all(
      Object.entries(inputRequests).map(async ([key, request]) => {
        const requestMethod = String(request.method);
        const requestParams = request.params as Record<string, unknown> | undefined;
        if (ask === undefined || !hasCapability(exchange.client.capabilities, requestMethod, requestParams)) {
          throw new GatewayRpcError(RPC.missingRequiredClientCapability, `Backend "${backend.name}" needs ${requestMethod}, which this client did not declare`, {
            data: { requiredCapabilities: [requestMethod] },
          });
        }
        const response = await ask(requestMethod, legacyInputParams(requestMethod, requestParams), exchange.signal);
        if ('error' in response) throw new GatewayRpcError(response.error.code, `The client refused ${requestMethod}: ${response.error.message}`);
        inputResponses[key] = response.result;
      }),
    );
    const retry: Result = { ...params, inputResponses };
    if (typeof result.requestState === 'string') retry.requestState = result.requestState;
    result = await forwardToBackend(exchange, backend, method, retry, options);
  }
  return result;
}
