import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { backendScripts, startHttpBackend, type HttpBackendProcess } from '../../../testing/src/backends/launch.ts';
import type { JsonRpcNotification, JsonRpcRequest } from '../../src/protocol/jsonrpc.ts';
import { META } from '../../src/protocol/revisions.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { isBackendError } from '../../src/upstream/backend.ts';
import { createHttpBackend, type HttpBackendOptions } from '../../src/upstream/http-backend.ts';
import { resultOf, textOf, waitForState } from './fixtures/backend-calls.ts';
import { sendJson, startRecordingServer } from './fixtures/recording-server.ts';
import { startStreamingV1Backend } from './fixtures/streaming-v1-server.ts';
import { getEventListeners } from 'node:events';
import { ExchangeCancellation } from '../../src/exchange/exchange-cancellation.ts';

const clientInfo = { name: 'gatehouse-test', version: '0.0.0' };

function httpBackend(url: string, overrides: Partial<HttpBackendOptions> = {}) {
  return createHttpBackend({ name: 'crm', url, timeoutMs: 5_000, clientInfo, logger: silentLogger, ...overrides });
}

describe('http backend against the SDK v2 server (2026-07-28)', () => {
  let server: HttpBackendProcess;
  before(async () => {
    server = await startHttpBackend(backendScripts.v2);
  });
  after(() => server.close());

  test('detects the modern era with server/discover and calls tools without a session', async () => {
    const backend = httpBackend(server.url);
    try {
      const handshake = await backend.connect();
      assert.equal(handshake.era, 'modern');
      assert.equal(handshake.protocolVersion, '2026-07-28');
      assert.equal(handshake.serverInfo?.name, 'v2-backend');
      assert.equal(backend.state, 'ready');
      const response = await backend.request({ method: 'tools/call', params: { name: 'multiply', arguments: { a: 6, b: 7 } } });
      assert.deepEqual(resultOf(response).structuredContent, { product: 42 });
    } finally {
      await backend.close();
    }
  });

  test('encodes a non-ASCII tool name in Mcp-Name so the backend header check passes', async () => {
    const backend = httpBackend(server.url);
    try {
      await backend.connect();
      const response = await backend.request({ method: 'tools/call', params: { name: 'échø', arguments: {} } });
      // An unknown tool, not a -32020 HeaderMismatch: the header matched the body.
      const outcome = JSON.stringify(response);
      assert.doesNotMatch(outcome, /-32020|[Hh]eader/);
      assert.match(outcome, /échø/);
    } finally {
      await backend.close();
    }
  });

  test('rejects with backend_timeout when the backend is slower than the call timeout', async () => {
    const backend = httpBackend(server.url);
    try {
      await backend.connect();
      const started = Date.now();
      await assert.rejects(backend.request({ method: 'tools/call', params: { name: 'slow', arguments: { ms: 3_000 } }, timeoutMs: 200 }), (error) => {
        assert.ok(isBackendError(error));
        assert.equal(error.code, 'backend_timeout');
        assert.match(error.message, /did not answer tools\/call within 200 ms/);
        return true;
      });
      assert.ok(Date.now() - started < 2_000);
    } finally {
      await backend.close();
    }
  });

  test('rejects in-flight requests with backend_closed when the backend is closed', async () => {
    const backend = httpBackend(server.url);
    await backend.connect();
    const pending = backend.request({ method: 'tools/call', params: { name: 'slow', arguments: { ms: 3_000 } } });
    setTimeout(() => void backend.close(), 50);
    await assert.rejects(pending, (error) => isBackendError(error) && error.code === 'backend_closed');
    assert.equal(backend.state, 'closed');
  });

  test("rejects with the caller's reason when the caller's signal aborts", async () => {
    const backend = httpBackend(server.url);
    try {
      await backend.connect();
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('client went away')), 100);
      await assert.rejects(
        backend.request({ method: 'tools/call', params: { name: 'slow', arguments: { ms: 3_000 } }, signal: controller.signal }),
        /client went away/,
      );
    } finally {
      await backend.close();
    }
  });

  test("rejects with the reason when the caller's exchange is cancelled, with no 'abort' listener on its signal", async () => {
    const backend = httpBackend(server.url);
    try {
      await backend.connect();
      const cancellation = new ExchangeCancellation();
      const pending = backend.request({ method: 'tools/call', params: { name: 'slow', arguments: { ms: 3_000 } }, signal: cancellation.signal, cancellation });
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(getEventListeners(cancellation.signal, 'abort').length, 0);
      cancellation.cancel(new Error('client cancelled'));
      await assert.rejects(pending, /client cancelled/);
    } finally {
      await backend.close();
    }
  });
});

