// A backend that runs as a supervised child process speaking MCP over stdio:
// requests multiplexed by our own ids on one channel, and restart with backoff
// when the child dies (2026-07-28 transports/stdio, "Unexpected
// Termination"). This file is the channel; what the bytes say is the codec
// revision-negotiation.ts picks per connection (rev2025/, rev2026/).

import { classifyMessage, type JsonRpcNotification, type JsonRpcRequest, type JsonRpcResponse } from '../protocol/jsonrpc.ts';
import { LATEST_MODERN } from '../protocol/revisions.ts';
import type { Logger } from '../telemetry/logger.ts';
import { backendClosedError, BackendError, exposeBackend, type BackendHandshake, type BackendState, type Implementation, type UpstreamCall } from './backend.ts';
import type { BackendCodec } from './backend-codec.ts';
import { createBackendEvents } from './backend-events.ts';
import { negotiateRevision, type NegotiationChannel, type NegotiationOptions } from './revision-negotiation.ts';
import { handshakeFromInitializeAnswer, initializeParams } from './rev2025/initialize.ts';
import { LegacyBackendCodec } from './rev2025/legacy-backend-codec.ts';
import type { DiscoverOutcome } from './rev2026/discover.ts';
import { NO_CLIENT_CAPABILITIES } from './rev2026/envelope.ts';
import { listenParams } from './rev2026/modern-backend-codec.ts';
import { createModernListen } from './rev2026/modern-listen.ts';
import { createStdioListens } from './rev2026/stdio-listens.ts';
import { backoffDelay, resolveBackoff, type BackoffPolicy } from './reconnect-backoff.ts';
import { answerUnroutedRequest, type RelayingBackend } from './server-request.ts';
import { isRequestScoped, PendingStdioCall, StdioCalls, type PendingCall } from './stdio-calls.ts';
import { spawnStdioChild, type ChildExit, type StdioChild } from './stdio-child.ts';

export interface StdioBackendOptions {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs: number;
  clientInfo: Implementation;
  logger: Logger;
  restart?: Partial<BackoffPolicy>;
  /**
   * How long the server/discover probe waits before calling the server
   * legacy. The clock starts at spawn, so it must cover a slow start (a Node
   * server loading its SDK under load, `uvx` installing on first run): the
   * default is timeoutMs, capped at 10 s.
   */
  probeTimeoutMs?: number;
  /** Each step of the shutdown ladder: stdin closed, then SIGTERM, then SIGKILL (default 2000 ms). */
  shutdownGraceMs?: number;
  /** Capabilities declared in `initialize` and as the default modern envelope (default `{}`). */
  clientCapabilities?: Record<string, unknown>;
}

const MAX_DEFAULT_PROBE_TIMEOUT_MS = 10_000;
const DEFAULT_SHUTDOWN_GRACE_MS = 2_000;
/** A child that stayed up this long was healthy: the next crash starts the backoff over. */
const HEALTHY_AFTER_MS = 60_000;

function describeExit(exit: ChildExit): string {
  if (exit.error !== undefined) return exit.error.message;
  if (exit.signal !== null) return `killed by ${exit.signal}`;
  return `exit code ${String(exit.code)}`;
}

