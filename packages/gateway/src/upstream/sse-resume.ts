// Resuming a call's SSE response stream that a 2025 backend closed before the
// JSON-RPC response arrived (2025-11-25 transports, "Sending Messages" 6 and
// "Resumability and Redelivery"): after the server's `retry` delay, GET the
// endpoint with `Last-Event-ID`, and feed what that stream carries to the same
// call, until its response arrives or the bounded reconnections run out.
// 2026-07-28 streams are not resumable ("Resumable SSE streams via
// Last-Event-ID are not supported"), so modern backends never come here.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import { BackendError } from './backend.ts';
import type { CallCancellation } from './call-cancellation.ts';
import type { HeaderMap } from './http-request-headers.ts';
import { createSseReader } from './sse-reader.ts';

/** Where the stream stands: the last event id seen on it and the server's latest `retry`. */
export interface StreamCursor {
  lastEventId: string | undefined;
  retryMs: number | undefined;
}

export interface ResumePolicy {
  /** Reconnections in a row that bring no new event before the call fails. */
  maxAttempts: number;
  /** The wait before reconnecting when the server sent no `retry` field. */
  defaultRetryMs: number;
}

export const DEFAULT_RESUME_POLICY: Readonly<ResumePolicy> = Object.freeze({ maxAttempts: 3, defaultRetryMs: 1_000 });

export interface ResumeTarget {
  backend: string;
  dispatcher: Dispatcher;
  origin: string;
  path: string;
  policy: ResumePolicy;
}

/** What one resuming GET came to. */
type ResumeAttempt =
  | { kind: 'answered' }
  /** The stream ended (or broke) without the response: worth another reconnection. */
  | { kind: 'ended'; detail: string }
  /** The server will not resume this stream (no GET stream, session gone, a client error): no point retrying. */
  | { kind: 'refused'; detail: string };

/** The GET headers: the POST's own (session, version, credentials) as an SSE request with the cursor. */
export function resumeHeaders(postHeaders: HeaderMap, lastEventId: string): HeaderMap {
  const headers: HeaderMap = { ...postHeaders, accept: 'text/event-stream', 'last-event-id': lastEventId };
  delete headers['content-type'];
  delete headers['content-length'];
  return headers;
}

/** A status that says reconnecting will not help: 404 (session gone), 405 (no GET stream), other 4xx. */
export function isRefusal(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/**
 * Reconnects until `onMessage` reports the call's response (resolves), or
 * rejects with a `BackendError` naming what the reconnections got. The
 * caller's cancellation (deadline, client abort, backend close) ends the
 * wait and the GET at once and rejects with its reason.
 */
export async function resumeResponseStream(target: ResumeTarget, postHeaders: HeaderMap, cursor: StreamCursor,
  cancellation: CallCancellation, onMessage: (value: unknown) => boolean | void): Promise<void> {
  const lifetime = new AbortController();
  if (cancellation.aborted) throw cancellation.reason;
  cancellation.onAbort((reason) => lifetime.abort(reason));
  let failures = 0;
  let reconnections = 0;
  let lastDetail = 'the stream ended without the response';
  try {
    while (failures < target.policy.maxAttempts) {
      // The client MUST respect the `retry` field before reconnecting (2025-11-25 "Sending Messages" 6).
      await sleep(cursor.retryMs ?? target.policy.defaultRetryMs, undefined, { signal: lifetime.signal });
      const before = cursor.lastEventId;
      reconnections++;
      const attempt = await resumeOnce(target, resumeHeaders(postHeaders, cursor.lastEventId!), cursor, lifetime.signal, onMessage);
      if (attempt.kind === 'answered') return;
      lastDetail = attempt.detail;
      if (attempt.kind === 'refused') break;
      // A reconnection that brought new events is the server polling, not failing (a long call may take many).
      failures = cursor.lastEventId !== before ? 0 : failures + 1;
    }
  } catch (error) {
    if (cancellation.aborted) throw cancellation.reason;
    throw error;
  }
  throw new BackendError('backend_unavailable', target.backend,
    `Backend "${target.backend}" closed the response stream before answering, and resuming it with GET and Last-Event-ID failed ` +
    `(${reconnections} reconnection${reconnections === 1 ? '' : 's'}; last: ${lastDetail}); the request may or may not have run; retry if it is safe to`);
}

async function resumeOnce(target: ResumeTarget, headers: HeaderMap, cursor: StreamCursor, signal: AbortSignal,
  onMessage: (value: unknown) => boolean | void): Promise<ResumeAttempt> {
  let response: Dispatcher.ResponseData;
  try {
    response = await target.dispatcher.request({ origin: target.origin, path: target.path, method: 'GET', headers, signal, bodyTimeout: 0 });
  } catch (error) {
    if (signal.aborted) throw error;
    return { kind: 'ended', detail: `the GET failed (${(error as Error).message})` };
  }
  const contentType = String(response.headers['content-type'] ?? '');
  if (response.statusCode !== 200 || !contentType.startsWith('text/event-stream')) {
    await response.body.dump().catch(() => undefined);
    const detail = `the GET was answered with HTTP ${response.statusCode} (${contentType || 'no content type'})`;
    return isRefusal(response.statusCode) ? { kind: 'refused', detail } : { kind: 'ended', detail };
  }
  const reader = createSseReader({
    onMessage,
    onEventId: (eventId) => (cursor.lastEventId = eventId),
    onRetry: (delayMs) => (cursor.retryMs = delayMs),
  });
  try {
    for await (const chunk of response.body) {
      // A resumed stream need not end after the response (the server may keep it as its GET stream):
      // leaving the loop destroys the body, closing that connection.
      if (reader.feed(chunk as Buffer)) return { kind: 'answered' };
    }
  } catch (error) {
    if (signal.aborted) throw error;
    return { kind: 'ended', detail: `the resumed stream broke (${(error as Error).message})` };
  }
  return { kind: 'ended', detail: 'the resumed stream ended without the response' };
}