describe('http backend against the SDK v1 server (2025-11-25 only)', () => {
  test('falls back to initialize and sends the session id on later requests', async () => {
    const server = await startHttpBackend(backendScripts.v1);
    const backend = httpBackend(server.url);
    try {
      const handshake = await backend.connect();
      assert.equal(handshake.era, 'legacy');
      assert.equal(handshake.protocolVersion, '2025-11-25');
      assert.equal(handshake.serverInfo?.name, 'v1-backend');
      const first = await backend.request({ method: 'tools/call', params: { name: 'add', arguments: { a: 2, b: 3 } } });
      const second = await backend.request({ method: 'tools/call', params: { name: 'echo', arguments: { message: 'again' } } });
      assert.deepEqual(resultOf(first).structuredContent, { sum: 5 });
      assert.equal(textOf(second), 'again');
    } finally {
      await backend.close();
      await server.close();
    }
  });

  test('re-initializes once and retries when the backend forgets the session', async () => {
    const first = await startHttpBackend(backendScripts.v1);
    const port = new URL(first.url).port;
    const backend = httpBackend(first.url);
    let second: HttpBackendProcess | undefined;
    try {
      await backend.connect();
      assert.equal(textOf(await backend.request({ method: 'tools/call', params: { name: 'echo', arguments: { message: 'one' } } })), 'one');
      await first.close();
      second = await startHttpBackend(backendScripts.v1, ['--port', port]);
      const renewed = waitForState(backend, 'ready', 5_000);
      const response = await backend.request({ method: 'tools/call', params: { name: 'echo', arguments: { message: 'two' } } });
      assert.equal(textOf(response), 'two');
      await renewed;
    } finally {
      await backend.close();
      await first.close();
      await second?.close();
    }
  });
});

describe('http backend with SSE responses and the legacy GET stream', () => {
  let server: Awaited<ReturnType<typeof startStreamingV1Backend>>;
  before(async () => {
    server = await startStreamingV1Backend();
  });
  after(() => server.close());

  test('delivers progress notifications that precede the response, then resolves with it', async () => {
    const backend = httpBackend(server.url);
    try {
      await backend.connect();
      const related: Array<JsonRpcNotification | JsonRpcRequest> = [];
      const response = await backend.request({
        method: 'tools/call',
        params: { name: 'progress', arguments: {}, _meta: { progressToken: 'p-1' } },
        onRelatedMessage: (message) => void related.push(message),
      });
      assert.equal(textOf(response), 'finished');
      assert.deepEqual(related.map((message) => [message.method, message.params?.progress, message.params?.progressToken]), [
        ['notifications/progress', 1, 'p-1'],
        ['notifications/progress', 2, 'p-1'],
      ]);
    } finally {
      await backend.close();
    }
  });

  test('answers ping and refuses other server requests when the call has no one to relay them to', async () => {
    const backend = httpBackend(server.url);
    try {
      await backend.connect();
      const answer = JSON.parse(textOf(await backend.request({ method: 'tools/call', params: { name: 'ask', arguments: {} } })));
      assert.deepEqual(answer.ping, {});
      assert.match(answer.refusal, /refused by the gateway: it names no call of a client/);
    } finally {
      await backend.close();
    }
  });

  test('delivers unsolicited notifications from the GET stream to listeners', async () => {
    const backend = httpBackend(server.url);
    try {
      await backend.connect();
      const received = new Promise<JsonRpcNotification>((resolve) => backend.onNotification(resolve));
      // The GET stream opens asynchronously after initialize; until it is up the SDK drops the notification.
      const deadline = Date.now() + 5_000;
      let notification: JsonRpcNotification | undefined;
      while (notification === undefined && Date.now() < deadline) {
        await backend.request({ method: 'tools/call', params: { name: 'announce', arguments: {} } });
        notification = await Promise.race([received, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 200))]);
      }
      assert.equal(notification?.method, 'notifications/tools/list_changed');
    } finally {
      await backend.close();
    }
  });
});

