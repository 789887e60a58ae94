// Tasks (the io.modelcontextprotocol/tasks extension, SEP-2663) through the
// real gateway over HTTP, in front of the SDK v2 conformance fixture (which
// runs tasks), the SDK v1 one (2025-11-25 tasks, bridged: see
// tasks-legacy-backend.test.ts) and a plain SDK v1 backend (no tasks): the
// extension advertised only where a backend offers it; creation, polling, input, cancellation
// relayed under gateway task ids bound to their backend and endpoint; a
// 2025-11-25 client's tasks bridged to the 2026 backend; every task method
// audited; policies decided at creation.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { startConformanceHttp } from '@gatehouse/testing/backends/conformance-server';
import { startConformanceV2Http } from '@gatehouse/testing/backends/conformance-v2-server';
import { startV1BackendHttp } from '@gatehouse/testing/backends/v1-server';
import type { RunningBackend } from '@gatehouse/testing/backends/node-http';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { gatewayConfig, httpBackend } from '../fixtures/gateway-config.ts';
import { initializeLegacy, modernMeta, post, type RawResponse } from '../fixtures/raw-http.ts';
import { TASKS_EXTENSION } from '../../src/tasks/tasks-extension.ts';
import { messageOf, readEvents } from '../fixtures/sse.ts';

let v1: RunningBackend;
let v2: RunningBackend;
let plain: RunningBackend;
let gateway: RunningGateway;
let base: string;
let directory: string;

const endpointOf = (backend: 'v1' | 'v2' | 'v2open' | 'plain') => `${base}/servers/${backend}/mcp`;
const withTasks = { 'io.modelcontextprotocol/clientCapabilities': { elicitation: {}, extensions: { [TASKS_EXTENSION]: {} } } };

/** A 2026-07-28 request, declaring the tasks extension unless told not to; task methods carry Mcp-Name = taskId. */
function request(id: number, method: string, params: Record<string, unknown>, options: { declares?: boolean; mcpName?: string } = {}) {
  const headers: Record<string, string> = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': method };
  const name = options.mcpName ?? (typeof params.taskId === 'string' ? params.taskId : typeof params.name === 'string' ? params.name : undefined);
  if (name !== undefined) headers['mcp-name'] = name;
  return { body: { jsonrpc: '2.0', id, method, params: { ...params, _meta: modernMeta(options.declares === false ? {} : withTasks) } }, headers };
}

async function send(endpoint: string, id: number, method: string, params: Record<string, unknown>, options: { declares?: boolean; mcpName?: string } = {}): Promise<RawResponse> {
  const built = request(id, method, params, options);
  return post(endpoint, built.body, built.headers);
}

async function pollUntil(endpoint: string, taskId: string, statuses: string[]): Promise<Record<string, any>> {
  const deadline = Date.now() + 10_000;
  for (let id = 1000; Date.now() < deadline; id += 1) {
    const response = await send(endpoint, id, 'tasks/get', { taskId });
    assert.equal(response.status, 200, response.text);
    if (statuses.includes(response.body.result.status)) return response.body.result;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`task ${taskId} never reached ${statuses.join(' or ')}`);
}

before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'gatehouse-tasks-e2e-'));
  v1 = await startConformanceHttp({ port: 0, host: '127.0.0.1' });
  plain = await startV1BackendHttp({ port: 0, host: '127.0.0.1' });
  v2 = await startConformanceV2Http({ port: 0, host: '127.0.0.1' });
  const config = gatewayConfig([httpBackend('v1', v1.url), httpBackend('plain', plain.url), httpBackend('v2', v2.url), httpBackend('v2open', v2.url)]);
  config.audit = { backend: undefined, retentionDays: undefined, raw: { store: 'sqlite', path: join(directory, 'audit.db'), sqlite_synchronous: 'normal' } };
  // Denied at creation on one endpoint, allowed on the other: the same backend process behind both.
  config.policies = [{ name: 'no_failing_jobs', type: 'tool_access', settings: { rules: [{ backends: ['v2'], deny: ['failing_job'] }] } }];
  gateway = await startGateway(config, { logger: silentLogger, hasAdmin: false, configPath: join(directory, 'gatehouse.yaml') });
  base = gateway.url.replace(/\/mcp$/, '');
});

after(async () => {
  await gateway?.close();
  await Promise.allSettled([v1?.close(), v2?.close(), plain?.close()]);
  await rm(directory, { recursive: true, force: true });
});

