// 2025-11-25 sessions beside 2026-07-28 requests on one endpoint. A 2025
// client's initialize opens a session (Mcp-Session-Id) with its own server
// instance, so a server-to-client request (an elicitation) and its answer in
// a later POST reach the same instance (basic/transports, "Session
// Management"); an unknown id gets 404 so the client initializes again.

import { randomUUID } from 'node:crypto';

import {
  isInitializeRequest,
  type AuthInfo,
  type McpServer,
  WebStandardStreamableHTTPServerTransport,
} from '@modelcontextprotocol/server';

interface Session {
  transport: WebStandardStreamableHTTPServerTransport;
  server: McpServer;
  /** The subject that opened the session: a later request with another subject's token may not use it. */
  subject: string | undefined;
  lastSeenAt: number;
}

/** How long a 2025 session may sit unused before it is closed: clients that vanish without DELETE must not pin memory. */
export const DEFAULT_SESSION_IDLE_MS = 30 * 60 * 1000;

function jsonRpcError(status: number, code: number, message: string): Response {
  return Response.json({ jsonrpc: '2.0', id: null, error: { code, message } }, { status });
}

function subjectOf(authInfo: AuthInfo | undefined): string | undefined {
  const extra = authInfo?.extra as { subject?: string } | undefined;
  return extra?.subject ?? authInfo?.clientId;
}

export class LegacySessions {
  readonly #sessions = new Map<string, Session>();
  readonly #createServer: () => McpServer;
  readonly #idleMs: number;
  readonly #now: () => number;

  constructor(createServer: () => McpServer, options: { idleMs?: number; now?: () => number } = {}) {
    this.#createServer = createServer;
    this.#idleMs = options.idleMs ?? DEFAULT_SESSION_IDLE_MS;
    this.#now = options.now ?? Date.now;
  }

  /** Closes sessions unused for longer than the idle limit; their clients get 404 and initialize again. */
  async closeIdle(): Promise<number> {
    const cutoff = this.#now() - this.#idleMs;
    const idle = [...this.#sessions.entries()].filter(([, session]) => session.lastSeenAt < cutoff);
    for (const [id] of idle) this.#sessions.delete(id);
    await Promise.allSettled(idle.map(([, session]) => session.server.close()));
    return idle.length;
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** Every live session's server, to tell of resource updates and list changes. */
  servers(): McpServer[] {
    return [...this.#sessions.values()].map((session) => session.server);
  }

  async answer(request: Request, authInfo: AuthInfo | undefined): Promise<Response> {
    const sessionId = request.headers.get('mcp-session-id');
    if (sessionId === null) {
      if (request.method === 'POST') return this.#open(request, authInfo);
      return jsonRpcError(400, -32000, `Bad Request: ${request.method} needs an Mcp-Session-Id header`);
    }
    const session = this.#sessions.get(sessionId);
    if (session === undefined) return jsonRpcError(404, -32001, 'Session not found; it expired or was closed, so initialize a new one');
    if (session.subject !== subjectOf(authInfo)) return jsonRpcError(403, -32000, 'Forbidden: this session belongs to another caller');
    session.lastSeenAt = this.#now();
    return session.transport.handleRequest(request, authInfo === undefined ? {} : { authInfo });
  }

  async #open(request: Request, authInfo: AuthInfo | undefined): Promise<Response> {
    let body: unknown;
    try {
      body = await request.clone().json();
    } catch {
      return jsonRpcError(400, -32700, 'Parse error: the request body is not valid JSON');
    }
    if (!isInitializeRequest(body)) return jsonRpcError(400, -32000, 'Bad Request: no Mcp-Session-Id header; open a session with an initialize request first');
    // Sweeping when a session opens bounds the table by the sessions in use, without a timer to stop.
    await this.closeIdle();
    const server = this.#createServer();
    const subject = subjectOf(authInfo);
    const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        this.#sessions.set(id, { transport, server, subject, lastSeenAt: this.#now() });
      },
    });
    transport.onclose = () => {
      if (transport.sessionId !== undefined) this.#sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    return transport.handleRequest(request, { parsedBody: body, ...(authInfo !== undefined && { authInfo }) });
  }

  async closeAll(): Promise<void> {
    const open = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.allSettled(open.map((session) => session.server.close()));
  }
}
