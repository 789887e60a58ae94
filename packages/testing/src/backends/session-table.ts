// The open 2025 Streamable HTTP sessions of one test backend, for either SDK:
// initialize mints an Mcp-Session-Id and files the session's transport and
// server under it; the transport's close removes it; later requests find it
// by id, and an unknown id gets 404 so the client re-initializes
// (basic/transports, "Session Management").

import { randomUUID } from 'node:crypto';

/** What both SDKs' server transports have in common here. */
interface SessionTransport {
  readonly sessionId?: string | undefined;
  onclose?: (() => void) | undefined;
}

/** The options a session transport needs from the table: how ids are minted and where a new session is filed. */
export interface SessionTransportHooks {
  sessionIdGenerator: () => string;
  onsessioninitialized: (sessionId: string) => void;
}

export const noSessionIdMessage = 'Bad Request: no Mcp-Session-Id header; open a session with an initialize request first';
export const unknownSessionMessage = 'Session not found; it expired or was closed, so initialize a new one';

export class SessionTable<Transport extends SessionTransport, Server extends { close(): Promise<void> }> {
  readonly #sessions = new Map<string, { transport: Transport; server: Server }>();

  get(sessionId: string): { transport: Transport; server: Server } | undefined {
    return this.#sessions.get(sessionId);
  }

  /** Creates the transport for a new session of `server`; it is filed once initialize assigns its id. */
  open(server: Server, createTransport: (hooks: SessionTransportHooks) => Transport): Transport {
    const transport = createTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        this.#sessions.set(id, { transport, server });
      },
    });
    // Set before connect: Protocol.connect chains onto an existing onclose.
    transport.onclose = () => {
      if (transport.sessionId !== undefined) this.#sessions.delete(transport.sessionId);
    };
    return transport;
  }

  /** Closes every open session's server; one that fails to close does not keep the others open. */
  async closeAll(): Promise<void> {
    const open = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.allSettled(open.map((session) => session.server.close()));
  }
}
