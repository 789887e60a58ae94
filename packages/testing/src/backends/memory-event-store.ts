// An in-memory EventStore for SDK v1's Streamable HTTP transport, enough for
// resumability (SEP-1699): every SSE event gets an id, and a client that
// reconnects with Last-Event-ID is sent the events of that stream it missed.

import type { EventId, EventStore, StreamId } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

interface StoredEvent {
  streamId: StreamId;
  sequence: number;
  message: JSONRPCMessage;
}

export class MemoryEventStore implements EventStore {
  readonly #events = new Map<EventId, StoredEvent>();
  #sequence = 0;

  async storeEvent(streamId: StreamId, message: JSONRPCMessage): Promise<EventId> {
    this.#sequence += 1;
    const eventId = `${streamId}:${this.#sequence}`;
    this.#events.set(eventId, { streamId, sequence: this.#sequence, message });
    return eventId;
  }

  async getStreamIdForEventId(eventId: EventId): Promise<StreamId | undefined> {
    return this.#events.get(eventId)?.streamId;
  }

  async replayEventsAfter(
    lastEventId: EventId,
    { send }: { send: (eventId: EventId, message: JSONRPCMessage) => Promise<void> },
  ): Promise<StreamId> {
    const last = this.#events.get(lastEventId);
    if (last === undefined) throw new Error(`Unknown Last-Event-ID ${lastEventId}; reconnect without it`);
    for (const [eventId, event] of this.#events) {
      // Priming events carry an empty message: they exist only to hand out an id.
      const isPriming = Object.keys(event.message).length === 0;
      if (event.streamId === last.streamId && event.sequence > last.sequence && !isPriming) {
        await send(eventId, event.message);
      }
    }
    return last.streamId;
  }
}
