// A backend that runs as a supervised child process speaking MCP over stdio:
// era probe (server/discover, then initialize), requests multiplexed by our
// own ids, and restart with backoff when the child dies (2026-07-28
// transports/stdio, "Backward Compatibility" and "Unexpected Termination").

import { classifyMessage, type JsonRpcId, type JsonRpcNotification, type JsonRpcRequest, type JsonRpcResponse } from '../protocol/jsonrpc.ts';
import { LATEST_MODERN } from '../protocol/revisions.ts';
import type { Logger } from '../telemetry/logger.ts';
import { backendClosedError, BackendError, exposeBackend, type BackendHandshake, type BackendState, type Implementation, type UpstreamCall } from './backend.ts';
import { createBackendEvents } from './backend-events.ts';
import { classifyDiscoverOutcome, handshakeFromInitializeAnswer, initializeParams, type DiscoverOutcome } from './handshake.ts';
import { NO_CLIENT_CAPABILITIES, withModernEnvelope } from './modern-envelope.ts';
import { createModernListen } from './modern-listen.ts';
import { backoffDelay, resolveBackoff, type BackoffPolicy } from './reconnect-backoff.ts';
import { answerUnroutedRequest, type RelayingBackend } from './server-request.ts';
import { spawnStdioChild, type ChildExit, type StdioChild } from './stdio-child.ts';
import { createStdioListens } from './stdio-listens.ts';

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

interface PendingCall {
  id: number;
  method: string;
  resolve(response: JsonRpcResponse): void;
  reject(error: unknown): void;
  timer: NodeJS.Timeout;
  call: UpstreamCall | undefined;
  progressToken: JsonRpcId | undefined;
}

const MAX_DEFAULT_PROBE_TIMEOUT_MS = 10_000;
const DEFAULT_SHUTDOWN_GRACE_MS = 2_000;
/** A child that stayed up this long was healthy: the next crash starts the backoff over. */
const HEALTHY_AFTER_MS = 60_000;

/** Notifications that belong to a request (progress, logging, cancellation); the rest (list changes, updates) are the backend's own. */
function isRequestScoped(method: string): boolean {
  return method === 'notifications/progress' || method === 'notifications/message' || method === 'notifications/cancelled';
}

function describeExit(exit: ChildExit): string {
  if (exit.error !== undefined) return exit.error.message;
  if (exit.signal !== null) return `killed by ${exit.signal}`;
  return `exit code ${String(exit.code)}`;
}

function progressTokenOf(params: Record<string, unknown> | undefined): JsonRpcId | undefined {
  const meta = params?._meta as Record<string, unknown> | undefined;
  const token = meta?.progressToken ?? params?.progressToken;
  return typeof token === 'string' || typeof token === 'number' ? token : undefined;
}

