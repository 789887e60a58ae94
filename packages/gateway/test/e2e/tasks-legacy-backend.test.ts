// A 2026-07-28 client declaring the tasks extension driving tasks that run on a 2025-11-25 backend (the SDK v1
// conformance fixture, experimental tasks), bridged by the gateway over real
// HTTP: the gateway adds the 2025 `task` field, answers a flat
// CreateTaskResult under its own id, maps tasks/get (result, error, or the
// task's requests as inputRequests), tasks/update and tasks/cancel, and
// follows the task on a listen stream. The 2026 side is raw HTTP: the
// official SDK v2 client refuses `resultType: "task"` (it has no task
// runtime), which is what a task-creating tools/call must answer; the SDK v2
// client still checks the advertised capabilities. And an SDK v1 client's
// 2025 task on the same backend, relayed under a gateway id.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from '@modelcontextprotocol/client';
import * as z from 'zod';
import { startConformanceHttp } from '@gatehouse/testing/backends/conformance-server';
import type { RunningBackend } from '@gatehouse/testing/backends/node-http';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { gatewayConfig, httpBackend } from '../fixtures/gateway-config.ts';
import { modernMeta, post } from '../fixtures/raw-http.ts';
import { messageOf, readEvents } from '../fixtures/sse.ts';
import { TASKS_EXTENSION } from '../../src/tasks/tasks-extension.ts';

const anyResult = z.object({}).passthrough();
type Json = Record<string, any>;

let backend: RunningBackend;
let gateway: RunningGateway;
let endpoint: string;
let requestId = 0;
const withTasks = { elicitation: {}, extensions: { [TASKS_EXTENSION]: {} } };
const client = withTasks;
const plainClient = {};

/** One 2026-07-28 request with these per-request capabilities; a JSON-RPC error rejects with its code and data. */
async function call(capabilities: Json, method: string, params: Json): Promise<Json> {
  const headers: Record<string, string> = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': method };
  const name = params.taskId ?? params.name;
  if (typeof name === 'string') headers['mcp-name'] = name;
  const response = await post(endpoint, { jsonrpc: '2.0', id: ++requestId, method, params: { ...params, _meta: modernMeta({ 'io.modelcontextprotocol/clientCapabilities': capabilities }) } }, headers);
  if (response.body?.error !== undefined) throw Object.assign(new Error(response.body.error.message), { ...response.body.error, status: response.status });
  assert.equal(response.status, 200, response.text);
  return response.body.result;
}

