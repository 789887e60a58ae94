import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import type { JsonRpcNotification } from '../../src/protocol/jsonrpc.ts';
import { META } from '../../src/protocol/revisions.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { isBackendError, type Backend } from '../../src/upstream/backend.ts';
import { createHttpBackend, type HttpBackendOptions } from '../../src/upstream/http-backend.ts';
import { RESYNC_META, type SubscriptionFilter } from '../../src/upstream/rev2026/listen-filter.ts';
import { createModernListen, listenRefusal, type ListenHandlers, type OpenListen } from '../../src/upstream/rev2026/modern-listen.ts';
import { createStdioBackend, type StdioBackendOptions } from '../../src/upstream/stdio-backend.ts';
import { call, textOf, waitForState } from './fixtures/backend-calls.ts';
import { captureLogger, type LogRecord } from './fixtures/capture-logger.ts';
import { sendJson, startRecordingServer, type RecordedRequest } from './fixtures/recording-server.ts';
import { startSubscribingHttp, watchedUris, type SubscribingHttpServer } from './fixtures/subscribing-v2-server.ts';

const clientInfo = { name: 'gatehouse-test', version: '0.0.0' };
const subscribingServer = fileURLToPath(new URL('./fixtures/subscribing-v2-server.ts', import.meta.url));
const quickBackoff = { initialDelayMs: 50, maxDelayMs: 200 };
const TOOLS_CHANGED = 'notifications/tools/list_changed';
const UPDATED = 'notifications/resources/updated';

function httpBackend(url: string, overrides: Partial<HttpBackendOptions> = {}): Backend {
  return createHttpBackend({ name: 'watched', url, timeoutMs: 5_000, clientInfo, logger: silentLogger, listenBackoff: quickBackoff, ...overrides });
}

function stdioBackend(overrides: Partial<StdioBackendOptions> = {}): Backend {
  return createStdioBackend({
    // 15 s: the discover probe waits up to timeoutMs, and a Node SDK server starting on a loaded machine can take over 5 s to answer it.
    name: 'watched', command: 'node', args: [subscribingServer], timeoutMs: 15_000, clientInfo, logger: silentLogger, restart: quickBackoff, ...overrides,
  });
}

function isResync(notification: JsonRpcNotification): boolean {
  return (notification.params?._meta as Record<string, unknown> | undefined)?.[RESYNC_META] === true;
}

function isUpdateOf(uri: string) {
  return (notification: JsonRpcNotification): boolean => notification.method === UPDATED && notification.params?.uri === uri && !isResync(notification);
}

function isToolsChanged(notification: JsonRpcNotification): boolean {
  return notification.method === TOOLS_CHANGED && !isResync(notification);
}

