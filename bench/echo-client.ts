// One simulated MCP client on the measured path: opens its session (2025-11-25:
// initialize + initialized; 2026-07-28: nothing to open) over a shared undici
// Pool, then sends echo tools/calls and verifies each reply.

import type { EraName } from './report.ts';
import type { Pool } from './undici.ts';
import {
  echoCallBody,
  echoCallHeaders,
  EchoMismatchError,
  findReply,
  initializeBody,
  initializedNotificationBody,
  verifyEchoReply,
} from './wire-format.ts';

export interface EchoEndpoint {
  pool: Pool;
  /** The MCP path on the pool's origin, e.g. /mcp. */
  path: string;
  /** `echo` on the backend, `bench__echo` through the gateway. */
  toolName: string;
  /** Sent on every request, e.g. `authorization` for the authenticated run. */
  extraHeaders?: Readonly<Record<string, string>>;
}

export interface EchoClient {
  /** Sends one echo call with this JSON-RPC id; rejects on any HTTP, JSON-RPC or content mismatch. */
  call(id: number): Promise<void>;
  /** Ends the 2025-era session, if the server issued one. */
  close(): Promise<void>;
}

const handshakeHeaders = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

async function post(endpoint: EchoEndpoint, headers: Record<string, string>, body: string) {
  const response = await endpoint.pool.request({ path: endpoint.path, method: 'POST', headers, body });
  const text = await response.body.text();
  return { statusCode: response.statusCode, headers: response.headers, text };
}

function expectStatus(statusCode: number, allowed: readonly number[], what: string, body: string): void {
  if (!allowed.includes(statusCode)) {
    throw new EchoMismatchError(`${what} answered HTTP ${statusCode}: ${body.slice(0, 300)}`);
  }
}

/**
 * A 2025-11-25 client initializes and keeps the `mcp-session-id` the server
 * returns; a stateless server may return none, and then calls go without it.
 */
async function openLegacySession(endpoint: EchoEndpoint, initializeId: number): Promise<string | undefined> {
  const initialize = await post(endpoint, { ...handshakeHeaders, ...endpoint.extraHeaders }, initializeBody(initializeId));
  expectStatus(initialize.statusCode, [200], 'initialize', initialize.text);
  const reply = findReply(String(initialize.headers['content-type'] ?? ''), initialize.text, initializeId);
  if (reply === undefined || reply.error !== undefined) {
    throw new EchoMismatchError(`initialize failed: ${initialize.text.slice(0, 300)}`);
  }
  const sessionId = firstHeader(initialize.headers['mcp-session-id']);
  const headers: Record<string, string> = { ...handshakeHeaders, ...endpoint.extraHeaders, 'mcp-protocol-version': '2025-11-25' };
  if (sessionId !== undefined) headers['mcp-session-id'] = sessionId;
  const initialized = await post(endpoint, headers, initializedNotificationBody);
  expectStatus(initialized.statusCode, [200, 202, 204], 'notifications/initialized', initialized.text);
  return sessionId;
}

export async function openEchoClient(endpoint: EchoEndpoint, era: EraName, nextId: () => number): Promise<EchoClient> {
  const sessionId = era === '2025-11-25' ? await openLegacySession(endpoint, nextId()) : undefined;
  // Built once: undici does not modify the headers object, and the hot path should not allocate it per call.
  const headers = { ...echoCallHeaders(era, endpoint.toolName, sessionId), ...endpoint.extraHeaders };
  return {
    async call(id) {
      const response = await post(endpoint, headers, echoCallBody(era, id, endpoint.toolName));
      expectStatus(response.statusCode, [200], 'tools/call', response.text);
      verifyEchoReply(findReply(String(response.headers['content-type'] ?? ''), response.text, id), id);
    },
    async close() {
      if (sessionId === undefined) return;
      const response = await endpoint.pool.request({ path: endpoint.path, method: 'DELETE', headers });
      await response.body.dump();
    },
  };
}
