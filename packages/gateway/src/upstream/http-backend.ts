// A backend reached over Streamable HTTP: pooled keep-alive connections and
// raw JSON-RPC forwarding with JSON or SSE answers. This file is the channel
// (how bytes move, the 2025 session's id, GET stream and expiry); what the
// bytes say is the codec that revision-negotiation.ts picks per connection
// (rev2025/, rev2026/). Sits behind the router; one instance per configured backend.

import { setTimeout as sleep } from 'node:timers/promises';
import type { buildConnector, Dispatcher } from 'undici';
import { undici } from '../outbound/undici-on-demand.ts';
import { SlotSet } from '../collections/slot-set.ts';
import { classifyMessage, type JsonRpcNotification, type JsonRpcRequest, type JsonRpcResponse } from '../protocol/jsonrpc.ts';
import { LATEST_MODERN } from '../protocol/revisions.ts';
import type { Logger } from '../telemetry/logger.ts';
import { eraOf } from '../protocol/revisions.ts';
import type { Caller } from '../identity/caller.ts';
import { isBackendCredentialError, type BackendCredentials } from '../identity/backend-credentials.ts';
import { sendAnsweringChallenges } from './oauth-client/challenge-retry.ts';
import { GatewayRpcError, RPC } from '../protocol/errors.ts';
import { backendClosedError, BackendError, exposeBackend, type BackendHandshake, type BackendState, type Implementation, type UpstreamCall } from './backend.ts';
import type { BackendCodec } from './backend-codec.ts';
import { createBackendEvents } from './backend-events.ts';
import { timeoutError, translateHttpFailure, unexpectedAnswerError } from './http-failures.ts';
import { eraHeaders, normalizeHeaders, requestHeaders, type HeaderMap } from './http-request-headers.ts';
import { negotiateRevision, type NegotiationChannel, type NegotiationOptions } from './revision-negotiation.ts';
import { handshakeFromInitializeAnswer, initializeParams } from './rev2025/initialize.ts';
import { LegacyBackendCodec } from './rev2025/legacy-backend-codec.ts';
import { openListenStream, type ListenStream } from './rev2025/legacy-listen-stream.ts';
import type { DiscoverOutcome } from './rev2026/discover.ts';
import { NO_CLIENT_CAPABILITIES } from './rev2026/envelope.ts';
import { openHttpListen } from './rev2026/http-listen.ts';
import { LISTEN_METHOD } from './rev2026/listen-filter.ts';
import { listenParams } from './rev2026/modern-backend-codec.ts';
import { createModernListen } from './rev2026/modern-listen.ts';
import { resolveBackoff, type BackoffPolicy } from './reconnect-backoff.ts';
import { answerUnroutedRequest, type RelayingBackend } from './server-request.ts';
import { CallCancellation } from './call-cancellation.ts';
import { CallerCancellationWatcher, type CancellationSource } from '../exchange/exchange-cancellation.ts';
import { postMessage, type PostOutcome } from './http-post.ts';
import { DEFAULT_RESUME_POLICY, type ResumePolicy, type ResumeTarget } from './sse-resume.ts';

export interface HttpBackendOptions {
  name: string;
  url: string;
  headers?: Record<string, string>;
  timeoutMs: number;
  clientInfo: Implementation;
  logger: Logger;
  /** Shared dispatcher (tests, proxies); by default the backend owns a Pool for its origin. */
  dispatcher?: Dispatcher;
  /** How the owned Pool opens connections: the outbound guard's connector for a discovered backend (src/outbound/). */
  connector?: buildConnector.connector;
  /** Capabilities declared in `initialize` and as the default modern envelope (default `{}`). */
  clientCapabilities?: Record<string, unknown>;
  /** Reconnect policy for the legacy GET stream and the 2026 `subscriptions/listen` stream. */
  listenBackoff?: Partial<BackoffPolicy>;
  /** What the gateway presents to this backend (its own identity, never the client's token). */
  credentials?: BackendCredentials;
  /** Pins the revision spoken to this backend instead of the newest it offers (`protocol_version` in the config). */
  protocolVersion?: string;
  /** How a 2025 call's response stream that ended early is resumed (GET with Last-Event-ID); sse-resume.ts. */
  streamResume?: Partial<ResumePolicy>;
}

