// A 2025 client that loses its call's SSE stream resumes it with a GET and
// `Last-Event-ID`: it gets what it missed on that stream, in order, once, and
// the call's result; losing the connection did not cancel the call. A
// `Last-Event-ID` the gateway cannot serve (bogus, another session's, a
// stream whose events are gone) is answered at once, never with a stream
// that waits forever: in memory and with the Redis event log. A call a
// draining replica gave up while its client was away leaves its shutdown
// error in the shared log, where a resume on another replica finds it.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backendScripts, stdioCommand } from '@gatehouse/testing/backends/launch';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { gatewayConfig, stdioBackend } from '../fixtures/gateway-config.ts';
import { initializeLegacy } from '../fixtures/raw-http.ts';
import { messageOf, progressOf, readEvents } from '../fixtures/sse.ts';
import { SHARED_REDIS_URL, redisSkipReason, uniquePrefix } from '../fixtures/redis.ts';
import type { GatewayConfig } from '../../src/config/schema.ts';

const RESUME_ANSWER_MS = 2_000;

function legacyHeaders(session: string): Record<string, string> {
  return { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' };
}

/** A GET resuming from `lastEventId`, which must be answered (status and whole body) within RESUME_ANSWER_MS. */
async function resume(url: string, session: string, lastEventId: string): Promise<{ status: number; contentType: string | null; text: string }> {
  const response = await fetch(url, { headers: { accept: 'text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25', 'last-event-id': lastEventId }, signal: AbortSignal.timeout(RESUME_ANSWER_MS) });
  return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
}

/** A call answered as an SSE stream (it asks for progress); returns the id of its first (priming) event once it has ended. */
async function streamedCall(url: string, session: string, id: number): Promise<string> {
  const call = await fetch(url, {
    method: 'POST',
    headers: legacyHeaders(session),
    body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'crm__count', arguments: { n: 1 }, _meta: { progressToken: `p${id}` } } }),
  });
  const events = await readEvents(call, () => false);
  assert.ok(events[0]?.id !== undefined, 'the stream starts with an event id');
  return events[0].id;
}

/** The answers every event log must give to a Last-Event-ID it does not hold. */
function unservableResumeTests(gatewayOf: () => RunningGateway): void {
  it('refuses a bogus Last-Event-ID at once with 400 and a JSON-RPC error naming it', async () => {
    const session = await initializeLegacy(gatewayOf().url);
    for (const lastEventId of ['c9zz9:3', 'not-an-event-id', 'g0:17']) {
      const answer = await resume(gatewayOf().url, session, lastEventId);
      assert.equal(answer.status, 400, `${lastEventId}: ${answer.text}`);
      const body = JSON.parse(answer.text) as { id: unknown; error: { code: number; message: string; data: { reason: string; lastEventId: string } } };
      assert.equal(body.id, null);
      assert.equal(body.error.code, -32600);
      assert.equal(body.error.data.reason, 'unknown_last_event_id');
      assert.equal(body.error.data.lastEventId, lastEventId);
      assert.match(body.error.message, /names no stream this gateway holds for this session.*send it again if repeating it is safe/);
    }
  });

  it("refuses another session's Last-Event-ID instead of replaying its stream", async () => {
    const owner = await initializeLegacy(gatewayOf().url);
    const firstEventId = await streamedCall(gatewayOf().url, owner, 3);
    const other = await initializeLegacy(gatewayOf().url);
    const answer = await resume(gatewayOf().url, other, firstEventId);
    assert.equal(answer.status, 400, answer.text);
    assert.doesNotMatch(answer.text, /counted to/);
    const own = await resume(gatewayOf().url, owner, firstEventId);
    assert.equal(own.status, 200);
    assert.match(own.text, /counted to 1/, "the owner still resumes its own stream");
  });
}

