// The bridge between node:http and a web-standard `(Request) => Response`
// MCP handler: bind a port and report the real URL, answer 404 off the MCP
// path, convert each IncomingMessage to a fetch Request and stream the
// Response back, so SSE frames reach the client as they are produced.
// http.ts builds the demo's server on it; the dev-only test backends
// (@gatehouse/testing) reuse it, never the other way round.

import { createServer, type RequestListener, type Server } from 'node:http';
import { fetchListener, maxBodyBytes, readBody, writeJsonRpcError } from '@gatehouse/server-kit/fetch-listener';
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

// The conversion itself is the server kit's; re-exported for the test backends that build on this bridge.
export { fetchListener, maxBodyBytes, readBody, writeJsonRpcError };
