// The bridge between node:http and a web-standard `(Request) => Response`
// MCP handler: bind a port and report the real URL, answer 404 off the MCP
// path, convert each IncomingMessage to a fetch Request and stream the
// Response back, so SSE frames reach the client as they are produced.
// http.ts builds the demo's server on it; the dev-only test backends
// (@gatehouse/testing) reuse it, never the other way round.

import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

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

export const maxBodyBytes = 4 * 1024 * 1024;

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/**
 * Listens and resolves once bound. `listener` only sees requests for the MCP
 * path; `onClose` runs before the sockets are cut.
 */
export async function listenOnMcpPath(
  listener: RequestListener,
  options: HttpServeOptions,
  onClose: () => Promise<void> = async () => undefined,
): Promise<RunningHttpServer> {
  const host = options.host ?? '127.0.0.1';
  const path = options.path ?? '/mcp';
  const server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (pathname !== path) {
      writeJsonRpcError(res, 404, -32601, `Not found: the MCP endpoint is ${path}`);
      return;
    }
    listener(req, res);
  });
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
      await onClose();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/** Reads the whole body; undefined when it is larger than maxBodyBytes. */
export async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function writeJsonRpcError(res: ServerResponse, status: number, code: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code, message } }));
}

/**
 * A node:http listener that serves a web-standard handler, streaming the
 * body. The request is aborted when the client goes away first.
 */
export function fetchListener(fetch: (request: Request) => Promise<Response>): RequestListener {
  return (req, res) => {
    void (async () => {
      const abort = new AbortController();
      res.on('close', () => {
        if (!res.writableFinished) abort.abort();
      });
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (Array.isArray(value)) for (const item of value) headers.append(name, item);
        else if (value !== undefined) headers.set(name, value);
      }
      const method = req.method ?? 'GET';
      const body = method === 'GET' || method === 'HEAD' ? undefined : await readBody(req);
      if (body === undefined && method !== 'GET' && method !== 'HEAD') {
        writeJsonRpcError(res, 413, -32600, `Request body larger than ${maxBodyBytes} bytes`);
        return;
      }
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
      const response = await fetch(new Request(url, { method, headers, body, signal: abort.signal }));
      await writeWebResponse(response, res);
    })().catch((error: unknown) => {
      if (!res.headersSent) writeJsonRpcError(res, 500, -32603, `Internal error: ${String(error)}`);
      else res.destroy();
    });
  };
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
