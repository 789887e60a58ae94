// One POST of a JSON-RPC message to a Streamable HTTP backend, on undici's
// dispatch API. This is the hot path of every forwarded call: the response
// chunks go straight into the JSON text or the SSE reader, with no Readable
// body stream, async iterator or second abort wiring in between (what
// `Dispatcher.request` would add to each call).

import type { Dispatcher } from 'undici';
import { classifyMessage, type JsonRpcNotification, type JsonRpcRequest, type JsonRpcResponse } from '../protocol/jsonrpc.ts';
import type { CallCancellation } from './call-cancellation.ts';
import { createSseReader, type SseReader } from './sse-reader.ts';
import { resumeResponseStream, type ResumeTarget, type StreamCursor } from './sse-resume.ts';

/** What one POST produced, before the caller decides what it means. */
export interface PostOutcome {
  status: number;
  response: JsonRpcResponse | undefined;
  /** The raw body when it was not a JSON-RPC response (for error messages). */
  text: string;
  contentType: string;
  sessionId: string | undefined;
  /** A 401's or 403's challenge (RFC 6750 section 3), read by the backend's OAuth client (upstream/oauth-client/). */
  wwwAuthenticate?: string;
  /** RFC 9449 section 9: the nonce a DPoP-protected backend asks proofs to carry. */
  dpopNonce?: string;
}

export interface PostTarget {
  dispatcher: Dispatcher;
  origin: string;
  path: string;
  /** How long a finished SSE response may linger before its connection is given up. */
  lingerMs: number;
}

/** The backend's handlers, shared by all its POSTs (a call's own related-message handler goes alongside). */
export interface PostHandlers {
  /** A notification or request on a response stream whose call has no handler of its own. */
  onUnrouted(message: JsonRpcNotification | JsonRpcRequest): void;
  /** A stream event that is not JSON, or JSON that is not JSON-RPC: logged, never fatal. */
  onSkipped(reason: string, preview: string): void;
  /** The stream ended before the awaited response: the caller's error. */
  endedEarly(): Error;
  /** Where to resume a response stream that ended early (sse-resume.ts); undefined when the backend's revision has no resumption. */
  resumeTarget?(): ResumeTarget | undefined;
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Sends `body`; resolves once the answer is known (an SSE response resolves at its JSON-RPC response, not at the stream's end). */
export function postMessage(target: PostTarget, headers: Record<string, string>, body: string, cancellation: CallCancellation,
  id: number | undefined, onRelated: ((message: JsonRpcNotification | JsonRpcRequest) => void) | undefined, handlers: PostHandlers): Promise<PostOutcome> {
  return new Promise((resolve, reject) => {
    let controller: Dispatcher.DispatchController | undefined;
    let outcome: PostOutcome | undefined;
    let sse: SseReader | undefined;
    let chunks: Buffer[] | undefined;
    let isSettled = false;
    let linger: NodeJS.Timeout | undefined;
    const cursor: StreamCursor = { lastEventId: undefined, retryMs: undefined };

    const settle = (): void => {
      isSettled = true;
      cancellation.onAbort(undefined);
    };
    const fail = (error: unknown): void => {
      clearTimeout(linger);
      if (isSettled) return;
      settle();
      reject(cancellation.aborted ? cancellation.reason : error);
    };
    if (cancellation.aborted) return reject(cancellation.reason);
    cancellation.onAbort((reason) => controller?.abort(reason as Error));

    const onStreamMessage = (value: unknown): boolean | void => {
      const classified = classifyMessage(value);
      if (classified.kind === 'response') {
        if (classified.message.id !== id && classified.message.id !== null) return;
        outcome!.response = classified.message;
        settle();
        resolve(outcome!);
        // The server ends the stream after its response; a connection that does not is given up.
        linger = setTimeout(() => controller?.abort(new Error('the response stream lingered after its response')), target.lingerMs).unref();
        return true;
      }
      if (classified.kind === 'notification' || classified.kind === 'request') (onRelated ?? handlers.onUnrouted)(classified.message);
      else handlers.onSkipped(classified.reason, '');
    };

    /** A stream that ended before the response resumes when the server gave it an event id; otherwise the call fails. */
    const resumeOrFail = (error: Error): void => {
      const resumeTarget = cursor.lastEventId === undefined || cancellation.aborted ? undefined : handlers.resumeTarget?.();
      if (resumeTarget === undefined) return fail(error);
      controller = undefined;
      resumeResponseStream(resumeTarget, headers, cursor, cancellation, onStreamMessage).then(() => {
        if (!isSettled) fail(error);
      }, fail);
    };

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(started) {
        controller = started;
        if (cancellation.aborted) started.abort(cancellation.reason as Error);
      },
      onResponseStart(_controller, status, responseHeaders) {
        const contentType = headerText(responseHeaders['content-type']) ?? '';
        outcome = { status, response: undefined, text: '', contentType, sessionId: headerText(responseHeaders['mcp-session-id']) };
        if (status === 401 || status === 403) {
          outcome.wwwAuthenticate = headerText(responseHeaders['www-authenticate']);
          outcome.dpopNonce = headerText(responseHeaders['dpop-nonce']);
        }
        if (status >= 200 && status < 300 && contentType.startsWith('text/event-stream')) {
          sse = createSseReader({
            onMessage: onStreamMessage,
            onMalformed: (data) => handlers.onSkipped('a response-stream event that is not JSON', data.slice(0, 200)),
            onEventId: (eventId) => (cursor.lastEventId = eventId),
            onRetry: (delayMs) => (cursor.retryMs = delayMs),
          });
        } else {
          chunks = [];
        }
      },
      onResponseData(_controller, chunk) {
        if (sse !== undefined) sse.feed(chunk);
        else chunks!.push(chunk);
      },
      onResponseEnd() {
        clearTimeout(linger);
        if (isSettled) return;
        if (sse !== undefined) return resumeOrFail(handlers.endedEarly());
        const text = chunks!.length === 1 ? chunks![0]!.toString('utf8') : Buffer.concat(chunks!).toString('utf8');
        outcome!.text = text;
        // Some servers label JSON loosely (or not at all); a leading brace is enough to try.
        if (outcome!.contentType.includes('json') || text.startsWith('{')) {
          try {
            const classified = classifyMessage(JSON.parse(text));
            if (classified.kind === 'response') outcome!.response = classified.message;
          } catch {
            // Not JSON: the status and text explain the failure to the caller.
          }
        }
        settle();
        resolve(outcome!);
      },
      onResponseError(_controller, error) {
        // A connection lost mid-stream is not a cancellation (2025-11-25 "Sending Messages" 6): resume it too.
        if (sse !== undefined && !isSettled) resumeOrFail(error);
        else fail(error);
      },
    };
    // No undici timeouts: every POST runs under its call's own deadline and cancellation (http-backend.ts withDeadline),
    // and undici's would add a timer per request that outlives it in undici's coarse timer list (docs/benchmarks.md, "Session 12").
    target.dispatcher.dispatch({ origin: target.origin, path: target.path, method: 'POST', headers, body, headersTimeout: 0, bodyTimeout: 0 }, handler);
  });
}
