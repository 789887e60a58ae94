// Keeps a 2026-07-28 backend's `subscriptions/listen` open for as long as the
// backend is ready: opened after each handshake, re-opened with backoff when
// it drops, and replaced (new one acknowledged first, then the old one closed)
// when the wanted resource URIs change. Transport-neutral: http-listen.ts and
// stdio-listens.ts open the actual streams.

import type { JsonRpcNotification } from '../../protocol/jsonrpc.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { BackendError, isBackendError } from '../backend.ts';
import { listenFilter, normalizeUris, resyncNotifications, sameFilter, unhonoredParts, type SubscriptionFilter } from './listen-filter.ts';
import { backoffDelay, type BackoffPolicy } from '../reconnect-backoff.ts';

/** What one open listen reports; the transport calls each at most as the comments say. */
export interface ListenHandlers {
  /** The first message: `notifications/subscriptions/acknowledged`, with the filter the server honours. */
  onAcknowledged(honored: unknown): void;
  /** A notification on the stream after the acknowledgment, subscription id already removed. */
  onNotification(notification: JsonRpcNotification): void;
  /**
   * Once, when the listen is over: no error for our own close or the
   * server's graceful end (a `subscriptions/listen` result), a BackendError
   * for a refusal or a drop. Never called synchronously from `open`.
   */
  onEnded(error: BackendError | undefined): void;
}

export interface ListenHandle {
  /** Ends the listen: closes the SSE response (HTTP) or sends `notifications/cancelled` (stdio). */
  close(): void;
}

export type OpenListen = (filter: SubscriptionFilter, handlers: ListenHandlers) => ListenHandle;

export interface ModernListenOptions {
  backend: string;
  logger: Logger;
  /** Delay between attempts to re-open a dropped or refused listen. */
  backoff: BackoffPolicy;
  /** How long an acknowledgment may take: the backend's timeout. */
  ackTimeoutMs: number;
  open: OpenListen;
  /** Where notifications go: the backend's `onNotification` listeners. */
  deliver(notification: JsonRpcNotification): void;
}

export interface ModernListen {
  /** The backend is ready in the 2026 era with these capabilities: listen (again). */
  start(capabilities: Record<string, unknown>): void;
  /** The connection is gone or closed: stop listening; `reason` rejects a pending replacement. */
  stop(reason: BackendError): void;
  /** The full set of URIs to get `resources/updated` for; see Backend.setResourceSubscriptions. */
  setResourceSubscriptions(uris: readonly string[]): Promise<void>;
  /** Whether an acknowledged listen is open now. */
  readonly isListening: boolean;
}

interface LiveListen {
  handle: ListenHandle | undefined;
  filter: SubscriptionFilter;
  acknowledgedAt: number;
}

/**
 * A JSON-RPC error answering a listen. -32601/-32602 mean the backend does
 * not serve listen as asked, so retrying changes nothing; anything else
 * (say -32603 "Subscription limit reached") may pass.
 */
export function listenRefusal(backend: string, code: number, message: string): BackendError {
  const isPermanent = code === -32601 || code === -32602;
  return new BackendError(isPermanent ? 'backend_protocol_error' : 'backend_unavailable', backend,
    `Backend "${backend}" refused subscriptions/listen: ${code} ${message}${isPermanent ? '; its list changes and resource updates cannot reach the gateway' : '; the gateway retries'}`);
}

/** A listen that stayed up this long was healthy: the next drop starts the backoff over. */
const HEALTHY_AFTER_MS = 10_000;