export function createStdioBackend(options: StdioBackendOptions): RelayingBackend {
  const { name, logger, clientInfo } = options;
  const probeTimeoutMs = options.probeTimeoutMs ?? Math.min(options.timeoutMs, MAX_DEFAULT_PROBE_TIMEOUT_MS);
  const shutdownGraceMs = options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
  const restartPolicy = resolveBackoff(options.restart);
  const defaultCapabilities = options.clientCapabilities ?? NO_CLIENT_CAPABILITIES;
  const events = createBackendEvents(name, logger);
  const calls = new StdioCalls();

  let state: BackendState = 'idle';
  /** The revision of the current connection; set with the handshake it came from. */
  let codec: BackendCodec | undefined;
  let child: StdioChild | undefined;
  let connecting: Promise<BackendHandshake> | undefined;
  let isSupervised = false;
  let restartAttempt = 0;
  let restartTimer: NodeJS.Timeout | undefined;
  let readySince = 0;
  let lastFailure: unknown;
  let isKnownLegacy = false;
  let nextId = 1;
  // 2026-07-28 backends send list changes and resource updates only for a listen request.
  const listens = createStdioListens({
    backend: name, logger,
    nextId: () => nextId++,
    send: (message) => child?.send(message) ?? false,
    params: (filter) => listenParams(filter, codec?.handshake.protocolVersion ?? LATEST_MODERN, clientInfo, defaultCapabilities),
  });
  const modernListen = createModernListen({
    backend: name, logger, backoff: restartPolicy, ackTimeoutMs: options.timeoutMs,
    open: listens.open,
    deliver: (notification) => events.emitNotification(notification),
  });
  const negotiation: NegotiationChannel = {
    discover: probe,
    async initialize() {
      const legacy = await initializeLegacy();
      isKnownLegacy = true;
      return legacy;
    },
  };
  const negotiationOptions: NegotiationOptions = {
    backend: name, location: '', firstVersion: LATEST_MODERN, clientInfo, clientCapabilities: defaultCapabilities, logger,
  };

  function setState(next: BackendState): void {
    state = next;
    events.emitState(next, codec?.handshake);
  }

  /** A function, not a comparison, because the state changes across awaits. */
  function isClosed(): boolean {
    return state === 'closed';
  }

  function downError(): BackendError {
    const reason = lastFailure instanceof Error ? lastFailure.message : 'not started';
    return new BackendError('backend_unavailable', name, `Backend "${name}" is down (${reason}); the gateway is restarting it; retry later`, { cause: lastFailure });
  }

  /** stdio has no per-request stream to close, so cancellation is explicit (transports/stdio "Cancellation"). */
  function cancel(entry: PendingCall, reason: unknown): void {
    const text = reason instanceof Error ? reason.message : 'cancelled by the gateway';
    child?.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: entry.id, reason: text } });
  }

  function send(method: string, params: Record<string, unknown> | undefined, timeoutMs: number, call: UpstreamCall | undefined): Promise<JsonRpcResponse> {
    return new Promise((resolve, reject) => {
      const id = nextId++;
      if (call?.signal?.aborted) {
        reject(call.signal.reason);
        return;
      }
      const entry = new PendingStdioCall(id, method, call, resolve, reject, abortCall);
      entry.timer = setTimeout(timeOutCall, timeoutMs, entry, timeoutMs);
      calls.add(entry);
      const message = params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params };
      if (child === undefined || !child.send(message)) {
        calls.forget(entry);
        entry.reject(downError());
      }
    });
  }

  /** The caller cancelled: the backend is told (stdio has no stream to close) and the call rejects with the reason. */
  function abortCall(entry: PendingStdioCall, reason: unknown): void {
    if (!calls.has(entry.id)) return;
    calls.forget(entry);
    cancel(entry, reason);
    entry.reject(reason);
  }

  function timeOutCall(entry: PendingStdioCall, timeoutMs: number): void {
    calls.forget(entry);
    const error = new BackendError('backend_timeout', name,
      `Backend "${name}" did not answer ${entry.method} within ${timeoutMs} ms; the request was cancelled; retry later or raise this backend's timeout_ms`);
    cancel(entry, error);
    entry.reject(error);
  }

  function handleMessage(source: StdioChild, value: unknown): void {
    if (source !== child) return;
    const classified = classifyMessage(value);
    switch (classified.kind) {
      case 'response': {
        if (listens.routeResponse(classified.message)) return;
        const id = classified.message.id;
        const entry = typeof id === 'number' ? calls.get(id) : undefined;
        if (entry === undefined) {
          // A probe answered after its timeout, or a request we already gave up on.
          logger.debug({ backend: name, id }, 'dropped a response for no pending request');
          return;
        }
        calls.forget(entry);
        entry.resolve(classified.message);
        return;
      }
      case 'notification':
        routeNotification(classified.message);
        return;
      case 'request':
        routeRequest(classified.message);
        return;
      case 'invalid':
        logger.warn({ backend: name, reason: classified.reason }, 'skipped an invalid JSON-RPC message on stdout');
    }
  }

  /** Request-scoped notifications go to their call (see StdioCalls.relatedTo); the rest are the backend's own. */
  function routeNotification(notification: JsonRpcNotification): void {
    if (listens.routeNotification(notification)) return;
    const entry = isRequestScoped(notification.method) ? calls.relatedTo(notification.params) : undefined;
    if (entry?.call?.onRelatedMessage !== undefined) entry.call.onRelatedMessage(notification);
    else events.emitNotification(notification);
  }

  /**
   * stdio has one channel, so a server-to-client request is tied to a call by
   * StdioCalls.relatedTo's rules. Anything else is answered here so the backend never
   * waits forever.
   */
  function routeRequest(request: JsonRpcRequest): void {
    const entry = request.method === 'ping' ? undefined : calls.relatedTo(request.params);
    if (entry?.call?.onRelatedMessage !== undefined) {
      entry.call.onRelatedMessage(request);
      return;
    }
    const interactive = calls.interactiveCount();
    child?.send(interactive < 2 ? answerUnroutedRequest(request) : answerUnroutedRequest(request,
      `${interactive} calls are in flight on this stdio process and the request names none of them, so the gateway cannot tell whose client should answer; give backend "${name}" more processes (processes: N) so that each such call has its own`));
    if (interactive >= 2) logger.warn({ backend: name, method: request.method, interactive }, 'refused a server-to-client request that could belong to several calls; consider processes: N for this backend');
  }

  function startChild(): StdioChild {
    if (state === 'closed') throw backendClosedError(name);
    const started = spawnStdioChild({
      backend: name, command: options.command, args: options.args, env: options.env, cwd: options.cwd, logger,
      onMessage: (value) => handleMessage(started, value),
    });
    child = started;
    void started.exited.then((exit) => onChildExit(started, exit));
    return started;
  }

  function onChildExit(exitedChild: StdioChild, exit: ChildExit): void {
    if (exitedChild !== child) return;
    child = undefined;
    const reason = describeExit(exit);
    const failure = new BackendError('backend_unavailable', name,
      `Backend "${name}" exited unexpectedly (${reason}); in-flight requests are lost; the gateway restarts it; retry shortly`);
    lastFailure = failure;
    // The server holds no subscription across a restart; connect() listens again (transports/stdio "Unexpected Termination").
    modernListen.stop(failure);
    listens.endAll(failure);
    calls.rejectAll(failure);
    if (state === 'ready') {
      logger.warn({ backend: name, exit: reason }, 'stdio backend exited; restarting it');
      setState('down');
      scheduleRestart();
    }
  }

  function scheduleRestart(): void {
    if (state === 'closed' || restartTimer !== undefined) return;
    if (readySince > 0 && Date.now() - readySince >= HEALTHY_AFTER_MS) restartAttempt = 0;
    const delayMs = backoffDelay(restartPolicy, restartAttempt++);
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      connect().catch((error: unknown) => logger.warn({ backend: name, err: error, attempt: restartAttempt }, 'restarting the stdio backend failed'));
    }, delayMs);
    restartTimer.unref();
  }

  /** The `server/discover` probe on stdio: silence and an exit are era evidence (revision-negotiation.ts decides). */
  async function probe(_version: string, params: Record<string, unknown>): Promise<DiscoverOutcome> {
    const current = child;
    try {
      const response = await send('server/discover', params, probeTimeoutMs, undefined);
      return 'error' in response ? { kind: 'error', error: response.error } : { kind: 'result', result: response.result };
    } catch (error) {
      // Silence or an exit on the probe both mean legacy (transports/stdio
      // "Backward Compatibility"); some servers exit on any request before initialize.
      if (current?.hasExited === true || (error instanceof BackendError && error.code === 'backend_timeout')) return { kind: 'silent' };
      throw error;
    }
  }

  async function initializeLegacy(): Promise<BackendCodec> {
    if (child === undefined || child.hasExited) {
      startChild();
      await child!.started;
    }
    const response = await send('initialize', initializeParams(clientInfo, defaultCapabilities), options.timeoutMs, undefined);
    const legacy = new LegacyBackendCodec(name, handshakeFromInitializeAnswer(name, response));
    child?.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    return legacy;
  }

  async function performHandshake(): Promise<BackendCodec> {
    const started = startChild();
    try {
      await started.started;
    } catch (error) {
      throw new BackendError('backend_unavailable', name,
        `Backend "${name}" could not be started (${options.command}: ${error instanceof Error ? error.message : String(error)}); check its command and cwd`, { cause: error });
    }
    // The era is a property of the server (basic/versioning, "Backward
    // Compatibility"): after a legacy verdict a restart skips the probe, which
    // spares a silent server's probe timeout and a second spawn for a server
    // that exits on it. A failed handshake clears the verdict and re-probes.
    if (isKnownLegacy) return initializeLegacy();
    return negotiateRevision(negotiation, negotiationOptions);
  }

  function connect(): Promise<BackendHandshake> {
    if (state === 'closed') return Promise.reject(backendClosedError(name));
    if (state === 'ready' && codec !== undefined) return Promise.resolve(codec.handshake);
    if (connecting !== undefined) return connecting;
    clearTimeout(restartTimer);
    restartTimer = undefined;
    setState('connecting');
    connecting = (async () => {
      try {
        const established = await performHandshake();
        if (isClosed()) throw backendClosedError(name);
        // The child may have died between the last handshake answer and now.
        if (child === undefined) throw lastFailure;
        codec = established;
        established.startListening(modernListen);
        isSupervised = true;
        readySince = Date.now();
        setState('ready');
        logger.info({ backend: name, era: established.handshake.era, protocolVersion: established.handshake.protocolVersion, pid: child.pid }, 'backend connected');
        return established.handshake;
      } catch (error) {
        lastFailure = error;
        isKnownLegacy = false;
        const failed = child;
        child = undefined;
        void failed?.stop(shutdownGraceMs);
        if (!isClosed()) {
          setState('down');
          // After the first success the backend supervises itself; before it,
          // whoever called connect() (the registry) owns the retries.
          if (isSupervised) scheduleRestart();
        }
        throw error;
      } finally {
        connecting = undefined;
      }
    })();
    return connecting;
  }

  async function ensureReady(): Promise<void> {
    if (state === 'closed') throw backendClosedError(name);
    if (state === 'down') throw downError();
    await connect();
  }

  async function request(call: UpstreamCall): Promise<JsonRpcResponse> {
    if (state !== 'ready') await ensureReady();
    return send(call.method, codec!.encodeParams(call.params, call.clientCapabilities), call.timeoutMs ?? options.timeoutMs, call);
  }

  async function notify(method: string, params?: Record<string, unknown>): Promise<void> {
    if (state !== 'ready') await ensureReady();
    const message = params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params };
    if (child === undefined || !child.send(message)) throw downError();
  }

  async function respond(response: JsonRpcResponse): Promise<void> {
    if (state === 'closed') throw backendClosedError(name);
    if (child === undefined || !child.send(response)) throw downError();
  }

  async function setResourceSubscriptions(uris: readonly string[]): Promise<void> {
    if (state === 'closed') throw backendClosedError(name);
    // Before the first handshake the set is kept for the 2026 listen; a 2025 codec leaves it to resources/subscribe.
    await (codec === undefined ? modernListen.setResourceSubscriptions(uris) : codec.setResourceSubscriptions(modernListen, uris));
  }

  async function close(): Promise<void> {
    if (state === 'closed') return;
    setState('closed');
    clearTimeout(restartTimer);
    restartTimer = undefined;
    // Cancelled while the child still reads stdin (transports/stdio "Cancellation").
    modernListen.stop(backendClosedError(name));
    listens.endAll(backendClosedError(name));
    calls.rejectAll(backendClosedError(name));
    const stopping = child;
    child = undefined;
    await stopping?.stop(shutdownGraceMs);
  }

  return exposeBackend({ name, kind: 'stdio', state: () => state, handshake: () => codec?.handshake }, events, { connect, request, notify, respond, setResourceSubscriptions, close });
}
