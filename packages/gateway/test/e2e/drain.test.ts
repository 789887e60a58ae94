// SIGTERM under load, against the real CLI in a child process: a batch of
// SDK clients (both eras) are in the middle of a tool call that takes a
// while; the gateway is sent SIGTERM. Every call in flight completes, /readyz
// turns 503 at once, a 2025 GET stream ends with an SSE `retry:` hint, new
// work is refused, and the process exits 0 well before its drain deadline.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { backendScripts, stdioCommand } from '@gatehouse/testing/backends/launch';
import { connectV1, connectV2, firstText } from '../fixtures/clients.ts';
import { startDrainGateway, type DrainGateway } from '../fixtures/drain-gateway.ts';

const DRAIN_TIMEOUT_SECONDS = 10;
/** Long enough that SIGTERM lands while every call is at the backend, even on a busy machine. */
const CALL_MS = 1_500;
const CALLS = 8;

/** A 2025-11-25 session opened by hand, and its GET stream, whose raw text the test reads to the end. */
async function openLegacyGetStream(url: string): Promise<{ text: Promise<string> }> {
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const initialized = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
  });
  await initialized.text();
  const sessionId = initialized.headers.get('mcp-session-id');
  assert.ok(sessionId, 'initialize gave no session id');
  const session = { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' };
  await (await fetch(url, { method: 'POST', headers: { ...headers, ...session }, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })).text();
  const stream = await fetch(url, { headers: { accept: 'text/event-stream', ...session } });
  assert.equal(stream.status, 200);
  // Wrapped: an async function returning the promise itself would wait for the stream's end.
  return { text: stream.text() };
}

describe('SIGTERM under load', () => {
  let gateway: DrainGateway;

  before(async () => {
    gateway = await startDrainGateway(DRAIN_TIMEOUT_SECONDS, stdioCommand(backendScripts.v2));
  });

  after(async () => {
    await gateway?.dispose();
  });

  it('finishes every call in flight, refuses new work, closes streams with a retry hint and exits 0 before the deadline', async () => {
    const clients = await Promise.all(Array.from({ length: CALLS }, (_, index) => (index % 2 === 0 ? connectV1(gateway.url) : connectV2(gateway.url, 'auto'))));
    const getStream = await openLegacyGetStream(gateway.url);
    try {
      const calls = clients.map((client, index) =>
        client.callTool({ name: 'worker__slow', arguments: { ms: CALL_MS } }).then(
          (result) => ({ index, text: result.isError === true ? `isError: ${firstText(result)}` : firstText(result) }),
          (error: unknown) => ({ index, text: `rejected: ${String(error)}` }),
        ));
      await sleep(500);
      const signalledAt = performance.now();
      gateway.process.kill('SIGTERM');

      await sleep(100);
      const readiness = await fetch(`${gateway.adminUrl}/readyz`);
      assert.equal(readiness.status, 503, 'still ready while draining');
      assert.equal(((await readiness.json()) as { status: string }).status, 'draining');
      const late = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'late', version: '1' } } }),
      }).then((response) => ({ status: response.status, retryAfter: response.headers.get('retry-after') }), (error: unknown) => ({ status: 0, retryAfter: null, error: String(error) }));
      // A new connection finds the listener closed; one that slips in on a kept-alive connection gets 503 + Retry-After.
      assert.ok(late.status === 0 || (late.status === 503 && late.retryAfter !== null), `a new request during the drain got ${JSON.stringify(late)}`);

      const streamText = await getStream.text;
      assert.match(streamText, /(^|\n)retry: \d+\n\n$/, 'the GET stream ended without a reconnect hint');

      const outcomes = await Promise.all(calls);
      assert.deepEqual(outcomes.map((outcome) => outcome.text), outcomes.map(() => `waited ${CALL_MS} ms`), gateway.stderr());

      const exit = await gateway.exited;
      assert.equal(exit.code, 0, gateway.stderr());
      const exitAfterMs = exit.at - signalledAt;
      assert.ok(exitAfterMs < DRAIN_TIMEOUT_SECONDS * 1000, `exited ${exitAfterMs} ms after SIGTERM`);
      assert.match(gateway.stderr(), /"msg":"drained: no request in flight"/);
    } finally {
      await Promise.allSettled(clients.map((client) => client.close()));
    }
  });
});