/** How long a finished SSE response may linger before its connection is given up. */
const STREAM_LINGER_MS = 5_000;
const CLOSE_DELETE_TIMEOUT_MS = 2_000;
const CLOSE_DRAIN_MS = 1_000;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function createHttpBackend(options: HttpBackendOptions): RelayingBackend {
  const { name, url, logger, clientInfo } = options;
  const endpoint = new URL(url);
  const origin = endpoint.origin;
  const path = `${endpoint.pathname}${endpoint.search}`;
  const ownsDispatcher = options.dispatcher === undefined;
  // pipelining 1: MCP answers may be long SSE streams, so one request per connection at a time.
  const dispatcher = options.dispatcher ?? new (undici().Pool)(origin, { connections: 128, pipelining: 1, ...(options.connector === undefined ? {} : { connect: options.connector }) });
  const configured = normalizeHeaders(options.headers);
  const defaultCapabilities = options.clientCapabilities ?? NO_CLIENT_CAPABILITIES;
  const listenBackoff = resolveBackoff(options.listenBackoff);
  const events = createBackendEvents(name, logger);
  // A SlotSet: every call is added and removed (collections/slot-set.ts says why not a Set).
  const inFlight = new SlotSet<CallCancellation>();
  const postTarget = { dispatcher, origin, path, lingerMs: STREAM_LINGER_MS };
  const resumeTarget: ResumeTarget = { backend: name, dispatcher, origin, path, policy: { ...DEFAULT_RESUME_POLICY, ...options.streamResume } };
  const postHandlers = {
    onUnrouted: (message: JsonRpcNotification | JsonRpcRequest) => deliverRelated(message, undefined),
    onSkipped: (reason: string, preview: string) => logger.warn({ backend: name, reason, preview }, 'skipped an invalid message on a response stream'),
    endedEarly: () => new BackendError('backend_unavailable', name,
      `Backend "${name}" closed the response stream before answering; the request may or may not have run; retry if it is safe to`),
    // Only 2025-11-25 streams are resumable (2026-07-28 streamable-http: "Resumable SSE streams via Last-Event-ID are not supported").
    resumeTarget: (): ResumeTarget | undefined => (codec === undefined || codec.isHttpSession ? resumeTarget : undefined),
  };

  let state: BackendState = 'idle';
  /** The revision of the current connection; set with the handshake it came from. */
  let codec: BackendCodec | undefined;
  let fixedHeaders: HeaderMap = eraHeaders(configured, LATEST_MODERN, undefined);
  /** The gateway's own credentials as last obtained (a request for no caller): the listen stream's GETs carry them too. */
  let ownCredentials: Readonly<Record<string, string>> | undefined;
  let sessionId: string | undefined;
  let connecting: Promise<BackendHandshake> | undefined;
  let renewing: Promise<void> | undefined;
  let listenStream: ListenStream | undefined;
  let lastConnectError: unknown;
  let nextId = 1;
  // The relays of the 2025 calls in flight that may be asked something (handleListenMessage); a SlotSet, as each call comes and goes.
  const interactiveCalls = new SlotSet<NonNullable<UpstreamCall['onRelatedMessage']>>();
  const pinnedLegacy = options.protocolVersion !== undefined && eraOf(options.protocolVersion) === 'legacy' ? options.protocolVersion : undefined;
  const negotiation: NegotiationChannel = { discover: probe, initialize: initializeLegacy };
  const negotiationOptions: NegotiationOptions = {
    backend: name, location: ` at ${url}`, firstVersion: options.protocolVersion ?? LATEST_MODERN, clientInfo, clientCapabilities: defaultCapabilities, logger,
  };
  // 2026-07-28 backends send list changes and resource updates only on a listen stream.
  const modernListen = createModernListen({
    backend: name, logger, backoff: listenBackoff, ackTimeoutMs: options.timeoutMs,
    deliver: (notification) => events.emitNotification(notification),
    open(filter, handlers) {
      const params = listenParams(filter, codec?.handshake.protocolVersion ?? LATEST_MODERN, clientInfo, defaultCapabilities);
      return openHttpListen({
        backend: name, url, dispatcher, origin, path, logger, id: nextId++, params,
        headers: requestHeaders(fixedHeaders, true, LISTEN_METHOD, params, undefined),
      }, handlers);
    },
  });

  function setState(next: BackendState): void {
    state = next;
    events.emitState(next, codec?.handshake);
  }

  /**
   * Sends one JSON-RPC message and reads the answer: 202, a JSON object, or an
   * SSE stream whose earlier messages go to `onRelated` (2026-07-28
   * "Receiving Messages"; 2025-11-25 "Sending Messages" 6).
   */
  function post(body: string, headers: HeaderMap, cancellation: CallCancellation, id: number | undefined,
    onRelated: UpstreamCall['onRelatedMessage'], caller?: Caller): Promise<PostOutcome> {
    if (options.credentials === undefined) return postMessage(postTarget, headers, body, cancellation, id, onRelated, postHandlers);
    const send = (): Promise<PostOutcome> => credentialHeaders(caller).then((credentials) =>
      postMessage(postTarget, credentials === undefined ? headers : { ...headers, ...credentials }, body, cancellation, id, onRelated, postHandlers));
    // A backend the gateway is the OAuth client of answers 401/403 with a challenge it can meet (upstream/oauth-client/).
    return options.credentials.answerChallenge === undefined ? send() : sendAnsweringChallenges(options.credentials, name, send);
  }

  /** The backend credentials for one POST; a call made for no one (handshake, catalog) gets the gateway's own. */
  async function credentialHeaders(caller: Caller | undefined): Promise<Readonly<Record<string, string>> | undefined> {
    try {
      const forCaller = caller === undefined || caller.isAnonymous ? undefined : caller;
      const credentials = await options.credentials!.headersFor(forCaller);
      if (forCaller === undefined || options.credentials!.type === 'oauth') ownCredentials = credentials;
      return credentials;
    } catch (error) {
      // Token exchange needs a caller; the gateway's own requests then go without credentials.
      if (isBackendCredentialError(error) && error.code === 'no_subject_token') return undefined;
      // The caller's token, not the backend, is at fault: an error for this call only, never a breaker failure.
      if (isBackendCredentialError(error) && error.code === 'caller_token_refused') throw new GatewayRpcError(RPC.invalidRequest, error.message, { data: { reason: 'caller_token_refused', backend: name } });
      throw new BackendError('backend_unavailable', name, `Backend "${name}": the gateway could not obtain its credentials (${(error as Error).message}); retry later`, { cause: error });
    }
  }

  function deliverRelated(message: JsonRpcNotification | JsonRpcRequest, onRelated: UpstreamCall['onRelatedMessage']): void {
    if (onRelated !== undefined) {
      onRelated(message);
    } else if ('id' in message) {
      void respond(answerUnroutedRequest(message)).catch((error: unknown) => {
        logger.warn({ backend: name, err: error, method: message.method }, 'could not answer a server-to-client request');
      });
    }
  }

  /**
   * A server request on the session's GET stream names no call (a 2025 server
   * sends one there when it does not relate it to the POST, 2025-11-25
   * "Listening for Messages"). The gateway's one session serves every client,
   * so it goes to the one interactive call in flight, as on stdio; with
   * several it could be anyone's, and is refused rather than guessed.
   */
  function handleListenMessage(value: unknown): void {
    const classified = classifyMessage(value);
    if (classified.kind === 'notification') events.emitNotification(classified.message);
    else if (classified.kind === 'request') {
      if (classified.message.method !== 'ping' && interactiveCalls.size === 1) {
        const [only] = interactiveCalls;
        only!(classified.message);
      } else if (interactiveCalls.size < 2) deliverRelated(classified.message, undefined);
      else void respond(answerUnroutedRequest(classified.message, `${interactiveCalls.size} calls are in flight on the gateway's session with backend "${name}" and the request names none of them, so the gateway cannot tell whose client should answer; the backend should send it on the call's own stream`)).catch(() => undefined);
    }
  }

  /** Runs `attempt` under the call's timeout and its caller's cancellation (exchange/exchange-cancellation.ts), on one CallCancellation. */
  async function withDeadline<T>(method: string, timeoutMs: number, caller: CancellationSource | undefined,
    attempt: (cancellation: CallCancellation) => Promise<T>): Promise<T> {
    const cancellation = new CallCancellation();
    const timer = setTimeout(() => cancellation.abort(timeoutError(name, url, method, timeoutMs)), timeoutMs);
    const onCaller = new AbortOnCallerCancel(cancellation);
    onCaller.watchCaller(caller);
    const slot = inFlight.add(cancellation);
    try {
      return await attempt(cancellation);
    } catch (error) {
      throw translateHttpFailure(name, url, error, cancellation);
    } finally {
      clearTimeout(timer);
      onCaller.unwatchCaller(caller);
      inFlight.delete(slot, cancellation);
    }
  }

  /** The `server/discover` probe over HTTP: statuses and error bodies are era evidence (revision-negotiation.ts decides). */
  async function probe(version: string, params: Record<string, unknown>): Promise<DiscoverOutcome> {
    const id = nextId++;
    const body = JSON.stringify({ jsonrpc: '2.0', id, method: 'server/discover', params });
    const headers = requestHeaders(eraHeaders(configured, version, undefined), true, 'server/discover', undefined, undefined);
    const outcome = await withDeadline('server/discover', options.timeoutMs, undefined, (cancellation) => post(body, headers, cancellation, id, undefined));
    const response = outcome.response;
    if (response === undefined) return { kind: 'http-status', status: outcome.status };
    if ('error' in response) return { kind: 'error', error: response.error, httpStatus: outcome.status };
    if (outcome.status >= 300) return { kind: 'http-status', status: outcome.status };
    return { kind: 'result', result: response.result };
  }

  /** The 2025-11-25 handshake: initialize, capture the session, then notifications/initialized (basic/lifecycle). */
  async function initializeLegacy(): Promise<BackendCodec> {
    const id = nextId++;
    const body = JSON.stringify({ jsonrpc: '2.0', id, method: 'initialize', params: initializeParams(clientInfo, defaultCapabilities, pinnedLegacy) });
    const headers: HeaderMap = { ...configured, 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const outcome = await withDeadline('initialize', options.timeoutMs, undefined, (cancellation) => post(body, headers, cancellation, id, undefined));
    const response = outcome.response;
    if (response === undefined) throw unexpectedAnswerError(name, url, 'initialize', outcome);
    const legacy = new LegacyBackendCodec(name, handshakeFromInitializeAnswer(name, response));
    sessionId = outcome.sessionId;
    fixedHeaders = eraHeaders(configured, legacy.handshake.protocolVersion, sessionId);
    await sendNotification(legacy, 'notifications/initialized', undefined);
    listenStream?.close();
    listenStream = openListenStream({
      backend: name, dispatcher, origin, path, backoff: listenBackoff, logger,
      headers: () => ownCredentials === undefined ? fixedHeaders : { ...fixedHeaders, ...ownCredentials },
      onMessage: handleListenMessage,
      onSessionExpired: () => void renewSession(sessionId).catch((error: unknown) => {
        logger.warn({ backend: name, err: error }, 'could not renew the expired legacy session; the next request retries');
      }),
    });
    return legacy;
  }

  async function performHandshake(): Promise<BackendCodec> {
    // A pinned 2025 revision skips the probe: the backend is spoken to exactly as a 2025 client would.
    if (pinnedLegacy !== undefined) return initializeLegacy();
    const negotiated = await negotiateRevision(negotiation, negotiationOptions);
    if (!negotiated.isHttpSession) {
      // A stateless revision: no session id from an earlier connection goes on.
      sessionId = undefined;
      fixedHeaders = eraHeaders(configured, negotiated.handshake.protocolVersion, undefined);
    }
    return negotiated;
  }

  /** One re-initialize for all requests that saw the same expired session. */
  function renewSession(expired: string | undefined): Promise<void> {
    if (expired !== sessionId || state === 'closed') return Promise.resolve();
    renewing ??= initializeLegacy().then((renewed) => {
      codec = renewed;
      logger.info({ backend: name }, 'legacy session expired; re-initialized');
      events.emitState(state, renewed.handshake);
    }).finally(() => {
      renewing = undefined;
    });
    return renewing;
  }

  async function sendNotification(speaking: BackendCodec, method: string, params: Record<string, unknown> | undefined): Promise<void> {
    const message = params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params };
    const headers = speaking.httpHeaders(fixedHeaders, method, undefined, undefined);
    const outcome = await withDeadline(method, options.timeoutMs, undefined, (cancellation) => post(JSON.stringify(message), headers, cancellation, undefined, undefined));
    if (outcome.status < 200 || outcome.status >= 300) throw unexpectedAnswerError(name, url, method, outcome);
  }

  async function ensureReady(): Promise<void> {
    if (state === 'closed') throw backendClosedError(name);
    if (state === 'down') {
      throw new BackendError('backend_unavailable', name,
        `Backend "${name}" is down (${messageOf(lastConnectError)}); the gateway keeps retrying it in the background; retry later`, { cause: lastConnectError });
    }
    await connect();
  }

  function connect(): Promise<BackendHandshake> {
    if (state === 'closed') return Promise.reject(backendClosedError(name));
    if (state === 'ready' && codec !== undefined) return Promise.resolve(codec.handshake);
    if (connecting !== undefined) return connecting;
    setState('connecting');
    connecting = performHandshake().then((established) => {
      if (state === 'closed') throw backendClosedError(name);
      codec = established;
      established.startListening(modernListen);
      setState('ready');
      logger.info({ backend: name, era: established.handshake.era, protocolVersion: established.handshake.protocolVersion }, 'backend connected');
      return established.handshake;
    }, (error: unknown) => {
      if (state !== 'closed') {
        lastConnectError = error;
        setState('down');
      }
      throw error;
    }).finally(() => {
      connecting = undefined;
    });
    return connecting;
  }

  async function request(call: UpstreamCall): Promise<JsonRpcResponse> {
    if (state !== 'ready') await ensureReady();
    const speaking = codec!;
    const id = nextId++;
    const params = speaking.encodeParams(call.params, call.clientCapabilities);
    const body = JSON.stringify(params === undefined ? { jsonrpc: '2.0', id, method: call.method } : { jsonrpc: '2.0', id, method: call.method, params });
    const timeoutMs = call.timeoutMs ?? options.timeoutMs;
    const relay = call.onRelatedMessage;
    const relaySlot = relay !== undefined && speaking.isHttpSession ? interactiveCalls.add(relay) : undefined;
    return withDeadline(call.method, timeoutMs, call, async (cancellation) => {
      try {
        const usedSession = sessionId;
        let outcome = await post(body, speaking.httpHeaders(fixedHeaders, call.method, call.params, call.headers), cancellation, id, call.onRelatedMessage, call.caller);
        // 2025-11-25 "Session Management" 4: a 404 on a request carrying a
        // session id means the session is gone; start a new one, retry once.
        if (speaking.isHttpSession && usedSession !== undefined && outcome.status === 404) {
          await renewSession(usedSession);
          outcome = await post(body, speaking.httpHeaders(fixedHeaders, call.method, call.params, call.headers), cancellation, id, call.onRelatedMessage, call.caller);
        }
        const response = outcome.response;
        if (response === undefined) throw unexpectedAnswerError(name, url, call.method, outcome);
        // A rejection without an id (allowed for errors) still answers this POST.
        return response.id === null ? { ...response, id } : response;
      } catch (error) {
        // Legacy servers do not read a dropped stream as cancellation (2025-11-25 "Sending Messages" 6).
        if (cancellation.aborted && speaking.isHttpSession) cancelInSession(speaking, id, cancellation.reason);
        throw error;
      }
    }).finally(() => {
      if (relaySlot !== undefined) interactiveCalls.delete(relaySlot, relay!);
    });
  }

  function cancelInSession(speaking: BackendCodec, id: number, reason: unknown): void {
    const text = reason instanceof Error ? reason.message : 'cancelled by the gateway';
    void sendNotification(speaking, 'notifications/cancelled', { requestId: id, reason: text }).catch(() => undefined);
  }

  async function respond(response: JsonRpcResponse): Promise<void> {
    if (state === 'closed') throw backendClosedError(name);
    // A response mirrors nothing from its body in either revision.
    const headers = requestHeaders(fixedHeaders, false, '', undefined, undefined);
    const outcome = await withDeadline('a response', options.timeoutMs, undefined, (cancellation) => post(JSON.stringify(response), headers, cancellation, undefined, undefined));
    if (outcome.status < 200 || outcome.status >= 300) throw unexpectedAnswerError(name, url, 'a response to a server request', outcome);
  }

  async function notify(method: string, params?: Record<string, unknown>): Promise<void> {
    if (state !== 'ready') await ensureReady();
    await sendNotification(codec!, method, params);
  }

  async function setResourceSubscriptions(uris: readonly string[]): Promise<void> {
    if (state === 'closed') throw backendClosedError(name);
    // Before the first handshake the set is kept for the 2026 listen; a 2025 codec leaves it to resources/subscribe.
    await (codec === undefined ? modernListen.setResourceSubscriptions(uris) : codec.setResourceSubscriptions(modernListen, uris));
  }

  async function close(): Promise<void> {
    if (state === 'closed') return;
    // Only a 2025 handshake sets a session id; a stateless one clears it.
    const wasSession = sessionId !== undefined;
    setState('closed');
    listenStream?.close();
    modernListen.stop(backendClosedError(name));
    for (const cancellation of inFlight) cancellation.abort(backendClosedError(name));
    // 2025-11-25 "Session Management" 5: the client SHOULD end its session with DELETE.
    if (wasSession) {
      await dispatcher.request({ origin, path, method: 'DELETE', headers: fixedHeaders, signal: AbortSignal.timeout(CLOSE_DELETE_TIMEOUT_MS) })
        .then((answer) => answer.body.dump(), () => undefined);
    }
    if (ownsDispatcher) {
      // A finished SSE response may still be draining; do not wait on it for long.
      const isDrained = await Promise.race([dispatcher.close().then(() => true), sleep(CLOSE_DRAIN_MS).then(() => false)]);
      if (!isDrained) await dispatcher.destroy();
    }
  }

  return exposeBackend({ name, kind: 'http', state: () => state, handshake: () => codec?.handshake }, events, { connect, request, notify, respond, setResourceSubscriptions, close });
}

/** Cancels an upstream call when its caller is cancelled. */
class AbortOnCallerCancel extends CallerCancellationWatcher {
  readonly #upstream: CallCancellation;

  constructor(upstream: CallCancellation) {
    super();
    this.#upstream = upstream;
  }

  cancelled(reason: unknown): void {
    this.#upstream.abort(reason);
  }
}
