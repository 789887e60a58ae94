// A backend reached over Streamable HTTP: pooled keep-alive connections, the
// era handshake (server/discover first, initialize as the fallback), and raw
// JSON-RPC forwarding with JSON or SSE answers (2026-07-28 and 2025-11-25
// transports). Sits behind the router; one instance per configured backend.

import { setTimeout as sleep } from 'node:timers/promises';
import type { buildConnector, Dispatcher } from 'undici';
import { undici } from '../outbound/undici-on-demand.ts';
import { classifyMessage, type JsonRpcNotification, type JsonRpcRequest, type JsonRpcResponse } from '../protocol/jsonrpc.ts';
import { LATEST_MODERN } from '../protocol/revisions.ts';
import type { Logger } from '../telemetry/logger.ts';
import { eraOf } from '../protocol/revisions.ts';
import type { Caller } from '../identity/caller.ts';
import { isBackendCredentialError, type BackendCredentials } from '../identity/backend-credentials.ts';
import { sendAnsweringChallenges } from './oauth-client/challenge-retry.ts';
import { GatewayRpcError, RPC, isGatewayRpcError } from '../protocol/errors.ts';
import { backendClosedError, BackendError, exposeBackend, isBackendError, type BackendHandshake, type BackendState, type Implementation, type UpstreamCall } from './backend.ts';
import { createBackendEvents } from './backend-events.ts';
import { classifyDiscoverOutcome, handshakeFromInitializeAnswer, initializeParams, type DiscoverOutcome } from './handshake.ts';
import { eraHeaders, normalizeHeaders, requestHeaders, type HeaderMap } from './http-request-headers.ts';
import { openHttpListen } from './http-listen.ts';
import { openListenStream, type ListenStream } from './legacy-listen-stream.ts';
import { LISTEN_METHOD } from './listen-filter.ts';
import { createModernListen } from './modern-listen.ts';
import { NO_CLIENT_CAPABILITIES, withModernEnvelope } from './modern-envelope.ts';
import { resolveBackoff, type BackoffPolicy } from './reconnect-backoff.ts';
import { answerUnroutedRequest, type RelayingBackend } from './server-request.ts';
import { CallCancellation } from './call-cancellation.ts';
import { postMessage, type PostOutcome } from './http-post.ts';

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
}

/** How long a finished SSE response may linger before its connection is given up. */
const STREAM_LINGER_MS = 5_000;
const CLOSE_DELETE_TIMEOUT_MS = 2_000;
const CLOSE_DRAIN_MS = 1_000;