describe('the tasks extension is advertised where a backend runs tasks', () => {
  it('on the 2026 backend\'s endpoint, the 2025 tasks backend\'s (bridged) and /mcp, not on a backend without tasks', async () => {
    const onV2 = await send(endpointOf('v2'), 1, 'server/discover', {});
    assert.deepEqual(onV2.body.result.capabilities.extensions, { [TASKS_EXTENSION]: {} }, onV2.text);
    assert.equal(onV2.body.result.capabilities.tasks, undefined, 'no 2025-style tasks slot for a 2026 client');
    const onV1 = await send(endpointOf('v1'), 2, 'server/discover', {});
    assert.deepEqual(onV1.body.result.capabilities.extensions, { [TASKS_EXTENSION]: {} }, onV1.text);
    assert.equal(onV1.body.result.capabilities.tasks, undefined, 'the 2025 backend\'s tasks slot is not shown to a 2026 client');
    const onPlain = await send(endpointOf('plain'), 4, 'server/discover', {});
    assert.equal(onPlain.body.result.capabilities.extensions, undefined, onPlain.text);
    const federated = await send(gateway.url, 3, 'server/discover', {});
    assert.deepEqual(federated.body.result.capabilities.extensions, { [TASKS_EXTENSION]: {} }, federated.text);
  });
});

describe('a 2026 client\'s task through the gateway', () => {
  it('is created under a gateway id that resolves at once, and completes with the inlined result', async () => {
    const created = await send(endpointOf('v2'), 10, 'tools/call', { name: 'slow_compute', arguments: { seconds: 0.3, label: 'e2e' } });
    assert.equal(created.status, 200, created.text);
    const task = created.body.result;
    assert.equal(task.resultType, 'task', created.text);
    assert.match(task.taskId, /^gt-[0-9a-f-]{36}$/, 'the gateway mints its own id');
    assert.equal(task.status, 'working');
    assert.equal(typeof task.ttlMs, 'number');

    const immediate = await send(endpointOf('v2'), 11, 'tasks/get', { taskId: task.taskId });
    assert.equal(immediate.status, 200, immediate.text);
    assert.equal(immediate.body.result.taskId, task.taskId);
    assert.equal(immediate.body.result.resultType, 'complete');

    const done = await pollUntil(endpointOf('v2'), task.taskId, ['completed']);
    assert.equal(done.taskId, task.taskId);
    assert.equal(done.result.content[0].text, 'slow_compute e2e finished after 0.3s');
  });

  it('asks for input through tasks/get and resumes after tasks/update', async () => {
    const created = await send(endpointOf('v2'), 20, 'tools/call', { name: 'confirm_delete', arguments: { filename: 'report.txt' } });
    const taskId = created.body.result.taskId as string;
    const waiting = await pollUntil(endpointOf('v2'), taskId, ['input_required']);
    assert.deepEqual(Object.keys(waiting.inputRequests), ['confirm']);
    assert.equal(waiting.inputRequests.confirm.method, 'elicitation/create');
    const updated = await send(endpointOf('v2'), 21, 'tasks/update', { taskId, inputResponses: { confirm: { action: 'accept', content: { confirm: true } } } });
    assert.equal(updated.status, 200, updated.text);
    assert.equal(updated.body.result.taskId, undefined, 'the ack carries no task envelope');
    const done = await pollUntil(endpointOf('v2'), taskId, ['completed']);
    assert.equal(done.result.content[0].text, 'Deleted report.txt');
  });

  it('is cancelled by tasks/cancel', async () => {
    const created = await send(endpointOf('v2'), 30, 'tools/call', { name: 'slow_compute', arguments: { seconds: 60, label: 'cancel-me' } });
    const taskId = created.body.result.taskId as string;
    const cancelled = await send(endpointOf('v2'), 31, 'tasks/cancel', { taskId });
    assert.equal(cancelled.status, 200, cancelled.text);
    assert.equal(cancelled.body.result.resultType, 'complete');
    assert.equal((await pollUntil(endpointOf('v2'), taskId, ['cancelled', 'completed'])).status, 'cancelled');
  });

  it('stays bound to its endpoint and to the gateway id: the backend\'s own id and another endpoint get -32602', async () => {
    const created = await send(endpointOf('v2'), 40, 'tools/call', { name: 'slow_compute', arguments: { seconds: 60, label: 'bound' } });
    const taskId = created.body.result.taskId as string;
    // The same backend process behind another endpoint: the task was not created there.
    const elsewhere = await send(endpointOf('v2open'), 41, 'tasks/get', { taskId });
    assert.equal(elsewhere.body.error?.code, -32602, elsewhere.text);
    const guessed = await send(endpointOf('v2'), 42, 'tasks/get', { taskId: 'tasks-conformance-nonexistent-12345' });
    assert.equal(guessed.body.error?.code, -32602, guessed.text);
    // /mcp reaches every backend, so the task is found there too.
    const federated = await send(gateway.url, 43, 'tasks/get', { taskId });
    assert.equal(federated.body.result?.taskId, taskId, federated.text);
    await send(endpointOf('v2'), 44, 'tasks/cancel', { taskId });
  });

  it('refuses the task methods without the extension (-32021, HTTP 400) and a mismatched Mcp-Name (-32020, HTTP 400)', async () => {
    const refused = await send(endpointOf('v2'), 50, 'tasks/get', { taskId: 'gt-anything' }, { declares: false });
    assert.equal(refused.status, 400, refused.text);
    assert.equal(refused.body.error.code, -32021);
    assert.deepEqual(refused.body.error.data.requiredCapabilities, { extensions: { [TASKS_EXTENSION]: {} } });
    const mismatched = await send(endpointOf('v2'), 51, 'tasks/get', { taskId: 'gt-one' }, { mcpName: 'gt-other' });
    assert.equal(mismatched.status, 400, mismatched.text);
    assert.equal(mismatched.body.error.code, -32020);
    const removed = await send(endpointOf('v2'), 52, 'tasks/result', { taskId: 'gt-one' });
    assert.equal(removed.body.error?.code, -32601, removed.text);
  });

  it('runs the tool synchronously for a client without the extension', async () => {
    const response = await send(endpointOf('v2'), 60, 'tools/call', { name: 'slow_compute', arguments: { seconds: 0, label: 'sync' } }, { declares: false });
    assert.equal(response.body.result.resultType, 'complete', response.text);
    assert.equal(response.body.result.taskId, undefined);
    assert.equal(response.body.result.content[0].text, 'slow_compute sync finished after 0s');
  });
});

