// The server-to-client scenarios every client/backend pairing must pass, as
// node:test cases: elicitation (form, URL), sampling, roots, progress,
// logging, cancellation, resource updates and list changes. Call it inside a
// describe() with a way to connect; the backend tests run it against each
// backend directly, the gateway's tests through the gateway.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, it } from 'node:test';

import type { InteractiveClient } from './interactive-client.ts';
import type { ElicitationAnswer, InteractiveHandlers } from './interactive-handlers.ts';
import { recordProgress } from './progress-recorder.ts';

export interface InteractiveScenarioOptions {
  /** Connects a new client with these handlers to the backend (or gateway) under test. */
  connect(handlers: InteractiveHandlers): Promise<InteractiveClient>;
  /** The backend's counter resource: test://v1/counter or test://v2/counter. */
  counterUri: string;
  /** The name a client calls a backend tool by; the gateway prefixes it (`v1__ask_name`). Default: unchanged. */
  toolName?: (name: string) => string;
  /** Whether two connect() calls reach the same backend process (HTTP: yes; stdio: a process each). */
  sharesBackend: boolean;
}

const roots = [
  { uri: 'file:///work/project', name: 'project' },
  { uri: 'file:///work/data', name: 'data' },
];

/** Polls `read` until `isDone` holds; for effects another connection observes with a short delay. */
async function eventually<T>(read: () => Promise<T>, isDone: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (isDone(value) || performance.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export function describeInteractiveScenarios(options: InteractiveScenarioOptions): void {
  const tool = options.toolName ?? ((name: string) => name);
  let formAnswer: ElicitationAnswer = { action: 'accept', content: { name: 'Ada' } };
  let urlAnswer: ElicitationAnswer = { action: 'accept' };
  const handlers: InteractiveHandlers = {
    elicitForm: () => formAnswer,
    elicitUrl: () => urlAnswer,
    sampling: (request) => {
      const first = request.messages[0]?.content as { text?: string } | undefined;
      return { text: `summary of: ${first?.text ?? ''}`, model: 'scenario-model' };
    },
    roots: () => roots,
  };
  let client: InteractiveClient;
  const extraClients: InteractiveClient[] = [];

  before(async () => {
    client = await options.connect(handlers);
  });
  after(async () => {
    await Promise.allSettled([client?.close(), ...extraClients.map((extra) => extra.close())]);
  });

  async function connectExtra(extraHandlers: InteractiveHandlers): Promise<InteractiveClient> {
    const extra = await options.connect(extraHandlers);
    extraClients.push(extra);
    return extra;
  }

  it('completes a tool call with the name given in a form elicitation', async () => {
    formAnswer = { action: 'accept', content: { name: 'Ada' } };
    const before = client.requests.length;
    const outcome = await client.callTool(tool('ask_name'));
    assert.equal(outcome.text, 'Hello, Ada');
    const asked = client.requests.slice(before);
    assert.equal(asked.length, 1);
    assert.equal(asked[0]?.method, 'elicitation/create');
    assert.equal((asked[0]?.params as { message: string }).message, 'What is your name?');
  });

  it('tells the tool when the user declines or cancels a form elicitation', async () => {
    formAnswer = { action: 'decline' };
    assert.equal((await client.callTool(tool('ask_name'))).text, 'declined');
    formAnswer = { action: 'cancel' };
    assert.equal((await client.callTool(tool('ask_name'))).text, 'cancelled');
  });

  it('completes a tool call with the action taken on a URL elicitation', async () => {
    urlAnswer = { action: 'accept' };
    const before = client.requests.length;
    const outcome = await client.callTool(tool('open_url'), { url: 'https://example.com/sign-in' });
    assert.equal(outcome.text, 'accept');
    const params = client.requests[before]?.params as { mode: string; url: string; elicitationId?: string };
    assert.equal(params.mode, 'url');
    assert.equal(params.url, 'https://example.com/sign-in');
    // 2025-11-25 URL mode carries an elicitationId; the 2026-07-28 embedded request has none.
    if (client.era === 'legacy') assert.equal(typeof params.elicitationId, 'string');
    else assert.equal(params.elicitationId, undefined);
    urlAnswer = { action: 'decline' };
    assert.equal((await client.callTool(tool('open_url'))).text, 'decline');
  });

  it("completes a tool call with the model's reply to a sampling request", async () => {
    const outcome = await client.callTool(tool('summarize'), { text: 'the quarterly report' });
    assert.equal(outcome.text, 'summary of: the quarterly report');
    assert.ok(client.requests.some((request) => request.method === 'sampling/createMessage'));
  });

  it("completes a tool call with the client's roots", async () => {
    const outcome = await client.callTool(tool('list_client_roots'));
    assert.equal(outcome.text, 'file:///work/project\nfile:///work/data');
  });

  it('never asks a client for a capability it did not declare', async () => {
    const bare = await connectExtra({});
    for (const [name, args] of [
      ['ask_name', {}],
      ['open_url', {}],
      ['summarize', { text: 'x' }],
      ['list_client_roots', {}],
    ] as const) {
      // A 2025 server answers an isError result; a 2026 server refuses the call (-32021) before asking.
      const outcome = await bare.callTool(tool(name), args).catch((error: unknown) => ({ text: String(error), isError: true }));
      assert.equal(outcome.isError, true, `${name} should fail without the capability`);
    }
    assert.deepEqual(bare.requests, []);
  });

  it('delivers progress notifications in order', async () => {
    const progress = recordProgress();
    const outcome = await client.callTool(tool('count'), { n: 5 }, { onprogress: progress.onprogress });
    assert.equal(outcome.text, 'counted to 5');
    assert.deepEqual(
      progress.updates.map((update) => [update.progress, update.total]),
      [
        [1, 5],
        [2, 5],
        [3, 5],
        [4, 5],
        [5, 5],
      ],
    );
  });

  it('delivers log messages at or above the level the client asked for', async () => {
    await client.setLogLevel('info');
    const start = client.notifications.entries.length;
    assert.equal((await client.callTool(tool('log_messages'))).text, 'logged');
    await client.notifications.waitFor('notifications/message', { after: start, matching: (params) => params['level'] === 'warning' });
    await client.setLogLevel('warning');
    const middle = client.notifications.entries.length;
    await client.callTool(tool('log_messages'));
    await client.notifications.waitFor('notifications/message', { after: middle, matching: (params) => params['level'] === 'warning' });
    const levels = (from: number, to?: number) =>
      client.notifications.entries
        .slice(from, to)
        .filter((entry) => entry.method === 'notifications/message')
        .map((entry) => entry.params['level']);
    assert.deepEqual(levels(start, middle), ['info', 'warning']);
    assert.deepEqual(levels(middle), ['warning']);
  });

  it('tells the backend when the client cancels a call', async () => {
    const count = async () => Number((await client.callTool(tool('cancellations'))).text);
    const before = await count();
    const controller = new AbortController();
    const waiting = client.callTool(tool('wait_for_cancel'), { ms: 30_000 }, {
      signal: controller.signal,
      // The backend reports progress 0 once it is waiting: cancel only then, so the cancel cannot overtake the call.
      onprogress: () => controller.abort(new Error('cancelled by the test')),
    });
    await assert.rejects(waiting);
    assert.equal(await eventually(count, (value) => value > before), before + 1);
  });

  it('notifies a subscriber when a resource it subscribed to changes', async () => {
    const subscription = await client.subscribe({ resources: [options.counterUri] });
    try {
      const start = client.notifications.entries.length;
      const touched = await client.callTool(tool('touch_resource'));
      const count = /count is now (\d+)/.exec(touched.text)?.[1];
      const updated = await client.notifications.waitFor('notifications/resources/updated', {
        after: start,
        matching: (params) => params['uri'] === options.counterUri,
      });
      if (client.era === 'modern') {
        const meta = updated['_meta'] as Record<string, unknown> | undefined;
        assert.equal(typeof meta?.['io.modelcontextprotocol/subscriptionId'], 'string');
      }
      assert.equal(await client.readResourceText(options.counterUri), `count: ${count}`);
    } finally {
      await subscription.close();
    }
  });

  it('tells a client that asked for it when a tool is added, and the tool works', async () => {
    const subscription = await client.subscribe({ toolsListChanged: true });
    const bystander = client.era === 'modern' && options.sharesBackend ? await connectExtra(handlers) : undefined;
    try {
      const start = client.notifications.entries.length;
      const name = `added_${randomUUID().slice(0, 8)}`;
      assert.equal((await client.callTool(tool('add_tool'), { name })).text, `added ${name}`);
      await client.notifications.waitFor('notifications/tools/list_changed', { after: start });
      assert.ok((await client.listToolNames()).includes(tool(name)));
      assert.equal((await client.callTool(tool(name))).text, name);
      // A 2026 client hears of list changes only on a listen stream that asked for them.
      if (bystander !== undefined) {
        assert.deepEqual(bystander.notifications.paramsOf('notifications/tools/list_changed'), []);
      }
    } finally {
      await subscription.close();
    }
  });
}