function failureCode(error: unknown): string {
  const withCode = error as { code?: unknown; cause?: { code?: unknown } } | undefined;
  if (typeof withCode?.code === 'string') return withCode.code;
  if (typeof withCode?.cause?.code === 'string') return withCode.cause.code;
  return error instanceof Error ? error.message : String(error);
}

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
  const inFlight = new Set<CallCancellation>();
  const postTarget = { dispatcher, origin, path, lingerMs: STREAM_LINGER_MS };
  const postHandlers = {
    onUnrouted: (message: JsonRpcNotification | JsonRpcRequest) => deliverRelated(message, undefined),
    onSkipped: (reason: string, preview: string) => logger.warn({ backend: name, reason, preview }, 'skipped an invalid message on a response stream'),
    endedEarly: () => new BackendError('backend_unavailable', name,
      `Backend "${name}" closed the response stream before answering; the request may or may not have run; retry if it is safe to`),
  };

  let state: BackendState = 'idle';
  let handshake: BackendHandshake | undefined;
  let isModern = false;
  let fixedHeaders: HeaderMap = eraHeaders(configured, LATEST_MODERN, undefined);
  /** The gateway's own credentials as last obtained (a request for no caller): the listen stream's GETs carry them too. */
  let ownCredentials: Readonly<Record<string, string>> | undefined;
  let sessionId: string | undefined;
  let connecting: Promise<BackendHandshake> | undefined;
  let renewing: Promise<void> | undefined;
  let listenStream: ListenStream | undefined;
  let lastConnectError: unknown;
  let nextId = 1;
  // The relays of the 2025 calls in flight that may be asked something (handleListenMessage).
  const interactiveCalls = new Set<NonNullable<UpstreamCall['onRelatedMessage']>>();
  const pinnedLegacy = options.protocolVersion !== undefined && eraOf(options.protocolVersion) === 'legacy' ? options.protocolVersion : undefined;
  // 2026-07-28 backends send list changes and resource updates only on a listen stream.
  const modernListen = createModernListen({
    backend: name, logger, backoff: listenBackoff, ackTimeoutMs: options.timeoutMs,
    deliver: (notification) => events.emitNotification(notification),
    open(filter, handlers) {
      const params = withModernEnvelope({ notifications: filter }, handshake?.protocolVersion ?? LATEST_MODERN, clientInfo, defaultCapabilities);
      return openHttpListen({
        backend: name, url, dispatcher, origin, path, logger, id: nextId++, params,
        headers: requestHeaders(fixedHeaders, true, LISTEN_METHOD, params, undefined),
      }, handlers);
    },
  });

  function setState(next: BackendState): void {
    state = next;
    events.emitState(next, handshake);
  }

  function unreachable(error: unknown): BackendError {
    return new BackendError('backend_unavailable', name,
      `Backend "${name}" is unreachable at ${url} (${failureCode(error)}); other backends are unaffected; retry later`, { cause: error });
  }

  function timedOut(method: string, timeoutMs: number): BackendError {
    return new BackendError('backend_timeout', name,
      `Backend "${name}" did not answer ${method} within ${timeoutMs} ms at ${url}; the request was cancelled; retry later or raise this backend's timeout_ms`);
  }

  /** Translates a failure of the HTTP exchange; an abort surfaces its own reason (timeout error or the caller's). */
  function translate(error: unknown, cancellation: CallCancellation): unknown {
    if (cancellation.aborted) return cancellation.reason;
    if (isBackendError(error) || isGatewayRpcError(error)) return error;
    const code = failureCode(error);
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
      return new BackendError('backend_timeout', name, `Backend "${name}" stopped answering at ${url} (${code}); retry later`, { cause: error });
    }
    return unreachable(error);
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
      const [only] = interactiveCalls;
      if (classified.message.method !== 'ping' && interactiveCalls.size === 1) only!(classified.message);
      else if (interactiveCalls.size < 2) deliverRelated(classified.message, undefined);
      else void respond(answerUnroutedRequest(classified.message, `${interactiveCalls.size} calls are in flight on the gateway's session with backend "${name}" and the request names none of them, so the gateway cannot tell whose client should answer; the backend should send it on the call's own stream`)).catch(() => undefined);
    }
  }

  /** Runs `attempt` under the call's timeout and the caller's signal, on one CallCancellation. */
  async function withDeadline<T>(method: string, timeoutMs: number, callerSignal: AbortSignal | undefined,
    attempt: (cancellation: CallCancellation) => Promise<T>): Promise<T> {
    const cancellation = new CallCancellation();
    const timer = setTimeout(() => cancellation.abort(timedOut(method, timeoutMs)), timeoutMs);
    const onCallerAbort = (): void => cancellation.abort(callerSignal?.reason);
    if (callerSignal !== undefined) {
      if (callerSignal.aborted) onCallerAbort();
      else callerSignal.addEventListener('abort', onCallerAbort, { once: true });
    }
    inFlight.add(cancellation);
    try {
      return await attempt(cancellation);
    } catch (error) {
      throw translate(error, cancellation);
    } finally {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
      inFlight.delete(cancellation);
    }
  }

  function unexpectedAnswer(method: string, outcome: PostOutcome): BackendError {
    const { status } = outcome;
    const preview = outcome.text.slice(0, 200);
    if (status === 401 || status === 403) {
      return new BackendError('backend_protocol_error', name,
        `Backend "${name}" refused the gateway's credentials for ${method} (HTTP ${status}); check this backend's configured headers`);
    }
    if (status >= 500) {
      return new BackendError('backend_unavailable', name, `Backend "${name}" failed ${method} with HTTP ${status}${preview ? `: ${preview}` : ''}; retry later`);
    }
    return new BackendError('backend_protocol_error', name,
      `Backend "${name}" answered ${method} with HTTP ${status} (${outcome.contentType || 'no content type'}) and no JSON-RPC response${preview ? `: ${preview}` : ''}; check that ${url} is an MCP endpoint`);
  }

  async function probe(version: string): Promise<DiscoverOutcome> {
    const id = nextId++;
    const params = withModernEnvelope(undefined, version, clientInfo, defaultCapabilities);
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
  async function initializeLegacy(): Promise<BackendHandshake> {
    const id = nextId++;
    const body = JSON.stringify({ jsonrpc: '2.0', id, method: 'initialize', params: initializeParams(clientInfo, defaultCapabilities, pinnedLegacy) });
    const headers: HeaderMap = { ...configured, 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const outcome = await withDeadline('initialize', options.timeoutMs, undefined, (cancellation) => post(body, headers, cancellation, id, undefined));
    const response = outcome.response;
    if (response === undefined) throw unexpectedAnswer('initialize', outcome);
    const legacy = handshakeFromInitializeAnswer(name, response);
    isModern = false;
    sessionId = outcome.sessionId;
    fixedHeaders = eraHeaders(configured, legacy.protocolVersion, sessionId);
    await sendNotification('notifications/initialized', undefined);
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

  async function performHandshake(): Promise<BackendHandshake> {
    // A pinned 2025 revision skips the probe: the backend is spoken to exactly as a 2025 client would.
    if (pinnedLegacy !== undefined) return initializeLegacy();
    let version: string = options.protocolVersion ?? LATEST_MODERN;
    for (let attempt = 0; attempt < 2; attempt++) {
      const verdict = classifyDiscoverOutcome(await probe(version));
      if (verdict.kind === 'modern') {
        isModern = true;
        sessionId = undefined;
        fixedHeaders = eraHeaders(configured, verdict.handshake.protocolVersion, undefined);
        return verdict.handshake;
      }
      if (verdict.kind === 'legacy') {
        logger.info({ backend: name, reason: verdict.reason }, 'backend is legacy; falling back to initialize');
        return initializeLegacy();
      }
      if (verdict.kind === 'fail') {
        throw new BackendError(verdict.isPermanent ? 'backend_protocol_error' : 'backend_unavailable', name, `Backend "${name}" at ${url}: ${verdict.reason}`);
      }
      version = verdict.version;
    }
    throw new BackendError('backend_protocol_error', name,
      `Backend "${name}" rejected server/discover twice with UnsupportedProtocolVersion; its advertised versions do not work`);
  }

  /** One re-initialize for all requests that saw the same expired session. */
  function renewSession(expired: string | undefined): Promise<void> {
    if (expired !== sessionId || state === 'closed') return Promise.resolve();
    renewing ??= initializeLegacy().then((renewed) => {
      handshake = renewed;
      logger.info({ backend: name }, 'legacy session expired; re-initialized');
      events.emitState(state, handshake);
    }).finally(() => {
      renewing = undefined;
    });
    return renewing;
  }

  async function sendNotification(method: string, params: Record<string, unknown> | undefined): Promise<void> {
    const message = params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params };
    const headers = requestHeaders(fixedHeaders, isModern, method, undefined, undefined);
    const outcome = await withDeadline(method, options.timeoutMs, undefined, (cancellation) => post(JSON.stringify(message), headers, cancellation, undefined, undefined));
    if (outcome.status < 200 || outcome.status >= 300) throw unexpectedAnswer(method, outcome);
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
    if (state === 'ready' && handshake !== undefined) return Promise.resolve(handshake);
    if (connecting !== undefined) return connecting;
    setState('connecting');
    connecting = performHandshake().then((established) => {
      if (state === 'closed') throw backendClosedError(name);
      handshake = established;
      if (established.era === 'modern') modernListen.start(established.capabilities);
      else modernListen.stop(new BackendError('backend_unavailable', name, `Backend "${name}" now speaks ${established.protocolVersion}; its resources are subscribed with resources/subscribe`));
      setState('ready');
      logger.info({ backend: name, era: established.era, protocolVersion: established.protocolVersion }, 'backend connected');
      return established;
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
    const id = nextId++;
    const params = isModern
      ? withModernEnvelope(call.params, handshake!.protocolVersion, clientInfo, call.clientCapabilities ?? defaultCapabilities)
      : call.params;
    const body = JSON.stringify(params === undefined ? { jsonrpc: '2.0', id, method: call.method } : { jsonrpc: '2.0', id, method: call.method, params });
    const timeoutMs = call.timeoutMs ?? options.timeoutMs;
    const relay = call.onRelatedMessage;
    if (relay !== undefined && !isModern) interactiveCalls.add(relay);
    return withDeadline(call.method, timeoutMs, call.signal, async (cancellation) => {
      try {
        const usedSession = sessionId;
        let outcome = await post(body, requestHeaders(fixedHeaders, isModern, call.method, call.params, call.headers), cancellation, id, call.onRelatedMessage, call.caller);
        // 2025-11-25 "Session Management" 4: a 404 on a request carrying a
        // session id means the session is gone; start a new one, retry once.
        if (!isModern && usedSession !== undefined && outcome.status === 404) {
          await renewSession(usedSession);
          outcome = await post(body, requestHeaders(fixedHeaders, isModern, call.method, call.params, call.headers), cancellation, id, call.onRelatedMessage, call.caller);
        }
        const response = outcome.response;
        if (response === undefined) throw unexpectedAnswer(call.method, outcome);
        // A rejection without an id (allowed for errors) still answers this POST.
        return response.id === null ? { ...response, id } : response;
      } catch (error) {
        // Legacy servers do not read a dropped stream as cancellation (2025-11-25 "Sending Messages" 6).
        if (cancellation.aborted && !isModern) cancelLegacy(id, cancellation.reason);
        throw error;
      }
    }).finally(() => {
      if (relay !== undefined) interactiveCalls.delete(relay);
    });
  }

  function cancelLegacy(id: number, reason: unknown): void {
    const text = reason instanceof Error ? reason.message : 'cancelled by the gateway';
    void sendNotification('notifications/cancelled', { requestId: id, reason: text }).catch(() => undefined);
  }

  async function respond(response: JsonRpcResponse): Promise<void> {
    if (state === 'closed') throw backendClosedError(name);
    const headers = requestHeaders(fixedHeaders, false, '', undefined, undefined);
    const outcome = await withDeadline('a response', options.timeoutMs, undefined, (cancellation) => post(JSON.stringify(response), headers, cancellation, undefined, undefined));
    if (outcome.status < 200 || outcome.status >= 300) throw unexpectedAnswer('a response to a server request', outcome);
  }

  async function notify(method: string, params?: Record<string, unknown>): Promise<void> {
    if (state !== 'ready') await ensureReady();
    await sendNotification(method, params);
  }

  async function setResourceSubscriptions(uris: readonly string[]): Promise<void> {
    if (state === 'closed') throw backendClosedError(name);
    // A 2025 backend is subscribed per URI with resources/subscribe, which the router sends.
    if (handshake?.era === 'legacy') return;
    await modernListen.setResourceSubscriptions(uris);
  }

  async function close(): Promise<void> {
    if (state === 'closed') return;
    const wasLegacySession = !isModern && sessionId !== undefined;
    setState('closed');
    listenStream?.close();
    modernListen.stop(backendClosedError(name));
    for (const cancellation of inFlight) cancellation.abort(backendClosedError(name));
    // 2025-11-25 "Session Management" 5: the client SHOULD end its session with DELETE.
    if (wasLegacySession) {
      await dispatcher.request({ origin, path, method: 'DELETE', headers: fixedHeaders, signal: AbortSignal.timeout(CLOSE_DELETE_TIMEOUT_MS) })
        .then((answer) => answer.body.dump(), () => undefined);
    }
    if (ownsDispatcher) {
      // A finished SSE response may still be draining; do not wait on it for long.
      const isDrained = await Promise.race([dispatcher.close().then(() => true), sleep(CLOSE_DRAIN_MS).then(() => false)]);
      if (!isDrained) await dispatcher.destroy();
    }
  }

  return exposeBackend({ name, kind: 'http', state: () => state, handshake: () => handshake }, events, { connect, request, notify, respond, setResourceSubscriptions, close });
}