describe('task status notifications on a subscriptions/listen stream', () => {
  it('acknowledges the caller\'s task ids only, then sends notifications/tasks under the gateway id until the task ends', async () => {
    const created = await send(endpointOf('v2'), 90, 'tools/call', { name: 'slow_compute', arguments: { seconds: 0.6, label: 'listened' } });
    const taskId = created.body.result.taskId as string;
    const listen = request(91, 'subscriptions/listen', { notifications: { taskIds: [taskId, 'gt-not-yours'] } });
    const controller = new AbortController();
    const response = await fetch(endpointOf('v2'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...listen.headers },
      body: JSON.stringify(listen.body),
      signal: controller.signal,
    });
    assert.equal(response.status, 200);
    const events = await readEvents(response, (seen) => seen.some((event) => messageOf(event)?.params?.status === 'completed'));
    controller.abort();
    const messages = events.map(messageOf).filter((message) => message !== undefined);
    assert.equal(messages[0]!.method, 'notifications/subscriptions/acknowledged');
    assert.deepEqual(messages[0]!.params.notifications, { taskIds: [taskId] }, 'an id the caller does not own is not honored');
    const statuses = messages.slice(1).map((message) => [message.method, message.params.taskId, message.params.status]);
    assert.deepEqual(statuses[0], ['notifications/tasks', taskId, 'working']);
    assert.deepEqual(statuses.at(-1), ['notifications/tasks', taskId, 'completed']);
    const completed = messages.at(-1)!;
    assert.equal(completed.params.result.content[0].text, 'slow_compute listened finished after 0.6s', 'the full task, result inlined');
    assert.equal(completed.params._meta['io.modelcontextprotocol/subscriptionId'], 91);
  });
});

describe('policies decide at the task\'s creation', () => {
  it('a denied tool creates no task; the same tool on an endpoint the rule does not cover does', async () => {
    const denied = await send(endpointOf('v2'), 70, 'tools/call', { name: 'failing_job', arguments: {} });
    assert.equal(denied.body.result.isError, true, denied.text);
    assert.equal(denied.body.result.taskId, undefined);
    const allowed = await send(endpointOf('v2open'), 71, 'tools/call', { name: 'failing_job', arguments: {} });
    assert.equal(allowed.body.result?.resultType, 'task', allowed.text);
    const done = await pollUntil(endpointOf('v2open'), allowed.body.result.taskId, ['completed']);
    assert.equal(done.result.isError, true, 'a tool error is a completed task with isError');
  });
});