/** Everything a backend's onNotification listeners hear, and a way to wait for one. */
function listenTo(backend: Backend) {
  const heard: JsonRpcNotification[] = [];
  const waiters: Array<{ matches: (n: JsonRpcNotification) => boolean; resolve: (n: JsonRpcNotification) => void }> = [];
  backend.onNotification((notification) => {
    heard.push(notification);
    for (const waiter of [...waiters]) {
      if (!waiter.matches(notification)) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(notification);
    }
  });
  return {
    heard,
    /** The first notification from now on that matches. */
    next(matches: (n: JsonRpcNotification) => boolean, timeoutMs = 5_000): Promise<JsonRpcNotification> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching notification within ${timeoutMs} ms; heard ${JSON.stringify(heard)}`)), timeoutMs);
        waiters.push({ matches, resolve: (n) => {
          clearTimeout(timer);
          resolve(n);
        } });
      });
    },
  };
}

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(20);
  }
}

/** The child's own count of open listens, from the stderr lines the stdio backend logs. */
function openListensReported(records: LogRecord[]): number[] {
  return records.filter((record) => record.stream === 'stderr' && record.msg.startsWith('open listens: '))
    .map((record) => Number(record.msg.slice('open listens: '.length)));
}

describe('the listen supervisor, over a scripted transport', () => {
  interface ScriptedListen {
    filter: SubscriptionFilter;
    handlers: ListenHandlers;
    isClosed: boolean;
  }

  function supervised(ackTimeoutMs = 1_000) {
    const opened: ScriptedListen[] = [];
    const delivered: JsonRpcNotification[] = [];
    const open: OpenListen = (filter, handlers) => {
      const listen: ScriptedListen = { filter, handlers, isClosed: false };
      opened.push(listen);
      return { close: () => void (listen.isClosed = true) };
    };
    const listen = createModernListen({
      backend: 'scripted', logger: silentLogger, backoff: quickBackoff, ackTimeoutMs, open, deliver: (n) => void delivered.push(n),
    });
    return { listen, opened, delivered };
  }

  const capabilities = { tools: { listChanged: true }, resources: { subscribe: true } };

  test('closes the old listen only after its replacement is acknowledged', async () => {
    const { listen, opened } = supervised();
    listen.start(capabilities);
    await waitUntil(() => opened.length === 1, 'the first listen opens');
    opened[0]!.handlers.onAcknowledged({ toolsListChanged: true });
    const replaced = listen.setResourceSubscriptions(['b://2', 'a://1']);
    await waitUntil(() => opened.length === 2, 'the replacement opens');
    assert.deepEqual(opened[1]!.filter, { toolsListChanged: true, resourceSubscriptions: ['a://1', 'b://2'] });
    assert.equal(opened[0]!.isClosed, false);
    opened[1]!.handlers.onAcknowledged(opened[1]!.filter);
    await replaced;
    assert.equal(opened[0]!.isClosed, true);
    // The same set again changes nothing.
    await listen.setResourceSubscriptions(['a://1', 'b://2']);
    assert.equal(opened.length, 2);
    listen.stop(listenRefusal('scripted', -32603, 'test over'));
  });

  test('keeps the old listen when its replacement is refused', async () => {
    const { listen, opened } = supervised();
    listen.start(capabilities);
    await waitUntil(() => opened.length === 1, 'the first listen opens');
    opened[0]!.handlers.onAcknowledged({ toolsListChanged: true });
    const replaced = listen.setResourceSubscriptions(['a://1']);
    await waitUntil(() => opened.length === 2, 'the replacement opens');
    opened[1]!.handlers.onEnded(listenRefusal('scripted', -32603, 'Subscription limit reached'));
    await assert.rejects(replaced, /refused subscriptions\/listen: -32603 Subscription limit reached/);
    assert.equal(opened[0]!.isClosed, false);
    assert.equal(listen.isListening, true);
    listen.stop(listenRefusal('scripted', -32603, 'test over'));
  });

  test('re-opens a dropped listen with backoff and announces what may have changed meanwhile', async () => {
    const { listen, opened, delivered } = supervised();
    listen.start(capabilities);
    await waitUntil(() => opened.length === 1, 'the first listen opens');
    opened[0]!.handlers.onAcknowledged({ toolsListChanged: true });
    assert.equal(delivered.length, 0);
    opened[0]!.handlers.onEnded(listenRefusal('scripted', -32603, 'dropped'));
    assert.equal(listen.isListening, false);
    await waitUntil(() => opened.length === 2, 'the listen re-opens');
    opened[1]!.handlers.onAcknowledged({ toolsListChanged: true });
    assert.deepEqual(delivered.map((n) => [n.method, isResync(n)]), [[TOOLS_CHANGED, true]]);
    opened[1]!.handlers.onNotification({ jsonrpc: '2.0', method: TOOLS_CHANGED });
    assert.equal(delivered.length, 2);
    listen.stop(listenRefusal('scripted', -32603, 'test over'));
  });

  test('does not retry a listen the backend does not serve', async () => {
    const { listen, opened } = supervised();
    listen.start(capabilities);
    await waitUntil(() => opened.length === 1, 'the first listen opens');
    opened[0]!.handlers.onEnded(listenRefusal('scripted', -32601, 'Method not found'));
    await sleep(300);
    assert.equal(opened.length, 1);
    listen.stop(listenRefusal('scripted', -32603, 'test over'));
  });

  test('holds no listen while there is nothing to listen for', async () => {
    const { listen, opened } = supervised();
    listen.start({ tools: {}, resources: { subscribe: true } });
    await sleep(50);
    assert.equal(opened.length, 0);
    const subscribed = listen.setResourceSubscriptions(['a://1']);
    await waitUntil(() => opened.length === 1, 'a listen opens for the URI');
    opened[0]!.handlers.onAcknowledged(opened[0]!.filter);
    await subscribed;
    await listen.setResourceSubscriptions([]);
    assert.equal(opened[0]!.isClosed, true);
    assert.equal(listen.isListening, false);
  });

  test('rejects a pending replacement with the reason the backend stopped', async () => {
    const { listen, opened } = supervised();
    listen.start(capabilities);
    await waitUntil(() => opened.length === 1, 'the first listen opens');
    const replaced = listen.setResourceSubscriptions(['a://1']);
    listen.stop(listenRefusal('scripted', -32603, 'the backend was closed'));
    await assert.rejects(replaced, /the backend was closed/);
    assert.equal(opened[0]!.isClosed, true);
  });
});

describe('subscriptions/listen on a 2026-07-28 HTTP backend (SDK v2 server)', () => {
  async function connected(server: SubscribingHttpServer, overrides: Partial<HttpBackendOptions> = {}) {
    const backend = httpBackend(server.url, overrides);
    const notifications = listenTo(backend);
    const handshake = await backend.connect();
    assert.equal(handshake.era, 'modern');
    await waitUntil(() => server.openListens() === 1, 'the backend listens');
    return { backend, notifications };
  }

  /** Runs `body` with a backend connected to a fresh subscribing server, then closes both, the backend first. */
  async function withConnected(body: (server: SubscribingHttpServer, connection: Awaited<ReturnType<typeof connected>>) => Promise<void>): Promise<void> {
    const server = await startSubscribingHttp();
    try {
      const connection = await connected(server);
      try {
        await body(server, connection);
      } finally {
        await connection.backend.close();
      }
    } finally {
      await server.close();
    }
  }

  test('delivers the tools list_changed of a tool added at runtime to onNotification', () =>
    withConnected(async (_server, { backend, notifications }) => {
      const changed = notifications.next(isToolsChanged);
      assert.equal(textOf(await backend.request(call('add_tool', { name: 'late' }))), 'added late');
      const notification = await changed;
      assert.equal(notification.params?._meta, undefined, 'the upstream subscription id is not passed on');
    }));

  test('after setResourceSubscriptions([x]) delivers updates of x and not of y, on one listen', () =>
    withConnected(async (server, { backend, notifications }) => {
      await backend.setResourceSubscriptions([watchedUris.x]);
      await waitUntil(() => server.openListens() === 1, 'the replaced listen is closed');
      const updated = notifications.next(isUpdateOf(watchedUris.x));
      await backend.request(call('touch', { uri: watchedUris.y }));
      await backend.request(call('touch', { uri: watchedUris.x }));
      await updated;
      assert.equal(notifications.heard.filter((n) => n.method === UPDATED && n.params?.uri === watchedUris.y).length, 0);
    }));

  test('re-opens the listen, with the same resource URIs, after the server restarts on the same port', async () => {
    let server = await startSubscribingHttp();
    const { backend, notifications } = await connected(server);
    try {
      await backend.setResourceSubscriptions([watchedUris.x]);
      const port = Number(new URL(server.url).port);
      await server.close();
      const resynced = notifications.next((n) => n.method === TOOLS_CHANGED && isResync(n));
      server = await startSubscribingHttp(port);
      await waitUntil(() => server.openListens() === 1, 'the backend listens to the restarted server');
      // What changed while the stream was down cannot be replayed, so it is announced.
      await resynced;
      const changed = notifications.next(isToolsChanged);
      const updated = notifications.next(isUpdateOf(watchedUris.x));
      await backend.request(call('add_tool', { name: 'after_restart' }));
      await backend.request(call('touch', { uri: watchedUris.x }));
      await Promise.all([changed, updated]);
    } finally {
      await backend.close();
      await server.close();
    }
  });

  test('close() leaves no listen open on the server', () =>
    withConnected(async (server, { backend }) => {
      await backend.setResourceSubscriptions([watchedUris.x, watchedUris.y]);
      await backend.close();
      await waitUntil(() => server.openListens() === 0, 'the server sees no listen');
      await assert.rejects(backend.setResourceSubscriptions([]), (error) => isBackendError(error) && error.code === 'backend_closed');
    }));
});

describe('subscriptions/listen failures and other eras over HTTP', () => {
  /** A modern backend that answers every listen with an SSE stream and never acknowledges it. */
  async function startSilentListener() {
    const streams: ServerResponse[] = [];
    const server = await startRecordingServer((request: RecordedRequest, res) => {
      const method = request.body?.method;
      if (method === 'server/discover') {
        sendJson(res, 200, { jsonrpc: '2.0', id: request.body.id, result: {
          supportedVersions: ['2026-07-28'], capabilities: { tools: { listChanged: true }, resources: { subscribe: true } },
          serverInfo: { name: 'silent', version: '1' },
        } });
        return;
      }
      if (method === 'subscriptions/listen') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(': keep-alive\n\n');
        streams.push(res);
        return;
      }
      sendJson(res, 200, { jsonrpc: '2.0', id: request.body?.id ?? null, error: { code: -32601, message: 'no' } });
    });
    return { server, streams };
  }

  test('setResourceSubscriptions rejects with backend_timeout when the backend never acknowledges', async () => {
    const { server } = await startSilentListener();
    const backend = httpBackend(server.url, { timeoutMs: 300 });
    try {
      await backend.connect();
      const started = Date.now();
      await assert.rejects(backend.setResourceSubscriptions([watchedUris.x]), (error) => {
        assert.ok(isBackendError(error));
        assert.equal(error.code, 'backend_timeout');
        assert.match(error.message, /did not acknowledge subscriptions\/listen within 300 ms/);
        return true;
      });
      assert.ok(Date.now() - started < 2_000);
      const listen = server.requests.find((r) => r.body?.method === 'subscriptions/listen' && r.body.params.notifications.resourceSubscriptions !== undefined);
      assert.deepEqual(listen?.body.params.notifications, { toolsListChanged: true, resourceSubscriptions: [watchedUris.x] });
      assert.equal(listen?.headers['mcp-method'], 'subscriptions/listen');
      assert.equal(listen?.headers['mcp-protocol-version'], '2026-07-28');
      assert.equal(listen?.body.params._meta[META.protocolVersion], '2026-07-28');
    } finally {
      await backend.close();
      await server.close();
    }
  });

  test('resolves setResourceSubscriptions at once for a 2025 backend and sends it no listen', async () => {
    const server = await startRecordingServer((request, res) => {
      const method = request.body?.method;
      if (request.method === 'GET') {
        res.writeHead(405).end();
      } else if (method === 'initialize') {
        sendJson(res, 200, { jsonrpc: '2.0', id: request.body.id, result: {
          protocolVersion: '2025-11-25', capabilities: { tools: { listChanged: true }, resources: { subscribe: true } }, serverInfo: { name: 'old', version: '1' },
        } }, { 'mcp-session-id': 'session-1' });
      } else if (request.body?.id === undefined) {
        res.writeHead(202).end();
      } else {
        sendJson(res, 400, { jsonrpc: '2.0', id: request.body.id, error: { code: -32601, message: `no ${method}` } });
      }
    });
    const backend = httpBackend(server.url);
    try {
      assert.equal((await backend.connect()).era, 'legacy');
      await backend.setResourceSubscriptions([watchedUris.x]);
      await sleep(100);
      assert.deepEqual(server.requests.filter((r) => r.body?.method === 'subscriptions/listen'), []);
    } finally {
      await backend.close();
      await server.close();
    }
  });
});

describe('subscriptions/listen on a 2026-07-28 stdio backend (SDK v2 server)', () => {
  async function connected(overrides: Partial<StdioBackendOptions> = {}) {
    const { logger, records } = captureLogger();
    const backend = stdioBackend({ logger, ...overrides });
    const notifications = listenTo(backend);
    const handshake = await backend.connect();
    assert.equal(handshake.era, 'modern');
    await waitUntil(() => openListensReported(records).at(-1) === 1, 'the child reports one open listen');
    return { backend, notifications, records };
  }

  test('delivers the tools list_changed of a tool added at runtime to onNotification', async () => {
    const { backend, notifications } = await connected();
    try {
      const changed = notifications.next(isToolsChanged);
      await backend.request(call('add_tool', { name: 'late' }));
      const notification = await changed;
      assert.equal(notification.params?._meta, undefined, 'the upstream subscription id is not passed on');
    } finally {
      await backend.close();
    }
  });

  test('after setResourceSubscriptions([x]) delivers updates of x and not of y, and cancels the old listen', async () => {
    const { backend, notifications, records } = await connected();
    try {
      await backend.setResourceSubscriptions([watchedUris.x]);
      await waitUntil(() => openListensReported(records).length >= 3, 'the child saw the old listen cancelled');
      assert.deepEqual(openListensReported(records), [1, 2, 1]);
      const updated = notifications.next(isUpdateOf(watchedUris.x));
      await backend.request(call('touch', { uri: watchedUris.y }));
      await backend.request(call('touch', { uri: watchedUris.x }));
      await updated;
      assert.equal(notifications.heard.filter((n) => n.method === UPDATED && n.params?.uri === watchedUris.y).length, 0);
    } finally {
      await backend.close();
    }
  });

  test('re-sends the listen, with the same resource URIs, after the child is killed and restarted', async () => {
    const { backend, notifications } = await connected();
    try {
      await backend.setResourceSubscriptions([watchedUris.x]);
      const pid = Number(textOf(await backend.request(call('pid'))));
      const restarted = waitForState(backend, 'ready');
      const resynced = notifications.next((n) => n.method === UPDATED && isResync(n));
      process.kill(pid, 'SIGKILL');
      await restarted;
      await resynced;
      assert.notEqual(Number(textOf(await backend.request(call('pid')))), pid);
      const changed = notifications.next(isToolsChanged);
      const updated = notifications.next(isUpdateOf(watchedUris.x));
      await backend.request(call('add_tool', { name: 'after_restart' }));
      await backend.request(call('touch', { uri: watchedUris.x }));
      await Promise.all([changed, updated]);
    } finally {
      await backend.close();
    }
  });

  test('close() cancels the listen before the child stops', async () => {
    const { backend, records } = await connected();
    await backend.setResourceSubscriptions([watchedUris.x]);
    await backend.close();
    assert.equal(openListensReported(records).at(-1), 0);
  });
});