describe('http backend wire details', () => {
  test('sends the 2026-07-28 envelope and headers and keeps the caller _meta', async () => {
    const recording = await startRecordingServer((request, res) => {
      if (request.body.method === 'server/discover') {
        sendJson(res, 200, { jsonrpc: '2.0', id: request.body.id, result: { supportedVersions: ['2026-07-28'], capabilities: { tools: {} } } });
        return;
      }
      sendJson(res, 200, { jsonrpc: '2.0', id: request.body.id, result: { content: [] } });
    });
    const backend = httpBackend(recording.url, { headers: { Authorization: 'Bearer secret' } });
    try {
      await backend.connect();
      await backend.request({
        method: 'tools/call',
        params: { name: 'get weather ☀', arguments: { city: 'Oslo' }, _meta: { progressToken: 7 } },
        headers: { 'Mcp-Param-City': 'Oslo' },
        clientCapabilities: { sampling: {} },
      });
      const [discover, call] = recording.requests;
      assert.equal(discover?.headers['mcp-method'], 'server/discover');
      assert.equal(discover?.headers['mcp-protocol-version'], '2026-07-28');
      assert.equal(discover?.body.params._meta[META.protocolVersion], '2026-07-28');
      assert.equal(call?.headers['mcp-method'], 'tools/call');
      assert.equal(call?.headers['mcp-name'], `=?base64?${Buffer.from('get weather ☀').toString('base64')}?=`);
      assert.equal(call?.headers['mcp-param-city'], 'Oslo');
      assert.equal(call?.headers.authorization, 'Bearer secret');
      assert.equal(call?.headers.accept, 'application/json, text/event-stream');
      assert.deepEqual(call?.body.params._meta, {
        progressToken: 7,
        [META.protocolVersion]: '2026-07-28',
        [META.clientInfo]: clientInfo,
        [META.clientCapabilities]: { sampling: {} },
      });
      assert.deepEqual(call?.body.params.arguments, { city: 'Oslo' });
    } finally {
      await backend.close();
      await recording.close();
    }
  });

  test("returns the backend's JSON-RPC error even when it comes with an HTTP error status", async () => {
    const recording = await startRecordingServer((request, res) => {
      if (request.body.method === 'server/discover') {
        sendJson(res, 200, { jsonrpc: '2.0', id: request.body.id, result: { supportedVersions: ['2026-07-28'], capabilities: {} } });
        return;
      }
      sendJson(res, 404, { jsonrpc: '2.0', id: request.body.id, error: { code: -32601, message: 'Method not found' } });
    });
    const backend = httpBackend(recording.url);
    try {
      await backend.connect();
      const response = await backend.request({ method: 'nothing/here' });
      assert.ok('error' in response);
      assert.equal(response.error.code, -32601);
    } finally {
      await backend.close();
      await recording.close();
    }
  });

  test('ends a legacy session with DELETE on close', async () => {
    const recording = await startRecordingServer((request, res) => {
      if (request.method === 'GET') return void sendJson(res, 405, { jsonrpc: '2.0', id: null, error: { code: -32000, message: 'no GET' } });
      if (request.method === 'DELETE') return void res.writeHead(200).end();
      if (request.body.method === 'server/discover') {
        return void sendJson(res, 400, { jsonrpc: '2.0', id: null, error: { code: -32000, message: 'Bad Request: Server not initialized' } });
      }
      if (request.body.method === 'initialize') {
        return void sendJson(res, 200, { jsonrpc: '2.0', id: request.body.id, result: { protocolVersion: '2025-06-18', capabilities: {}, serverInfo: { name: 'old', version: '1' } } }, { 'mcp-session-id': 'session-42' });
      }
      res.writeHead(202).end();
    });
    const backend = httpBackend(recording.url);
    try {
      const handshake = await backend.connect();
      assert.equal(handshake.protocolVersion, '2025-06-18');
      await backend.close();
      const deletion = recording.requests.find((request) => request.method === 'DELETE');
      assert.equal(deletion?.headers['mcp-session-id'], 'session-42');
      const initialized = recording.requests.find((request) => request.body?.method === 'notifications/initialized');
      assert.equal(initialized?.headers['mcp-session-id'], 'session-42');
      assert.equal(initialized?.headers['mcp-protocol-version'], '2025-06-18');
    } finally {
      await backend.close();
      await recording.close();
    }
  });
});

