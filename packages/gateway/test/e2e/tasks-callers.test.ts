// A task belongs to the caller that created it: with authentication on (the
// embedded identity provider, two agents' real tokens), another agent that
// learns the task id gets -32602 from every task method, as for an id that
// does not exist, and the task is left as it was.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConformanceV2Http } from '@gatehouse/testing/backends/conformance-v2-server';
import type { RunningBackend } from '@gatehouse/testing/backends/node-http';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { agentToken } from '../../src/cli/commands/token.ts';
import { gatewayConfig, httpBackend } from '../fixtures/gateway-config.ts';
import { useEmbeddedIdentity } from '../fixtures/embedded-default-identity.ts';
import { modernMeta, post, type RawResponse } from '../fixtures/raw-http.ts';
import { TASKS_EXTENSION } from '../../src/tasks/tasks-extension.ts';

const withTasks = { 'io.modelcontextprotocol/clientCapabilities': { extensions: { [TASKS_EXTENSION]: {} } } };

describe('a task is its creator\'s', () => {
  let backend: RunningBackend;
  let gateway: RunningGateway;
  let directory: string;
  const tokens: Record<string, string> = {};

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-tasks-callers-'));
    backend = await startConformanceV2Http({ port: 0, host: '127.0.0.1' });
    // Named crm: both demo agents hold crm.invoke (embedded-idp/demo-directory.ts).
    const config = gatewayConfig([httpBackend('crm', backend.url)]);
    useEmbeddedIdentity(config);
    gateway = await startGateway(config, { logger: silentLogger, configPath: join(directory, 'gatehouse.yaml') });
    const base = gateway.url.replace(/\/mcp$/, '');
    for (const [agent, secret] of [['research', 'research-dev-secret'], ['support', 'support-dev-secret']] as const) {
      tokens[agent] = (await agentToken(base, agent, secret)).token;
    }
  });

  after(async () => {
    await gateway?.close();
    await backend?.close();
    await rm(directory, { recursive: true, force: true });
  });

  const send = (agent: string, id: number, method: string, params: Record<string, unknown>): Promise<RawResponse> => {
    const headers: Record<string, string> = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': method, authorization: `Bearer ${tokens[agent]}` };
    const name = typeof params.taskId === 'string' ? params.taskId : typeof params.name === 'string' ? params.name : undefined;
    if (name !== undefined) headers['mcp-name'] = name;
    return post(gateway.url, { jsonrpc: '2.0', id, method, params: { ...params, _meta: modernMeta(withTasks) } }, headers);
  };

  it('another agent gets -32602 for get, update and cancel; the creator still drives the task', async () => {
    const created = await send('research', 1, 'tools/call', { name: 'crm__slow_compute', arguments: { seconds: 60, label: 'mine' } });
    assert.equal(created.body.result?.resultType, 'task', created.text);
    const taskId = created.body.result.taskId as string;

    for (const [index, method] of ['tasks/get', 'tasks/update', 'tasks/cancel'].entries()) {
      const params = method === 'tasks/update' ? { taskId, inputResponses: {} } : { taskId };
      const refused = await send('support', 10 + index, method, params);
      assert.equal(refused.body.error?.code, -32602, `${method}: ${refused.text}`);
    }
    const mine = await send('research', 20, 'tasks/get', { taskId });
    assert.equal(mine.body.result?.status, 'working', 'the other agent\'s cancel did not reach the task');
    const cancelled = await send('research', 21, 'tasks/cancel', { taskId });
    assert.equal(cancelled.status, 200, cancelled.text);
  });
});