describe('resuming a 2025 call stream with Last-Event-ID', () => {
  let gateway: RunningGateway;

  before(async () => {
    const v1 = stdioCommand(backendScripts.v1);
    gateway = await startGateway(gatewayConfig([stdioBackend('crm', v1.command, v1.args)]), { logger: silentLogger, hasAdmin: false });
  });
  after(() => gateway?.close());

  unservableResumeTests(() => gateway);

  it('ends a resumed stream whose events were dropped with an error for its call, so the client stops waiting', async () => {
    const session = await initializeLegacy(gateway.url);
    const dropped = await streamedCall(gateway.url, session, 100);
    // The memory log keeps 64 streams per session; the oldest finished one goes first.
    for (let id = 101; id <= 164; id += 1) await streamedCall(gateway.url, session, id);
    const answer = await resume(gateway.url, session, dropped);
    assert.equal(answer.status, 200);
    assert.equal(answer.contentType, 'text/event-stream');
    const message = messageOf({ id: undefined, data: /^data: (.*)$/m.exec(answer.text)![1]! })!;
    assert.equal(message.id, 100);
    assert.equal(message.error.code, -32603);
    assert.equal(message.error.data.reason, 'result_not_held');
    assert.match(message.error.message, /no longer holds the result of this call.*Send it again if repeating it is safe/);
  });

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

describe('resuming with the Redis event log', async () => {
  const skip = await redisSkipReason();
  let gateway: RunningGateway;

  before(async () => {
    if (skip !== undefined) return;
    const v1 = stdioCommand(backendScripts.v1);
    const config: GatewayConfig = gatewayConfig([stdioBackend('crm', v1.command, v1.args)]);
    config.session = { ...config.session, store: SHARED_REDIS_URL, keyPrefix: uniquePrefix('resume') };
    gateway = await startGateway(config, { logger: silentLogger, hasAdmin: false });
  });
  after(() => gateway?.close());

  if (skip === undefined) unservableResumeTests(() => gateway);
  else it.skip(skip);
});

describe("a call given up by a draining replica, resumed on another", async () => {
  const skip = await redisSkipReason();
  let draining: RunningGateway;
  let other: RunningGateway;

  before(async () => {
    if (skip !== undefined) return;
    const prefix = uniquePrefix('drain-resume');
    const v1 = stdioCommand(backendScripts.v1);
    const start = (id: string) => {
      const config: GatewayConfig = gatewayConfig([stdioBackend('crm', v1.command, v1.args)]);
      config.gateway.id = id;
      config.session = { ...config.session, store: SHARED_REDIS_URL, keyPrefix: prefix };
      return startGateway(config, { logger: silentLogger, hasAdmin: false });
    };
    [draining, other] = await Promise.all([start('replica-draining'), start('replica-other')]);
  });
  after(async () => {
    await Promise.all([draining?.close(), other?.close()]);
  });

  it('finds the shutdown error for its call in the shared log, so the client knows to send it again', { skip }, async () => {
    const session = await initializeLegacy(draining.url);
    const controller = new AbortController();
    const call = await fetch(draining.url, {
      method: 'POST',
      headers: legacyHeaders(session),
      body: JSON.stringify({ jsonrpc: '2.0', id: 42, method: 'tools/call', params: { name: 'crm__wait_for_cancel', arguments: { ms: 60_000 }, _meta: { progressToken: 'w' } } }),
      signal: controller.signal,
    });
    const seen = await readEvents(call, (events) => events.some((event) => progressOf(event) !== undefined));
    controller.abort();
    // The client is away; the call still runs, and is given up at the deadline with the error logged for a resume.
    const outcome = await draining.drain(1_000);
    assert.equal(outcome.abandoned, 1);
    const resumed = await fetch(other.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25', 'last-event-id': seen.at(-1)!.id! }, signal: AbortSignal.timeout(5_000) });
    assert.equal(resumed.status, 200);
    const events = await readEvents(resumed, (list) => list.some((event) => event.data.includes('"id":42')));
    const final = messageOf(events.at(-1)!)!;
    assert.equal(final.id, 42);
    assert.equal(final.error.data.reason, 'gateway_shutting_down');
  });
});
