// Both eras on one Streamable HTTP endpoint for SDK v2 servers: 2026-07-28
// requests go to the SDK's per-request handler, 2025 traffic to sessions
// (initialize mints Mcp-Session-Id; GET opens the session's stream). Sessions,
// not the SDK's stateless fallback, because a 2025 server-to-client request is
// answered in a later POST that must reach the same server (basic/transports).

import {
  createMcpHandler,
  InMemoryServerEventBus,
  isInitializeRequest,
  isLegacyRequest,
  type McpHttpHandler,
  type McpServer,
  WebStandardStreamableHTTPServerTransport,
  type WebStandardStreamableHTTPServerTransportOptions,
} from '@modelcontextprotocol/server';

import { fetchListener, listen, type ListenOptions, type RunningBackend } from './node-http.ts';
import { noSessionIdMessage, SessionTable, unknownSessionMessage } from './session-table.ts';

/** Builds the server for one 2026 request (`isLive` false) or one 2025 session (`isLive` true). */
export type V2ServerFactory = (context: { era: 'legacy' | 'modern'; isLive: boolean }) => McpServer;

export interface V2Endpoint extends RunningBackend {
  /** The 2026 entry: `notify` publishes list_changed and resources/updated to open `subscriptions/listen` streams. */
  modern: McpHttpHandler;
  /** Open `subscriptions/listen` streams on the 2026 entry. */
  listenStreamCount(): number;
}

function jsonRpcError(status: number, code: number, message: string): Response {
  return Response.json({ jsonrpc: '2.0', id: null, error: { code, message } }, { status });
}

export interface V2BothErasOptions extends ListenOptions {
  /** Extra settings for each 2025 session's transport (an event store for resumable streams, a retry interval). */
  legacyTransportOptions?: () => Omit<WebStandardStreamableHTTPServerTransportOptions, 'sessionIdGenerator' | 'onsessioninitialized'>;
}

export async function serveV2BothEras(createServer: V2ServerFactory, options: V2BothErasOptions): Promise<V2Endpoint> {
  const bus = new InMemoryServerEventBus();
  const modern = createMcpHandler(() => createServer({ era: 'modern', isLive: false }), { legacy: 'reject', bus });
  const sessions = new SessionTable<WebStandardStreamableHTTPServerTransport, McpServer>();

  async function openSession(request: Request): Promise<Response> {
    let body: unknown;
    try {
      body = await request.clone().json();
    } catch {
      return jsonRpcError(400, -32700, 'Parse error: the request body is not valid JSON');
    }
    if (!isInitializeRequest(body)) {
      return jsonRpcError(400, -32000, noSessionIdMessage);
    }
    const server = createServer({ era: 'legacy', isLive: true });
    const transport = sessions.open(
      server,
      (hooks) => new WebStandardStreamableHTTPServerTransport({ ...options.legacyTransportOptions?.(), ...hooks }),
    );
    await server.connect(transport);
    return transport.handleRequest(request, { parsedBody: body });
  }

  async function answerLegacy(request: Request): Promise<Response> {
    const sessionId = request.headers.get('mcp-session-id') ?? undefined;
    if (sessionId === undefined) {
      if (request.method === 'POST') return openSession(request);
      return jsonRpcError(400, -32000, `Bad Request: ${request.method} needs an Mcp-Session-Id header`);
    }
    const session = sessions.get(sessionId);
    if (session === undefined) {
      return jsonRpcError(404, -32001, unknownSessionMessage);
    }
    return session.transport.handleRequest(request);
  }

  const endpoint = await listen(
    fetchListener(async (request) => ((await isLegacyRequest(request)) ? answerLegacy(request) : modern.fetch(request))),
    options,
    async () => {
      await Promise.allSettled([modern.close(), sessions.closeAll()]);
    },
  );
  return { ...endpoint, modern, listenStreamCount: () => bus.listenerCount };
}