export function createStdioBackend(options: StdioBackendOptions): RelayingBackend {
  const { name, logger, clientInfo } = options;
  const probeTimeoutMs = options.probeTimeoutMs ?? Math.min(options.timeoutMs, MAX_DEFAULT_PROBE_TIMEOUT_MS);
  const shutdownGraceMs = options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
  const restartPolicy = resolveBackoff(options.restart);
  const defaultCapabilities = options.clientCapabilities ?? NO_CLIENT_CAPABILITIES;
  const events = createBackendEvents(name, logger);
  const pending = new Map<number, PendingCall>();
  const progressRoutes = new Map<JsonRpcId, PendingCall>();

  let state: BackendState = 'idle';
  let handshake: BackendHandshake | undefined;
  let isModern = false;
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
    params: (filter) => withModernEnvelope({ notifications: filter }, handshake?.protocolVersion ?? LATEST_MODERN, clientInfo, defaultCapabilities),
  });
  const modernListen = createModernListen({
    backend: name, logger, backoff: restartPolicy, ackTimeoutMs: options.timeoutMs,
    open: listens.open,
    deliver: (notification) => events.emitNotification(notification),
  });

  function setState(next: BackendState): void {
    state = next;
    events.emitState(next, handshake);
  }

  /** A function, not a comparison, because the state changes across awaits. */
  function isClosed(): boolean {
    return state === 'closed';
  }

  function downError(): BackendError {
    const reason = lastFailure instanceof Error ? lastFailure.message : 'not started';
    return new BackendError('backend_unavailable', name, `Backend "${name}" is down (${reason}); the gateway is restarting it; retry later`, { cause: lastFailure });
  }

  function forget(entry: PendingCall): void {
    pending.delete(entry.id);
    clearTimeout(entry.timer);
    if (entry.progressToken !== undefined) progressRoutes.delete(entry.progressToken);
  }

  function rejectAll(error: unknown): void {
    for (const entry of [...pending.values()]) {
      forget(entry);
      entry.reject(error);
    }
  }

  /** stdio has no per-request stream to close, so cancellation is explicit (transports/stdio "Cancellation"). */
  function cancel(entry: PendingCall, reason: unknown): void {
    const text = reason instanceof Error ? reason.message : 'cancelled by the gateway';
    child?.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: entry.id, reason: text } });
  }

  function send(method: string, params: Record<string, unknown> | undefined, timeoutMs: number, call: UpstreamCall | undefined): Promise<JsonRpcResponse> {
    return new Promise((resolve, reject) => {
      const id = nextId++;
      const signal = call?.signal;
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const entry: PendingCall = {
        id, method, resolve, reject, call,
        progressToken: call?.onRelatedMessage !== undefined ? progressTokenOf(call.params) : undefined,
        timer: setTimeout(() => {
          forget(entry);
          const error = new BackendError('backend_timeout', name,
            `Backend "${name}" did not answer ${method} within ${timeoutMs} ms; the request was cancelled; retry later or raise this backend's timeout_ms`);
          cancel(entry, error);
          settleAbort();
          reject(error);
        }, timeoutMs),
      };
      const onAbort = (): void => {
        if (!pending.has(id)) return;
        forget(entry);
        cancel(entry, signal?.reason);
        reject(signal?.reason);
      };
      const settleAbort = (): void => signal?.removeEventListener('abort', onAbort);
      if (signal !== undefined) {
        signal.addEventListener('abort', onAbort, { once: true });
        entry.resolve = (response) => {
          settleAbort();
          resolve(response);
        };
        entry.reject = (error) => {
          settleAbort();
          reject(error);
        };
      }
      pending.set(id, entry);
      if (entry.progressToken !== undefined) progressRoutes.set(entry.progressToken, entry);
      const message = params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params };
      if (child === undefined || !child.send(message)) {
        forget(entry);
        entry.reject(downError());
      }
    });
  }

  function handleMessage(source: StdioChild, value: unknown): void {
    if (source !== child) return;
    const classified = classifyMessage(value);
    switch (classified.kind) {
      case 'response': {
        if (listens.routeResponse(classified.message)) return;
        const id = classified.message.id;
        const entry = typeof id === 'number' ? pending.get(id) : undefined;
        if (entry === undefined) {
          // A probe answered after its timeout, or a request we already gave up on.
          logger.debug({ backend: name, id }, 'dropped a response for no pending request');
          return;
        }
        forget(entry);
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

  /**
   * The pending call a message belongs to: the one whose progressToken it
   * names, else the only call in flight that listens for related messages.
   * stdio carries no other link (transports/stdio), so with several such calls
   * in flight an unmarked message belongs to none.
   */
  function relatedCall(params: Record<string, unknown> | undefined): PendingCall | undefined {
    const token = progressTokenOf(params);
    if (token !== undefined) {
      const byToken = progressRoutes.get(token);
      if (byToken !== undefined) return byToken;
    }
    // 2025-11-25 tasks: a task's request names its task (related-task _meta), and goes to the tasks/result call open for it.
    const taskId = ((params?._meta as Record<string, unknown> | undefined)?.['io.modelcontextprotocol/related-task'] as { taskId?: unknown } | undefined)?.taskId;
    for (const entry of pending.values()) if (taskId !== undefined && entry.method === 'tasks/result' && entry.call?.params?.taskId === taskId) return entry;
    let only: PendingCall | undefined;
    for (const entry of pending.values()) {
      if (entry.call?.onRelatedMessage === undefined) continue;
      if (only !== undefined) return undefined;
      only = entry;
    }
    return only;
  }

  /** Request-scoped notifications go to their call (see relatedCall); the rest are the backend's own. */
  function routeNotification(notification: JsonRpcNotification): void {
    if (listens.routeNotification(notification)) return;
    const entry = isRequestScoped(notification.method) ? relatedCall(notification.params) : undefined;
    if (entry?.call?.onRelatedMessage !== undefined) entry.call.onRelatedMessage(notification);
    else events.emitNotification(notification);
  }

  /**
   * stdio has one channel, so a server-to-client request is tied to a call by
   * relatedCall's rules. Anything else is answered here so the backend never
   * waits forever.
   */
  function routeRequest(request: JsonRpcRequest): void {
    const entry = request.method === 'ping' ? undefined : relatedCall(request.params);
    if (entry?.call?.onRelatedMessage !== undefined) {
      entry.call.onRelatedMessage(request);
      return;
    }
    const interactive = interactiveCallCount();
    child?.send(interactive < 2 ? answerUnroutedRequest(request) : answerUnroutedRequest(request,
      `${interactive} calls are in flight on this stdio process and the request names none of them, so the gateway cannot tell whose client should answer; give backend "${name}" more processes (processes: N) so that each such call has its own`));
    if (interactive >= 2) logger.warn({ backend: name, method: request.method, interactive }, 'refused a server-to-client request that could belong to several calls; consider processes: N for this backend');
  }

  function interactiveCallCount(): number {
    let count = 0;
    for (const entry of pending.values()) if (entry.call?.onRelatedMessage !== undefined) count++;
    return count;
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
    rejectAll(failure);
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

  async function probe(version: string): Promise<DiscoverOutcome> {
    const current = child;
    const params = withModernEnvelope(undefined, version, clientInfo, defaultCapabilities);
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

  async function initializeLegacy(): Promise<BackendHandshake> {
    if (child === undefined || child.hasExited) {
      startChild();
      await child!.started;
    }
    const response = await send('initialize', initializeParams(clientInfo, defaultCapabilities), options.timeoutMs, undefined);
    const legacy = handshakeFromInitializeAnswer(name, response);
    child?.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    isModern = false;
    return legacy;
  }

  async function performHandshake(): Promise<BackendHandshake> {
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
    let version: string = LATEST_MODERN;
    for (let attempt = 0; attempt < 2; attempt++) {
      const verdict = classifyDiscoverOutcome(await probe(version));
      if (verdict.kind === 'modern') {
        isModern = true;
        return verdict.handshake;
      }
      if (verdict.kind === 'legacy') {
        logger.info({ backend: name, reason: verdict.reason }, 'backend is legacy; falling back to initialize');
        const legacy = await initializeLegacy();
        isKnownLegacy = true;
        return legacy;
      }
      if (verdict.kind === 'fail') throw new BackendError('backend_protocol_error', name, `Backend "${name}": ${verdict.reason}`);
      version = verdict.version;
    }
    throw new BackendError('backend_protocol_error', name,
      `Backend "${name}" rejected server/discover twice with UnsupportedProtocolVersion; its advertised versions do not work`);
  }

  function connect(): Promise<BackendHandshake> {
    if (state === 'closed') return Promise.reject(backendClosedError(name));
    if (state === 'ready' && handshake !== undefined) return Promise.resolve(handshake);
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
        handshake = established;
        if (established.era === 'modern') modernListen.start(established.capabilities);
        else modernListen.stop(new BackendError('backend_unavailable', name, `Backend "${name}" now speaks ${established.protocolVersion}; its resources are subscribed with resources/subscribe`));
        isSupervised = true;
        readySince = Date.now();
        setState('ready');
        logger.info({ backend: name, era: established.era, protocolVersion: established.protocolVersion, pid: child.pid }, 'backend connected');
        return established;
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
    const params = isModern
      ? withModernEnvelope(call.params, handshake!.protocolVersion, clientInfo, call.clientCapabilities ?? defaultCapabilities)
      : call.params;
    return send(call.method, params, call.timeoutMs ?? options.timeoutMs, call);
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
    // A 2025 backend is subscribed per URI with resources/subscribe, which the router sends.
    if (handshake?.era === 'legacy') return;
    await modernListen.setResourceSubscriptions(uris);
  }

  async function close(): Promise<void> {
    if (state === 'closed') return;
    setState('closed');
    clearTimeout(restartTimer);
    restartTimer = undefined;
    // Cancelled while the child still reads stdin (transports/stdio "Cancellation").
    modernListen.stop(backendClosedError(name));
    listens.endAll(backendClosedError(name));
    rejectAll(backendClosedError(name));
    const stopping = child;
    child = undefined;
    await stopping?.stop(shutdownGraceMs);
  }

  return exposeBackend({ name, kind: 'stdio', state: () => state, handshake: () => handshake }, events, { connect, request, notify, respond, setResourceSubscriptions, close });
}
