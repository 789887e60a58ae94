// Two gateway replicas sharing one Redis (sessions, event logs, the replica
// bus), each with its own stdio backend child: any replica serves any
// message of any session, a call stream resumes on the other replica in
// order and once, a notification reaches the GET stream wherever it is
// connected, a client's answer reaches the replica that asked, a DELETE on
// one ends the session on both, and a 2026 client's retry of a call held by
// one replica is forwarded to it from the other (or gets "gone" once that
// replica has stopped).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startAll } from '@gatehouse/testing/start-all';
import { backendScripts, stdioCommand } from '@gatehouse/testing/backends/launch';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { gatewayConfig, stdioBackend } from '../fixtures/gateway-config.ts';
import { initializeLegacy, modernRequest, post } from '../fixtures/raw-http.ts';
import { SHARED_REDIS_URL, redisSkipReason, uniquePrefix } from '../fixtures/redis.ts';
import { messageOf, progressOf, readEvents } from '../fixtures/sse.ts';

const skip = await redisSkipReason();

describe('two replicas sharing sessions through Redis', { skip }, () => {
  let a: RunningGateway;
  let b: RunningGateway;
  let isAClosed = false;

  before(async () => {
    // One sealing key for both replicas, as a deployment sets it (docs/scale-out.md).
    process.env.GATEHOUSE_STATE_SECRET = 'ab'.repeat(32);
    const prefix = uniquePrefix('replicas');
    const v1 = stdioCommand(backendScripts.v1);
    const start = (id: string) => {
      const config = gatewayConfig([stdioBackend('crm', v1.command, v1.args)]);
      config.gateway.id = id;
      config.session = { ...config.session, store: SHARED_REDIS_URL, keyPrefix: prefix };
      return startGateway(config, { logger: silentLogger, hasAdmin: false });
    };
    [a, b] = (await startAll([start('replica-a'), start('replica-b')], (gateway) => gateway.close())) as [RunningGateway, RunningGateway];
  });
  after(async () => {
    await Promise.all([isAClosed ? undefined : a?.close(), b?.close()]);
  });

  const headersFor = (session: string) => ({ 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' });

  it('serves a session initialized on one replica from the other, and a DELETE on one ends it on both', async () => {
    const session = await initializeLegacy(a.url);
    const echoed = await post(b.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'crm__echo', arguments: { message: 'from b' } } }, headersFor(session));
    assert.equal(echoed.status, 200);
    assert.equal(echoed.body.result.content[0].text, 'from b');
    assert.equal((await post(a.url, { jsonrpc: '2.0', id: 2, method: 'ping' }, headersFor(session))).status, 200);
    const deleted = await fetch(b.url, { method: 'DELETE', headers: headersFor(session) });
    assert.equal(deleted.status, 200);
    assert.equal((await post(a.url, { jsonrpc: '2.0', id: 3, method: 'ping' }, headersFor(session))).status, 404);
  });

  it('resumes a call stream on the other replica: what it missed, in order and once, then the result', async () => {
    const session = await initializeLegacy(a.url);
    const controller = new AbortController();
    const call = await fetch(a.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headersFor(session) },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'crm__count', arguments: { n: 40 }, _meta: { progressToken: 'p1' } } }),
      signal: controller.signal,
    });
    const seen = await readEvents(call, (events) => events.filter((event) => progressOf(event) !== undefined).length >= 3);
    controller.abort();
    const resumed = await fetch(b.url, { headers: { accept: 'text/event-stream', ...headersFor(session), 'last-event-id': seen.at(-1)!.id! } });
    assert.equal(resumed.status, 200);
    const rest = await readEvents(resumed, (events) => events.some((event) => event.data.includes('"id":7')));
    const progress = [...seen, ...rest].map(progressOf).filter((value): value is number => value !== undefined);
    assert.deepEqual(progress, Array.from({ length: 40 }, (_, index) => index + 1), 'every step once, in order');
    assert.match(messageOf(rest.at(-1)!)!.result.content[0].text, /counted to 40/);
  });

  it('delivers a resource update from one replica to the GET stream connected to the other', async () => {
    const session = await initializeLegacy(a.url);
    const controller = new AbortController();
    const stream = await fetch(b.url, { headers: { accept: 'text/event-stream', ...headersFor(session) }, signal: controller.signal });
    assert.equal(stream.status, 200);
    const updates = readEvents(stream, (events) => events.some((event) => messageOf(event)?.method === 'notifications/resources/updated'));
    assert.equal((await post(a.url, { jsonrpc: '2.0', id: 1, method: 'resources/subscribe', params: { uri: 'test://v1/counter' } }, headersFor(session))).status, 200);
    // The stream on b follows Redis from its first byte; give its subscription a moment before the update.
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal((await post(a.url, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'crm__touch_resource', arguments: {} } }, headersFor(session))).status, 200);
    const received = await updates;
    controller.abort();
    const update = received.map(messageOf).find((message) => message?.method === 'notifications/resources/updated');
    assert.equal(update?.params.uri, 'test://v1/counter');
    assert.ok(received.at(-1)!.id?.startsWith('g'), 'GET stream events carry resumable ids');
  });

  it("relays a client's answer posted to the other replica to the replica that asked", async () => {
    const session = await (async () => {
      const response = await post(a.url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: { elicitation: { form: {} } }, clientInfo: { name: 'answer-test', version: '1' } } });
      const id = response.headers.get('mcp-session-id')!;
      await post(a.url, { jsonrpc: '2.0', method: 'notifications/initialized' }, headersFor(id));
      return id;
    })();
    const call = await fetch(a.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headersFor(session) },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'crm__ask_name', arguments: {} } }),
    });
    const events: Array<Record<string, any> | undefined> = [];
    const finished = readEvents(call, (read) => {
      const message = messageOf(read.at(-1)!);
      events.push(message);
      if (message?.method === 'elicitation/create') {
        void post(b.url, { jsonrpc: '2.0', id: message.id, result: { action: 'accept', content: { name: 'Ada' } } }, headersFor(session));
      }
      return message?.id === 9;
    });
    await finished;
    assert.equal(events.at(-1)?.result.content[0].text, 'Hello, Ada');
  });

  /** A 2026 tools/call of ask_name, optionally the retry with the client's answer. */
  const askName = (id: number, retry?: { requestState: unknown; inputResponses: Record<string, unknown> }) => {
    const request = modernRequest(id, 'tools/call', { name: 'crm__ask_name', arguments: {} });
    const params = request.body.params as Record<string, any>;
    params._meta = { ...params._meta, 'io.modelcontextprotocol/clientCapabilities': { elicitation: { form: {} } } };
    if (retry !== undefined) Object.assign(params, retry);
    return request;
  };
  const answerAll = (inputRequests: Record<string, unknown>) => Object.fromEntries(Object.keys(inputRequests).map((key) => [key, { action: 'accept', content: { name: 'Ada' } }]));

  it("forwards a 2026 client's retry of a call held by one replica from the other to it", async () => {
    const opening = askName(1);
    const first = await post(a.url, opening.body, opening.headers);
    assert.equal(first.body.result.resultType, 'input_required', first.text);
    const retry = askName(2, { requestState: first.body.result.requestState, inputResponses: answerAll(first.body.result.inputRequests) });
    const done = await post(b.url, retry.body, retry.headers);
    assert.equal(done.status, 200, done.text);
    assert.equal(done.body.result.content[0].text, 'Hello, Ada');
  });

  it('answers "gone" to a retry whose replica has stopped, so the client starts again', async () => {
    const opening = askName(3);
    const first = await post(a.url, opening.body, opening.headers);
    assert.equal(first.body.result.resultType, 'input_required', first.text);
    isAClosed = true;
    await a.close();
    const retry = askName(4, { requestState: first.body.result.requestState, inputResponses: answerAll(first.body.result.inputRequests) });
    const gone = await post(b.url, retry.body, retry.headers);
    assert.equal(gone.body.error.code, -32602, gone.text);
    assert.match(gone.body.error.message, /gone/);
  });
});