async function pollUntil(taskId: string, isDone: (task: Json) => boolean): Promise<Json> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const task = await call(client, 'tasks/get', { taskId });
    if (isDone(task)) return task;
    if (Date.now() > deadline) throw new Error(`task ${taskId} stayed ${JSON.stringify(task)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const isEnded = (task: Json) => ['completed', 'failed', 'cancelled'].includes(task.status);

before(async () => {
  backend = await startConformanceHttp({ port: 0, host: '127.0.0.1' });
  gateway = await startGateway(gatewayConfig([httpBackend('v1', backend.url)]), { logger: silentLogger, hasAdmin: false });
  endpoint = gateway.url.replace(/\/mcp$/, '/servers/v1/mcp');
});

after(async () => {
  await gateway?.close();
  await backend?.close();
});

describe('a 2026 client\'s tasks on a 2025 backend, bridged', () => {
  it('the gateway offers the tasks extension for the backend, and not the 2025 tasks slot (SDK v2 client)', async () => {
    const sdkClient = new V2Client({ name: 'tasks-legacy-backend-test', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await sdkClient.connect(new V2Transport(new URL(endpoint)) as never);
    try {
      const capabilities = sdkClient.getServerCapabilities() as Json;
      assert.deepEqual(capabilities.extensions?.[TASKS_EXTENSION], {}, JSON.stringify(capabilities));
      assert.equal(capabilities.tasks, undefined);
    } finally {
      await sdkClient.close();
    }
  });

  it('creates a flat task under a gateway id, which resolves at once and completes with the result inlined', async () => {
    const created = await call(client, 'tools/call', { name: 'slow_compute', arguments: { seconds: 0.3, label: 'bridged' } });
    assert.equal(created.resultType, 'task', JSON.stringify(created));
    assert.match(created.taskId, /^gt-[0-9a-f-]{36}$/);
    assert.equal(created.task, undefined, 'no 2025 `task` wrapper');
    assert.ok(Number.isInteger(created.ttlMs) && Number.isInteger(created.pollIntervalMs), JSON.stringify(created));
    assert.equal('ttl' in created || 'pollInterval' in created, false, 'the 2025 field names are renamed');

    const immediate = await call(client, 'tasks/get', { taskId: created.taskId });
    assert.equal(immediate.taskId, created.taskId);
    const done = await pollUntil(created.taskId, isEnded);
    assert.equal(done.status, 'completed');
    assert.equal(done.result.content[0].text, 'slow_compute bridged finished after 0.3s');
    assert.equal(done.result._meta?.['io.modelcontextprotocol/related-task'], undefined, 'no 2025 related-task _meta on the inlined result');
  });

  it('shows the task\'s elicitation as inputRequests, and tasks/update\'s answer reaches the backend', async () => {
    const created = await call(client, 'tools/call', { name: 'confirm_delete', arguments: { filename: 'bridged.txt' } });
    const waiting = await pollUntil(created.taskId, (task) => task.status === 'input_required' || isEnded(task));
    assert.equal(waiting.status, 'input_required', JSON.stringify(waiting));
    const [key, request] = Object.entries(waiting.inputRequests as Json)[0]!;
    assert.equal(request.method, 'elicitation/create');
    assert.equal(request.params.message, 'Delete bridged.txt?');
    assert.equal(request.params._meta?.['io.modelcontextprotocol/related-task'], undefined);

    const ack = await call(client, 'tasks/update', { taskId: created.taskId, inputResponses: { [key]: { action: 'accept', content: { confirm: true } }, 'never-issued': { action: 'decline' } } });
    assert.deepEqual(Object.keys(ack).filter((field) => field !== 'resultType' && field !== '_meta'), [], 'an empty acknowledgement');
    const done = await pollUntil(created.taskId, isEnded);
    assert.equal(done.result.content[0].text, 'Deleted bridged.txt');
  });

  it('keeps a task input_required with only the unanswered key after a partial tasks/update', async () => {
    const created = await call(client, 'tools/call', { name: 'multi_input', arguments: {} });
    const both = await pollUntil(created.taskId, (task) => Object.keys(task.inputRequests ?? {}).length >= 2 || isEnded(task));
    const [first, second] = Object.keys(both.inputRequests);
    await call(client, 'tasks/update', { taskId: created.taskId, inputResponses: { [first!]: { action: 'accept', content: { confirm: true } } } });
    const partial = await call(client, 'tasks/get', { taskId: created.taskId });
    assert.equal(partial.status, 'input_required');
    assert.deepEqual(Object.keys(partial.inputRequests), [second]);
    await call(client, 'tasks/update', { taskId: created.taskId, inputResponses: { [second!]: { action: 'accept', content: { confirm: true } } } });
    assert.equal((await pollUntil(created.taskId, isEnded)).status, 'completed');
  });

  it('maps a 2025 task failed by a tool error to completed with isError, and an internal failure to failed with an error', async () => {
    const toolError = await call(client, 'tools/call', { name: 'failing_job', arguments: {} });
    const completed = await pollUntil(toolError.taskId, isEnded);
    assert.equal(completed.status, 'completed', JSON.stringify(completed));
    assert.equal(completed.result.isError, true);

    const internal = await call(client, 'tools/call', { name: 'protocol_error_job', arguments: {} });
    const failed = await pollUntil(internal.taskId, isEnded);
    assert.equal(failed.status, 'failed', JSON.stringify(failed));
    assert.equal(typeof failed.error.code, 'number');
    assert.match(failed.error.message, /internal failure as designed/);
    assert.equal(failed.result, undefined);
  });

  it('acknowledges tasks/cancel empty, on a running task and again on the ended one', async () => {
    const created = await call(client, 'tools/call', { name: 'slow_compute', arguments: { seconds: 60, label: 'cancelled' } });
    const ack = await call(client, 'tasks/cancel', { taskId: created.taskId });
    assert.equal(ack.taskId, undefined);
    assert.equal((await pollUntil(created.taskId, isEnded)).status, 'cancelled');
    const again = await call(client, 'tasks/cancel', { taskId: created.taskId });
    assert.equal(again.status, undefined, 'the 2025 backend\'s -32602 for an ended task is a 2026 acknowledgement');
  });

  it('runs a task-capable tool as an ordinary call for a client without the extension, and refuses a task-only one with -32021', async () => {
    const ordinary = await call(plainClient, 'tools/call', { name: 'slow_compute', arguments: { seconds: 0, label: 'plain' } });
    assert.equal(ordinary.taskId, undefined, JSON.stringify(ordinary));
    assert.equal(ordinary.content[0].text, 'slow_compute plain finished after 0s');
    await assert.rejects(call(plainClient, 'tools/call', { name: 'failing_job', arguments: {} }), (error: Json) => {
      assert.equal(error.code, -32021);
      assert.equal(error.status, 400);
      assert.deepEqual(error.data?.requiredCapabilities?.extensions, { [TASKS_EXTENSION]: {} });
      return true;
    });
  });

  it('does not let a sync tool become a task because a client sent the 2025 `task` field', async () => {
    const result = await call(client, 'tools/call', { name: 'greet', arguments: { name: 'legacy-hint' }, task: { ttl: 60_000 } });
    assert.equal(result.taskId, undefined);
    assert.equal(result.content[0].text, 'Hello, legacy-hint!');
  });

  it('sends notifications/tasks for the bridged task on a listen stream until it ends', async () => {
    const created = await call(client, 'tools/call', { name: 'slow_compute', arguments: { seconds: 0.6, label: 'listened' } });
    const controller = new AbortController();
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'subscriptions/listen' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'subscriptions/listen', params: { notifications: { taskIds: [created.taskId] }, _meta: modernMeta({ 'io.modelcontextprotocol/clientCapabilities': { extensions: { [TASKS_EXTENSION]: {} } } }) } }),
      signal: controller.signal,
    });
    assert.equal(response.status, 200);
    const events = await readEvents(response, (seen) => seen.some((event) => messageOf(event)?.params?.status === 'completed'));
    controller.abort();
    const messages = events.map(messageOf).filter((message) => message !== undefined);
    assert.deepEqual(messages[0]!.params.notifications, { taskIds: [created.taskId] });
    const last = messages.at(-1)!;
    assert.equal(last.method, 'notifications/tasks');
    assert.equal(last.params.taskId, created.taskId);
    assert.equal(last.params.result.content[0].text, 'slow_compute listened finished after 0.6s');
  });
});

describe('a 2025 client\'s task on the same 2025 backend, relayed', () => {
  it('is created under a gateway id and its result comes from tasks/result', async () => {
    const legacy = new V1Client({ name: 'tasks-legacy-relay-test', version: '1.0.0' });
    await legacy.connect(new V1Transport(new URL(endpoint)));
    try {
      assert.ok(legacy.getServerCapabilities()?.tasks !== undefined, 'the gateway relays the backend\'s 2025 tasks capability');
      const created = await legacy.request({ method: 'tools/call', params: { name: 'slow_compute', arguments: { seconds: 0.2, label: 'relayed' }, task: { ttl: 60_000 } } }, anyResult);
      const taskId = (created.task as Json).taskId as string;
      assert.match(taskId, /^gt-/);
      const result = await legacy.request({ method: 'tasks/result', params: { taskId } }, anyResult, { timeout: 15_000 });
      assert.equal((result.content as Json[])[0]!.text, 'slow_compute relayed finished after 0.2s');
      assert.equal((result._meta as Json)['io.modelcontextprotocol/related-task'].taskId, taskId, 'the backend\'s id is replaced by the gateway\'s');
    } finally {
      await legacy.close();
    }
  });
});