describe('http backend legacy session expiry on the wire', () => {
  test('re-initializes after a 404 for its session and retries the request once with the new session', async () => {
    let sessions = 0;
    let isFirstCall = true;
    const recording = await startRecordingServer((request, res) => {
      if (request.method === 'GET') return void sendJson(res, 405, { jsonrpc: '2.0', id: null, error: { code: -32000, message: 'no GET' } });
      if (request.method === 'DELETE') return void res.writeHead(200).end();
      const { method, id } = request.body;
      if (method === 'server/discover') return void res.writeHead(400).end();
      if (method === 'initialize') {
        sessions++;
        return void sendJson(res, 200, { jsonrpc: '2.0', id, result: { protocolVersion: '2025-11-25', capabilities: {} } }, { 'mcp-session-id': `session-${sessions}` });
      }
      if (id === undefined) return void res.writeHead(202).end();
      if (isFirstCall) {
        isFirstCall = false;
        return void sendJson(res, 404, { jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } });
      }
      sendJson(res, 200, { jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: 'ok' }] } });
    });
    const backend = httpBackend(recording.url);
    try {
      await backend.connect();
      const response = await backend.request({ method: 'tools/call', params: { name: 'echo', arguments: {} } });
      assert.equal(textOf(response), 'ok');
      const posts = recording.requests.filter((request) => request.method === 'POST' && request.body.method !== 'server/discover');
      assert.deepEqual(posts.map((request) => [request.body.method, request.headers['mcp-session-id']]), [
        ['initialize', undefined],
        ['notifications/initialized', 'session-1'],
        ['tools/call', 'session-1'],
        ['initialize', undefined],
        ['notifications/initialized', 'session-2'],
        ['tools/call', 'session-2'],
      ]);
    } finally {
      await backend.close();
      await recording.close();
    }
  });
});

describe('http backend that cannot be reached', () => {
  test('names the backend and its url when the connection is refused', async () => {
    const backend = httpBackend('http://127.0.0.1:9/mcp');
    try {
      await assert.rejects(backend.connect(), (error) => {
        assert.ok(isBackendError(error));
        assert.equal(error.code, 'backend_unavailable');
        assert.equal(error.message, 'Backend "crm" is unreachable at http://127.0.0.1:9/mcp (ECONNREFUSED); other backends are unaffected; retry later');
        return true;
      });
      assert.equal(backend.state, 'down');
    } finally {
      await backend.close();
    }
  });

  test('fails fast while down instead of trying again on every request', async () => {
    const backend = httpBackend('http://127.0.0.1:9/mcp');
    try {
      await backend.connect().catch(() => undefined);
      await assert.rejects(backend.request({ method: 'tools/list' }), (error) => {
        assert.ok(isBackendError(error));
        assert.equal(error.code, 'backend_unavailable');
        assert.match(error.message, /is down .*ECONNREFUSED/);
        return true;
      });
    } finally {
      await backend.close();
    }
  });
});
