// Tasks across replicas: two gateways sharing a Redis session store (a
// unique key prefix on the shared server) in front of one SDK v2 backend. A
// task created through one replica is polled, answered and cancelled
// through the other, because the task -> backend binding lives in Redis
// (tasks/redis-task-directory.ts). A gateway with the memory store, fronting
// the same backend, does not know the task: the binding is what carries it.
// The same holds for a 2025-11-25 backend's task bridged for a 2026 client
// (the SDK v1 fixture, whose task store is the process's).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { startConformanceHttp } from '@gatehouse/testing/backends/conformance-server';
import { startConformanceV2Http } from '@gatehouse/testing/backends/conformance-v2-server';
import type { RunningBackend } from '@gatehouse/testing/backends/node-http';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { gatewayConfig, httpBackend } from '../fixtures/gateway-config.ts';
import { modernMeta, post, type RawResponse } from '../fixtures/raw-http.ts';
import { SHARED_REDIS_URL, redisSkipReason, uniquePrefix } from '../fixtures/redis.ts';
import { TASKS_EXTENSION } from '../../src/tasks/tasks-extension.ts';

const skip = await redisSkipReason();
const withTasks = { 'io.modelcontextprotocol/clientCapabilities': { elicitation: {}, extensions: { [TASKS_EXTENSION]: {} } } };

function send(gateway: RunningGateway, id: number, method: string, params: Record<string, unknown>, backendName = 'v2'): Promise<RawResponse> {
  const headers: Record<string, string> = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': method };
  const name = typeof params.taskId === 'string' ? params.taskId : typeof params.name === 'string' ? params.name : undefined;
  if (name !== undefined) headers['mcp-name'] = name;
  return post(gateway.url.replace(/\/mcp$/, `/servers/${backendName}/mcp`), { jsonrpc: '2.0', id, method, params: { ...params, _meta: modernMeta(withTasks) } }, headers);
}

describe('tasks on two replicas sharing Redis', { skip }, () => {
  let backend: RunningBackend;
  let legacyBackend: RunningBackend;
  let a: RunningGateway;
  let b: RunningGateway;
  let alone: RunningGateway;
  const prefix = uniquePrefix('tasks');

  before(async () => {
    backend = await startConformanceV2Http({ port: 0, host: '127.0.0.1' });
    legacyBackend = await startConformanceHttp({ port: 0, host: '127.0.0.1' });
    const start = (id: string, store: string) => {
      const config = gatewayConfig([httpBackend('v2', backend.url), httpBackend('v1', legacyBackend.url)]);
      config.gateway.id = id;
      config.session = { ...config.session, store, keyPrefix: prefix };
      return startGateway(config, { logger: silentLogger, hasAdmin: false });
    };
    [a, b, alone] = await Promise.all([start('replica-a', SHARED_REDIS_URL), start('replica-b', SHARED_REDIS_URL), start('no-replicas', 'memory')]);
  });

  after(async () => {
    await Promise.allSettled([a?.close(), b?.close(), alone?.close()]);
    await backend?.close();
    await legacyBackend?.close();
    // The test's own keys only (its unique prefix).
    const redis = createClient({ url: SHARED_REDIS_URL });
    await redis.connect();
    for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 100 })) {
      const batch = Array.isArray(keys) ? keys : [keys];
      if (batch.length > 0) await redis.del(batch);
    }
    await redis.quit();
  });

  it('a task created on replica A is answered by replica B at once, through its input and to its result', async () => {
    const created = await send(a, 1, 'tools/call', { name: 'confirm_delete', arguments: { filename: 'shared.txt' } });
    assert.equal(created.body.result?.resultType, 'task', created.text);
    const taskId = created.body.result.taskId as string;

    // Strong consistency across replicas: the binding was in Redis before A answered.
    const immediate = await send(b, 2, 'tasks/get', { taskId });
    assert.equal(immediate.body.result?.taskId, taskId, immediate.text);

    let task = immediate.body.result;
    for (let id = 3; task.status !== 'input_required' && id < 200; id += 1) task = (await send(b, id, 'tasks/get', { taskId })).body.result;
    assert.equal(task.status, 'input_required');
    const updated = await send(b, 300, 'tasks/update', { taskId, inputResponses: { confirm: { action: 'accept', content: { confirm: true } } } });
    assert.equal(updated.status, 200, updated.text);
    for (let id = 301; task.status !== 'completed' && id < 500; id += 1) task = (await send(a, id, 'tasks/get', { taskId })).body.result;
    assert.equal(task.result.content[0].text, 'Deleted shared.txt');

    const binding = await readBinding(prefix, taskId);
    assert.equal(binding.backend, 'v2');
    assert.notEqual(binding.upstreamTaskId, taskId, 'Redis maps the gateway id to the backend\'s own');
  });

  it('a 2025 backend\'s task bridged on replica A is polled to its result and cancelled through replica B', async () => {
    const created = await send(a, 700, 'tools/call', { name: 'slow_compute', arguments: { seconds: 0.3, label: 'legacy-replicas' } }, 'v1');
    assert.equal(created.body.result?.resultType, 'task', created.text);
    const taskId = created.body.result.taskId as string;
    let task = (await send(b, 701, 'tasks/get', { taskId }, 'v1')).body.result;
    assert.equal(task?.taskId, taskId);
    for (let id = 702; task.status !== 'completed' && id < 900; id += 1) task = (await send(b, id, 'tasks/get', { taskId }, 'v1')).body.result;
    assert.equal(task.result.content[0].text, 'slow_compute legacy-replicas finished after 0.3s');
    assert.equal((await readBinding(prefix, taskId)).backendEra, 'legacy');

    const long = await send(a, 900, 'tools/call', { name: 'slow_compute', arguments: { seconds: 60, label: 'legacy-cancel' } }, 'v1');
    const cancelled = await send(b, 901, 'tasks/cancel', { taskId: long.body.result.taskId }, 'v1');
    assert.equal(cancelled.status, 200, cancelled.text);
    assert.equal((await send(a, 902, 'tasks/get', { taskId: long.body.result.taskId }, 'v1')).body.result.status, 'cancelled');
    assert.equal((await send(alone, 903, 'tasks/get', { taskId: long.body.result.taskId }, 'v1')).body.error?.code, -32602);
  });

  it('a gateway without the shared store does not know the task (-32602)', async () => {
    const created = await send(a, 600, 'tools/call', { name: 'slow_compute', arguments: { seconds: 60, label: 'replicas' } });
    const taskId = created.body.result.taskId as string;
    const unknown = await send(alone, 601, 'tasks/get', { taskId });
    assert.equal(unknown.body.error?.code, -32602, unknown.text);
    const cancelled = await send(b, 602, 'tasks/cancel', { taskId });
    assert.equal(cancelled.status, 200, cancelled.text);
  });
});

async function readBinding(prefix: string, taskId: string): Promise<Record<string, unknown>> {
  const redis = createClient({ url: SHARED_REDIS_URL });
  await redis.connect();
  try {
    const text = await redis.get(`${prefix}task:${taskId}`);
    assert.ok(text !== null, 'the binding is in Redis under the prefix');
    return JSON.parse(text) as Record<string, unknown>;
  } finally {
    await redis.quit();
  }
}
