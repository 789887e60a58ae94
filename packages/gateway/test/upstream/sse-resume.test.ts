// A 2025 backend that closes a call's SSE response stream before the response
// (2025-11-25 transports, "Sending Messages" 6): the gateway waits the
// server's `retry`, resumes with GET and `Last-Event-ID`, and the client's
// call completes with everything from both streams; when the resumptions
// bring nothing, the call fails after the bound with an error naming the
// backend, never a hang. Over real HTTP with the official SDK client.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { DEFAULT_RESUME_POLICY, isRefusal, resumeHeaders } from '../../src/upstream/sse-resume.ts';
import { gatewayConfig, httpBackend } from '../fixtures/gateway-config.ts';
import { connectV1, firstText } from '../fixtures/clients.ts';
import { eventually } from '../fixtures/eventually.ts';
import { startResumingServer, type ResumeBehaviour, type ResumingServer } from './fixtures/resuming-server.ts';

/** Timers may fire a millisecond or two early against performance.now(). */
const TIMER_SLACK_MS = 5;

async function gatewayFronting(behaviour: ResumeBehaviour, retryMs: number, timeoutMs = 15_000): Promise<{ backend: ResumingServer; gateway: RunningGateway }> {
  const backend = await startResumingServer(behaviour, retryMs);
  const gateway = await startGateway(
    gatewayConfig([httpBackend('polling', backend.url, { protocolVersion: '2025-11-25', timeoutMs })]),
    { logger: silentLogger, hasAdmin: false },
  );
  return { backend, gateway };
}

describe('resuming a 2025 backend response stream closed before the response', () => {
  const running: Array<{ backend: ResumingServer; gateway: RunningGateway }> = [];
  after(async () => {
    for (const { backend, gateway } of running) {
      await gateway.close();
      await backend.close();
    }
  });

  it('reconnects with GET and Last-Event-ID after the retry delay and completes the call with the progress from both streams', async () => {
    const pair = await gatewayFronting('serve-the-rest', 400);
    running.push(pair);
    const client = await connectV1(pair.gateway.url);
    try {
      const progress: number[] = [];
      const result = await client.callTool({ name: 'polling__slow', arguments: {} }, undefined, { onprogress: (update) => progress.push(update.progress), timeout: 10_000 });
      assert.equal(firstText(result), 'resumed and done');
      assert.deepEqual(progress, [1, 2]);
      assert.equal(pair.backend.gets.length, 1);
      assert.equal(pair.backend.gets[0]!.lastEventId, 'slow-2');
      const waited = pair.backend.gets[0]!.at - pair.backend.closedAt()!;
      assert.ok(waited >= 400 - TIMER_SLACK_MS, `reconnected ${waited.toFixed(0)} ms after the close; the server asked for 400`);
      assert.ok(waited < 400 + 1_000, `reconnected ${waited.toFixed(0)} ms after the close, far past the server's 400`);
    } finally {
      await client.close();
    }
  });

  it('fails the call after the bounded reconnections with an error naming the backend, not a hang', async () => {
    const pair = await gatewayFronting('end-empty', 100);
    running.push(pair);
    const client = await connectV1(pair.gateway.url);
    try {
      const started = performance.now();
      const result = await client.callTool({ name: 'polling__slow', arguments: {} }, undefined, { timeout: 10_000 });
      const elapsed = performance.now() - started;
      assert.equal(result.isError, true);
      assert.match(firstText(result), /Backend "polling" closed the response stream before answering, and resuming it with GET and Last-Event-ID failed \(3 reconnections; last: the resumed stream ended without the response\)/);
      assert.equal(pair.backend.gets.length, DEFAULT_RESUME_POLICY.maxAttempts);
      assert.ok(pair.backend.gets.every((get) => get.lastEventId === 'slow-2'), JSON.stringify(pair.backend.gets));
      assert.ok(elapsed < 5_000, `gave up after ${elapsed.toFixed(0)} ms`);
      // The same session still serves the next request.
      assert.ok((await client.listTools()).tools.some((tool) => tool.name === 'polling__slow'));
    } finally {
      await client.close();
    }
  });

  it('ends a resumption the backend holds open without the response at the call\'s deadline', async () => {
    const pair = await gatewayFronting('hold-open', 100, 1_500);
    running.push(pair);
    const client = await connectV1(pair.gateway.url);
    try {
      const started = performance.now();
      const result = await client.callTool({ name: 'polling__slow', arguments: {} }, undefined, { timeout: 10_000 });
      const elapsed = performance.now() - started;
      assert.equal(result.isError, true);
      assert.match(firstText(result), /Backend "polling" did not answer tools\/call within 1500 ms/);
      assert.equal(pair.backend.gets.length, 1);
      assert.ok(elapsed < 5_000, `the call ended after ${elapsed.toFixed(0)} ms`);
      // A 2025 server does not read a dropped stream as cancellation: it is told.
      await eventually(async () => assert.ok(pair.backend.requests.some((request) => request.body?.method === 'notifications/cancelled'), 'no notifications/cancelled reached the backend'));
    } finally {
      await client.close();
    }
  });
});

describe('the resuming GET', () => {
  it('carries the POST headers as an SSE request with the cursor, without a body type', () => {
    const headers = resumeHeaders({ 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': 's1', authorization: 'Bearer t' }, 'e-7');
    assert.deepEqual(headers, { accept: 'text/event-stream', 'mcp-session-id': 's1', authorization: 'Bearer t', 'last-event-id': 'e-7' });
  });

  const refusals: Array<[number, boolean]> = [[404, true], [405, true], [400, true], [408, false], [429, false], [500, false], [503, false]];
  for (const [status, isRefused] of refusals) {
    it(`${isRefused ? 'gives up at once on' : 'tries again after'} HTTP ${status}`, () => {
      assert.equal(isRefusal(status), isRefused);
    });
  }
});
