// A 2025-11-25 client (the official SDK v1 client) driving a task that runs
// on a 2026-07-28 backend (the SDK v2 conformance fixture), bridged by the
// gateway: the task-augmented tools/call, then tasks/result, on whose stream
// the gateway asks the client the question the task put in its
// inputRequests, and sends the answer back to the backend by tasks/update.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod';
import { startConformanceV2Http } from '@gatehouse/testing/backends/conformance-v2-server';
import type { RunningBackend } from '@gatehouse/testing/backends/node-http';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { gatewayConfig, httpBackend } from '../fixtures/gateway-config.ts';

const anyResult = z.object({}).passthrough();

describe('a 2025 SDK client\'s task on a 2026 backend, bridged', () => {
  let backend: RunningBackend;
  let gateway: RunningGateway;
  let client: V1Client;
  const asked: string[] = [];
  let answer: 'accept' | 'decline' = 'accept';

  before(async () => {
    backend = await startConformanceV2Http({ port: 0, host: '127.0.0.1' });
    gateway = await startGateway(gatewayConfig([httpBackend('v2', backend.url)]), { logger: silentLogger, hasAdmin: false });
    client = new V1Client({ name: 'legacy-tasks-test', version: '1.0.0' }, { capabilities: { elicitation: {} } });
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(String(request.params.message));
      return answer === 'accept' ? { action: 'accept', content: { confirm: true } } : { action: 'decline' };
    });
    await client.connect(new V1Transport(new URL(gateway.url.replace(/\/mcp$/, '/servers/v2/mcp'))));
  });

  after(async () => {
    await client?.close();
    await gateway?.close();
    await backend?.close();
  });

  const create = async (filename: string) => {
    const created = await client.request({ method: 'tools/call', params: { name: 'confirm_delete', arguments: { filename }, task: { ttl: 60_000 } } }, anyResult);
    const task = created.task as { taskId: string; status: string };
    assert.match(task.taskId, /^gt-/, JSON.stringify(created));
    return task.taskId;
  };

  it('the gateway advertised 2025 tasks for tools/call', () => {
    assert.deepEqual(client.getServerCapabilities()?.tasks, { cancel: {}, requests: { tools: { call: {} } } });
  });

  it('tasks/result asks the client on its stream, and returns the result the answer led to', async () => {
    answer = 'accept';
    const taskId = await create('kept-or-not.txt');
    const result = await client.request({ method: 'tasks/result', params: { taskId } }, anyResult, { timeout: 20_000 });
    assert.deepEqual(asked, ['Delete kept-or-not.txt?']);
    assert.equal((result.content as Array<{ text: string }>)[0]!.text, 'Deleted kept-or-not.txt');
    assert.equal((result._meta as Record<string, { taskId: string }>)['io.modelcontextprotocol/related-task']!.taskId, taskId);
    const polled = await client.request({ method: 'tasks/get', params: { taskId } }, anyResult);
    assert.equal(polled.status, 'completed');
  });

  it('a declined question reaches the backend too', async () => {
    answer = 'decline';
    const taskId = await create('precious.txt');
    const result = await client.request({ method: 'tasks/result', params: { taskId } }, anyResult, { timeout: 20_000 });
    assert.equal((result.content as Array<{ text: string }>)[0]!.text, 'Kept precious.txt');
  });

  it('tasks/cancel answers the cancelled 2025 Task', async () => {
    const taskId = await create('never-answered.txt');
    const cancelled = await client.request({ method: 'tasks/cancel', params: { taskId } }, anyResult);
    assert.equal(cancelled.taskId, taskId);
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(typeof cancelled.ttl, 'number');
  });
});
