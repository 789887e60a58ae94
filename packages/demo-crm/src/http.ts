// Serves a web-standard MCP handler on plain node:http: converts each
// IncomingMessage to a fetch Request and streams the Response back, so SSE
// frames reach the client as they are produced. On a loopback bind it checks
// Host and Origin first, the DNS-rebinding guard the transport spec asks of
// local servers (basic/transports, "Security Warning").

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import {
  hostHeaderValidationResponse,
  localhostAllowedHostnames,
  localhostAllowedOrigins,
  type McpHttpHandler,
  originValidationResponse,
} from '@modelcontextprotocol/server';

export interface HttpServeOptions {
  /** 0 picks a free port; the returned url carries the real one. */
  port: number;
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** Defaults to /mcp. */
  path?: string;
}

export interface RunningHttpServer {
  /** The MCP endpoint, e.g. http://127.0.0.1:43117/mcp. */
  url: string;
  server: Server;
  /** Stops accepting connections, ends open streams, and closes the handler. */
  close(): Promise<void>;
}

const maxBodyBytes = 4 * 1024 * 1024;

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

export async function serveOverHttp(handler: McpHttpHandler, options: HttpServeOptions): Promise<RunningHttpServer> {
  const host = options.host ?? '127.0.0.1';
  const path = options.path ?? '/mcp';
  const guardsLocalhost = isLoopbackHost(host);

  const server = createServer((req, res) => {
    void answer(req, res).catch((error: unknown) => {
      if (!res.headersSent) writeJsonRpcError(res, 500, -32603, `Internal error: ${String(error)}`);
      else res.destroy();
    });
  });

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestUrl = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    if (requestUrl.pathname !== path) {
      writeJsonRpcError(res, 404, -32601, `Not found: the MCP endpoint is ${path}`);
      return;
    }
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const request = await toWebRequest(req, requestUrl, abort.signal);
    if (request === undefined) {
      writeJsonRpcError(res, 413, -32600, `Request body larger than ${maxBodyBytes} bytes`);
      return;
    }
    const rejected = guardsLocalhost
      ? (hostHeaderValidationResponse(request, localhostAllowedHostnames()) ??
        originValidationResponse(request, localhostAllowedOrigins()))
      : undefined;
    await writeWebResponse(rejected ?? (await handler.fetch(request)), res);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${urlHost}:${address.port}${path}`,
    server,
    async close() {
      await handler.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/** undefined when the body is over the size limit. */
async function toWebRequest(req: IncomingMessage, url: URL, signal: AbortSignal): Promise<Request | undefined> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.set(name, value);
  }
  const method = req.method ?? 'GET';
  let body: Buffer | undefined;
  if (method !== 'GET' && method !== 'HEAD') {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > maxBodyBytes) return undefined;
      chunks.push(chunk as Buffer);
    }
    body = Buffer.concat(chunks);
  }
  return new Request(url, { method, headers, body, signal });
}

async function writeWebResponse(response: Response, res: ServerResponse): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  res.writeHead(response.status, headers);
  // Send the headers now: an SSE stream may not produce its first event for a while.
  res.flushHeaders();
  if (response.body === null) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  res.once('close', () => void reader.cancel().catch(() => undefined));
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (!res.write(value)) {
      await new Promise<void>((resolve) => {
        res.once('drain', resolve);
        res.once('close', resolve);
      });
    }
    if (res.destroyed) return;
  }
  res.end();
}

function writeJsonRpcError(res: ServerResponse, status: number, code: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code, message } }));
}
