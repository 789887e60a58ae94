// The simulated clients of one scenario: `concurrency` echo clients sharing
// one keep-alive undici Pool with as many connections, so each closed-loop
// worker has its own connection, as separate MCP clients would.

import { type EchoClient, openEchoClient } from './echo-client.ts';
import type { EraName } from './report.ts';
import { Pool } from './undici.ts';

export interface ClientFleet {
  clients: EchoClient[];
  /** Ends the clients' sessions and closes the pool's connections. */
  close(): Promise<void>;
}

export async function openClientFleet(
  url: string,
  toolName: string,
  era: EraName,
  concurrency: number,
  nextId: () => number,
  extraHeaders?: Readonly<Record<string, string>>,
): Promise<ClientFleet> {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections: concurrency, pipelining: 1, keepAliveTimeout: 30_000 });
  const endpoint = { pool, path: target.pathname, toolName, ...(extraHeaders === undefined ? {} : { extraHeaders }) };
  try {
    const clients = await Promise.all(Array.from({ length: concurrency }, () => openEchoClient(endpoint, era, nextId)));
    return {
      clients,
      async close() {
        await Promise.allSettled(clients.map((client) => client.close()));
        await pool.close();
      },
    };
  } catch (error) {
    await pool.destroy();
    throw error;
  }
}

/** JSON-RPC ids unique across the whole run, whichever scenario or client sends them. */
export function createIdSequence(): () => number {
  let last = 0;
  return () => ++last;
}
