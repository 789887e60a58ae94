// Serves a web-standard `(Request) => Response` on node:http (the conversion
// is fetch-listener.ts) on a port, and closes it with its connections.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchListener } from './fetch-listener.ts';

export interface RunningHttp {
  /** The base URL, e.g. http://127.0.0.1:43117 */
  origin: string;
  server: Server;
  close(): Promise<void>;
}

export async function serveFetch(fetch: (request: Request) => Promise<Response>, options: { port: number; host?: string }): Promise<RunningHttp> {
  const server = createServer(fetchListener(fetch));
  const host = options.host ?? '127.0.0.1';
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
    origin: `http://${urlHost}:${address.port}`,
    server,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
