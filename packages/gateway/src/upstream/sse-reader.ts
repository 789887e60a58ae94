// Reads a `text/event-stream` body into parsed JSON-RPC values, for the SSE
// responses of Streamable HTTP (2026-07-28 transports/streamable-http,
// "Receiving Messages") and the legacy GET stream (2025-11-25 transports).

import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface SseHandlers {
  /** One parsed `data` payload; return true to stop reading (the awaited response has arrived). */
  onMessage(value: unknown, eventId: string | undefined): boolean | void;
  /** A `data` payload that is not JSON: logged by the caller, never fatal. */
  onMalformed?(data: string): void;
  /** The server's `retry` field, in milliseconds (2025-11-25: the client MUST respect it before reconnecting). */
  onRetry?(delayMs: number): void;
}

/** An incremental reader: feed it body chunks as they arrive. */
export interface SseReader {
  /** Feeds one chunk; returns true once a handler asked to stop. */
  feed(chunk: Uint8Array | string): boolean;
}

function isMessageEvent(event: EventSourceMessage): boolean {
  return event.event === undefined || event.event === 'message';
}

export function createSseReader(handlers: SseHandlers): SseReader {
  const decoder = new TextDecoder();
  let isStopped = false;
  const parser = createParser({
    onEvent(event) {
      // Priming events (an id with empty data, 2025-11-25 "Sending Messages" 6)
      // and non-message event types carry no JSON-RPC.
      if (isStopped || event.data.length === 0 || !isMessageEvent(event)) return;
      let value: unknown;
      try {
        value = JSON.parse(event.data);
      } catch {
        handlers.onMalformed?.(event.data);
        return;
      }
      if (handlers.onMessage(value, event.id) === true) isStopped = true;
    },
    onRetry(delayMs) {
      handlers.onRetry?.(delayMs);
    },
  });
  return {
    feed(chunk) {
      if (isStopped) return true;
      parser.feed(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
      return isStopped;
    },
  };
}

/**
 * Reads an SSE body to its end; resolves true if a handler stopped it, false
 * when the stream ended first. It keeps draining after a stop instead of
 * breaking out, because destroying a body mid-stream closes the pooled
 * keep-alive connection, and the server ends the stream right after the
 * response anyway ("The final JSON-RPC response SHOULD terminate the stream").
 */
export async function readSseBody(body: AsyncIterable<Uint8Array | string>, handlers: SseHandlers): Promise<boolean> {
  const reader = createSseReader(handlers);
  let isStopped = false;
  for await (const chunk of body) {
    if (!isStopped) isStopped = reader.feed(chunk);
  }
  return isStopped;
}
