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
  /** Every event's `id`, priming events included: the cursor a resuming GET sends as `Last-Event-ID`. */
  onEventId?(eventId: string): void;
}

/** An incremental reader: feed it body chunks as they arrive. */
export interface SseReader {
  /** Feeds one chunk; returns true once a handler asked to stop. */
  feed(chunk: Uint8Array | string): boolean;
}

function isMessageEvent(event: EventSourceMessage): boolean {
  return event.event === undefined || event.event === 'message';
}

/** ASCII bytes are below 0x80: a chunk ending in one cannot end inside a multi-byte character. */
function endsOnCharacter(chunk: Uint8Array): boolean {
  return chunk.length === 0 || chunk[chunk.length - 1]! < 0x80;
}

function utf8Text(chunk: Uint8Array): string {
  return Buffer.isBuffer(chunk) ? chunk.toString('utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
}

export function createSseReader(handlers: SseHandlers): SseReader {
  // Events end in a newline, so nearly every chunk ends on a whole character and is decoded
  // directly; from the first chunk that may split a character on, a streaming decoder carries the rest.
  let decoder: InstanceType<typeof TextDecoder> | undefined;
  const decode = (chunk: Uint8Array): string => {
    if (decoder === undefined) {
      if (endsOnCharacter(chunk)) return utf8Text(chunk);
      decoder = new TextDecoder();
    }
    return decoder.decode(chunk, { stream: true });
  };
  let isStopped = false;
  const parser = createParser({
    onEvent(event) {
      if (!isStopped && event.id !== undefined) handlers.onEventId?.(event.id);
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
      parser.feed(typeof chunk === 'string' ? chunk : decode(chunk));
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
