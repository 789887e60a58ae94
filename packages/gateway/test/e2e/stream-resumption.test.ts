// A 2025 client that loses its call's SSE stream resumes it with a GET and
// `Last-Event-ID`: it gets what it missed on that stream, in order, once, and
// the call's result; losing the connection did not cancel the call.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backendScripts, stdioCommand } from '@gatehouse/testing/backends/launch';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { gatewayConfig, stdioBackend } from '../fixtures/gateway-config.ts';
import { initializeLegacy } from '../fixtures/raw-http.ts';
import { progressOf, readEvents } from '../fixtures/sse.ts';

describe('resuming a 2025 call stream with Last-Event-ID', () => {
  let gateway: RunningGateway;

  before(async () => {
    const v1 = stdioCommand(backendScripts.v1);
    gateway = await startGateway(gatewayConfig([stdioBackend('crm', v1.command, v1.args)]), { logger: silentLogger, hasAdmin: false });
  });
  after(() => gateway?.close());

  it('replays what the dropped stream missed, in order and once, then the result', async () => {
    const session = await initializeLegacy(gateway.url);
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' };
    const controller = new AbortController();
    const call = await fetch(gateway.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'crm__count', arguments: { n: 40 }, _meta: { progressToken: 'p1' } } }),
      signal: controller.signal,
    });
    assert.equal(call.headers.get('content-type'), 'text/event-stream');
    const before = await readEvents(call, (events) => events.filter((event) => progressOf(event) !== undefined).length >= 3);
    controller.abort();
    const lastSeen = before.at(-1)!;
    assert.ok(lastSeen.id !== undefined, 'every event carries an id');

    const resumed = await fetch(gateway.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': session, 'last-event-id': lastSeen.id! } });
    assert.equal(resumed.status, 200);
    const after = await readEvents(resumed, (events) => events.some((event) => event.data.includes('"id":7')));
    const progress = [...before, ...after].map(progressOf).filter((value): value is number => value !== undefined);
    assert.deepEqual(progress, Array.from({ length: 40 }, (_, index) => index + 1), 'every step once, in order');
    const final = JSON.parse(after.at(-1)!.data) as { id: number; result: { content: Array<{ text: string }> } };
    assert.equal(final.id, 7);
    assert.match(final.result.content[0]!.text, /counted to 40/);
  });
});