export function createModernListen(options: ModernListenOptions): ModernListen {
  const { backend, logger } = options;
  /** Set while the backend is ready in the 2026 era; undefined means "do not listen". */
  let capabilities: Record<string, unknown> | undefined;
  let uris: string[] = [];
  let current: LiveListen | undefined;
  /** A live listen was lost since the last acknowledgment: the next one resyncs. */
  let isGap = false;
  let retryAttempt = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  let lifetime = new AbortController();
  /** Replacements run one at a time, each against the latest wanted set. */
  let queue: Promise<void> = Promise.resolve();

  function timeoutError(): BackendError {
    return new BackendError('backend_timeout', backend,
      `Backend "${backend}" did not acknowledge subscriptions/listen within ${options.ackTimeoutMs} ms; list changes and resource updates from it are not arriving; retry later or raise this backend's timeout_ms`);
  }

  function refusedError(): BackendError {
    return new BackendError('backend_unavailable', backend,
      `Backend "${backend}" ended subscriptions/listen before acknowledging it; retry later`);
  }

  function promote(live: LiveListen, honored: unknown): void {
    const previous = current;
    current = live;
    live.acknowledgedAt = Date.now();
    clearTimeout(retryTimer);
    retryTimer = undefined;
    // Closed only now, after the new one is acknowledged, so no update falls between the two.
    previous?.handle?.close();
    const missing = unhonoredParts(live.filter, honored);
    if (missing.length > 0) logger.warn({ backend, missing }, 'the backend did not honour part of the subscriptions/listen filter');
    logger.debug({ backend, filter: live.filter }, 'subscriptions/listen acknowledged');
    if (isGap && previous === undefined) {
      for (const notification of resyncNotifications(live.filter)) options.deliver(notification);
    }
    isGap = false;
  }

  function lost(live: LiveListen, error: BackendError | undefined): void {
    current = undefined;
    isGap = true;
    if (capabilities === undefined) return;
    if (Date.now() - live.acknowledgedAt >= HEALTHY_AFTER_MS) retryAttempt = 0;
    if (error === undefined) logger.info({ backend }, 'the backend ended subscriptions/listen; re-opening it');
    else logger.warn({ backend, err: error }, 'subscriptions/listen dropped; re-opening it with backoff');
    scheduleRetry();
  }

  /** Opens a listen and resolves once it is acknowledged and current; rejects (and closes it) otherwise. */
  function openAndPromote(filter: SubscriptionFilter, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const live: LiveListen = { handle: undefined, filter, acknowledgedAt: 0 };
      let isSettled = false;
      const settle = (error: unknown): boolean => {
        if (isSettled) return false;
        isSettled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onStop);
        if (error === undefined) resolve();
        else reject(error);
        return true;
      };
      const giveUp = (error: unknown): void => {
        if (settle(error)) live.handle?.close();
      };
      const onStop = (): void => giveUp(signal.reason);
      const timer = setTimeout(() => giveUp(timeoutError()), options.ackTimeoutMs);
      signal.addEventListener('abort', onStop, { once: true });
      live.handle = options.open(filter, {
        onAcknowledged(honored) {
          if (isSettled) return;
          promote(live, honored);
          settle(undefined);
        },
        onNotification(notification) {
          if (current === live) options.deliver(notification);
        },
        onEnded(error) {
          if (!isSettled) settle(error ?? refusedError());
          else if (current === live) lost(live, error);
        },
      });
      if (signal.aborted) onStop();
    });
  }

  async function reconcile(signal: AbortSignal): Promise<void> {
    // Stopped since this was asked for: the caller learns why.
    if (signal.aborted) throw signal.reason;
    if (capabilities === undefined) return;
    const wanted = listenFilter(capabilities, uris);
    if (wanted === undefined) {
      const closing = current;
      current = undefined;
      closing?.handle?.close();
      return;
    }
    if (current !== undefined && sameFilter(current.filter, wanted)) return;
    await openAndPromote(wanted, signal);
  }

  function reconcileSoon(): Promise<void> {
    const signal = lifetime.signal;
    const run = queue.then(() => reconcile(signal)).catch((error: unknown) => {
      // With nothing open, keep trying in the background; a failed
      // replacement keeps the old listen and is the caller's to retry.
      if (capabilities !== undefined && current === undefined && isBackendError(error) && error.isTransient) scheduleRetry();
      throw error;
    });
    queue = run.catch(() => undefined);
    return run;
  }

  function scheduleRetry(): void {
    if (retryTimer !== undefined || capabilities === undefined) return;
    const delayMs = backoffDelay(options.backoff, retryAttempt++);
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      reconcileSoon().catch((error: unknown) => {
        if (capabilities !== undefined) logger.warn({ backend, err: error, attempt: retryAttempt }, 'could not re-open subscriptions/listen');
      });
    }, delayMs);
    retryTimer.unref();
  }

  return {
    start(next) {
      capabilities = next;
      retryAttempt = 0;
      if (lifetime.signal.aborted) lifetime = new AbortController();
      reconcileSoon().catch((error: unknown) => {
        logger.warn({ backend, err: error }, 'could not open subscriptions/listen; list changes and resource updates from this backend will not arrive until it succeeds');
      });
    },
    stop(reason) {
      capabilities = undefined;
      clearTimeout(retryTimer);
      retryTimer = undefined;
      lifetime.abort(reason);
      const closing = current;
      current = undefined;
      if (closing !== undefined) {
        isGap = true;
        closing.handle?.close();
      }
    },
    setResourceSubscriptions(next) {
      uris = normalizeUris(next);
      // Not listening (not connected yet, or restarting): the set is applied when the backend is next ready.
      if (capabilities === undefined) return Promise.resolve();
      return reconcileSoon();
    },
    get isListening() {
      return current !== undefined;
    },
  };
}
