// Listening and closing for the gateway's node:http servers (the MCP
// endpoint and the admin listener), and the host as it appears in a URL.

import type { Server } from 'node:http';

/** Resolves once listening; rejects with the bind error (EADDRINUSE, EACCES) instead of emitting it. */
export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Stops accepting and drops idle keep-alive connections, so close resolves without waiting for clients. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** An IPv6 literal in brackets, as a URL authority needs it. */
export function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