describe('a 2025-11-25 client\'s tasks, bridged to the 2026 backend', () => {
  it('sees tasks in initialize, gets { task } for a task-augmented call, polls 2025 Tasks and blocks on tasks/result', async () => {
    const initialized = await post(endpointOf('v2'), { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'legacy-tasks', version: '1.0.0' } } });
    assert.deepEqual(initialized.body.result.capabilities.tasks, { cancel: {}, requests: { tools: { call: {} } } }, initialized.text);
    const sessionId = await initializeLegacy(endpointOf('v2'));
    const headers = { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' };
    const legacy = async (id: number, method: string, params: Record<string, unknown>) => {
      const response = await post(endpointOf('v2'), { jsonrpc: '2.0', id, method, params }, headers);
      return response.body ?? JSON.parse(/^data: (.*)$/m.exec(response.text)?.[1] ?? '{}');
    };

    const created = await legacy(1, 'tools/call', { name: 'slow_compute', arguments: { seconds: 0.3, label: 'legacy' }, task: { ttl: 60_000 } });
    const task = created.result?.task;
    assert.match(task?.taskId ?? '', /^gt-/, JSON.stringify(created));
    assert.equal(task.status, 'working');
    assert.equal(typeof task.ttl, 'number', 'the 2025 field name');
    assert.equal(created.result.resultType, undefined);

    const polled = await legacy(2, 'tasks/get', { taskId: task.taskId });
    assert.equal(polled.result.taskId, task.taskId);
    assert.equal(polled.result.result, undefined, 'a 2025 Task carries no payload');

    const payload = await legacy(3, 'tasks/result', { taskId: task.taskId });
    assert.equal(payload.result.content[0].text, 'slow_compute legacy finished after 0.3s', JSON.stringify(payload));
    assert.equal(payload.result._meta['io.modelcontextprotocol/related-task'].taskId, task.taskId);

    const listed = await legacy(4, 'tasks/list', {});
    assert.equal(listed.error?.code, -32601, 'the gateway does not list tasks');
  });

  it('a plain 2025 call (no task field) runs synchronously', async () => {
    const sessionId = await initializeLegacy(endpointOf('v2'));
    const response = await post(endpointOf('v2'), { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'slow_compute', arguments: { seconds: 0, label: 'plain' } } }, { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' });
    const message = response.body ?? JSON.parse(/^data: (.*)$/m.exec(response.text)?.[1] ?? '{}');
    assert.equal(message.result.content[0].text, 'slow_compute plain finished after 0s');
  });
});

describe('the audit trail of a task', () => {
  it('records the creation as the tool call and each task method as a task_operation on the task\'s backend and tool', async () => {
    const created = await send(endpointOf('v2'), 80, 'tools/call', { name: 'slow_compute', arguments: { seconds: 60, label: 'audited' } });
    const taskId = created.body.result.taskId as string;
    await send(endpointOf('v2'), 81, 'tasks/get', { taskId });
    await send(endpointOf('v2'), 82, 'tasks/cancel', { taskId });
    const database = new DatabaseSync(join(directory, 'audit.db'), { readOnly: true });
    try {
      const rows = database.prepare("SELECT op_type, server, name, status, record FROM audit_entries WHERE op_type IN ('tool_invocation', 'task_operation') ORDER BY seq").all() as Array<Record<string, string | undefined>>;
      const creation = rows.find((row) => row.op_type === 'tool_invocation' && row.status === 'success' && JSON.parse(row.record as string).operation.arguments?.label === 'audited');
      assert.ok(creation, 'the creating tools/call is audited');
      assert.equal(creation.server, 'v2');
      const operations = rows.filter((row) => row.op_type === 'task_operation' && row.server === 'v2' && row.name === 'slow_compute');
      assert.ok(operations.length >= 2, `tasks/get and tasks/cancel are audited on v2/slow_compute: ${JSON.stringify(rows.map((row) => [row.op_type, row.server, row.name]))}`);
      assert.ok(operations.every((row) => row.status === 'success'));
    } finally {
      database.close();
    }
  });
});
