// Stateful Streamable HTTP for SDK v1 servers, the way the SDK v1 examples
// do it: an initialize request without a session id creates a transport and
// a server for a new session; later requests carry Mcp-Session-Id and reach
// that transport. Unknown sessions get 404 so the client re-initializes
// (basic/transports, "Session Management").

import type { IncomingMessage, ServerResponse } from 'node:http';

import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  StreamableHTTPServerTransport,
  type StreamableHTTPServerTransportOptions,
} from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';

import { listen, type ListenOptions, maxBodyBytes, readBody, type RunningBackend, writeJsonRpcError } from './node-http.ts';
import { noSessionIdMessage, SessionTable, unknownSessionMessage } from './session-table.ts';

export interface V1SessionOptions extends ListenOptions {
  /** Extra settings for each new session's transport (event store, retry interval, JSON responses); sessions are always on. */
  transportOptions?: () => Omit<StreamableHTTPServerTransportOptions, 'sessionIdGenerator' | 'onsessioninitialized'>;
}

export async function serveV1Sessions(createServer: () => McpServer, options: V1SessionOptions): Promise<RunningBackend> {
  const sessions = new SessionTable<StreamableHTTPServerTransport, McpServer>();

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const sessionHeader = req.headers['mcp-session-id'];
    const sessionId = Array.isArray(sessionHeader) ? sessionHeader[0] : sessionHeader;

    if (req.method === 'POST') {
      const raw = await readBody(req);
      if (raw === undefined) {
        writeJsonRpcError(res, 413, -32600, `Request body larger than ${maxBodyBytes} bytes`);
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        writeJsonRpcError(res, 400, -32700, 'Parse error: the request body is not valid JSON');
        return;
      }
      if (sessionId === undefined) {
        if (!isInitializeRequest(body)) {
          writeJsonRpcError(res, 400, -32000, noSessionIdMessage);
          return;
        }
        await openSession(req, res, body);
        return;
      }
      const session = sessions.get(sessionId);
      if (session === undefined) {
        writeJsonRpcError(res, 404, -32001, unknownSessionMessage);
        return;
      }
      await session.transport.handleRequest(req, res, body);
      return;
    }

    if (req.method === 'GET' || req.method === 'DELETE') {
      if (sessionId === undefined) {
        writeJsonRpcError(res, 400, -32000, `Bad Request: ${req.method} needs an Mcp-Session-Id header`);
        return;
      }
      const session = sessions.get(sessionId);
      if (session === undefined) {
        writeJsonRpcError(res, 404, -32001, unknownSessionMessage);
        return;
      }
      await session.transport.handleRequest(req, res);
      return;
    }

    res.setHeader('allow', 'GET, POST, DELETE');
    writeJsonRpcError(res, 405, -32000, `Method ${req.method ?? ''} not allowed`);
  }

  async function openSession(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    const server = createServer();
    const transport = sessions.open(server, (hooks) => new StreamableHTTPServerTransport({ ...options.transportOptions?.(), ...hooks }));
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  }

  return listen(
    (req, res) => {
      void answer(req, res).catch((error: unknown) => {
        if (!res.headersSent) writeJsonRpcError(res, 500, -32603, `Internal error: ${String(error)}`);
        else res.destroy();
      });
    },
    options,
    () => sessions.closeAll(),
  );
}
