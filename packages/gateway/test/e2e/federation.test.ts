// The federating gateway end to end: official SDK clients of both generations
// over real HTTP, against real backends of both generations over both
// upstream transports (SDK v1 and v2 servers, HTTP and stdio child processes).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startAll } from '@gatehouse/testing/start-all';
import { fileURLToPath } from 'node:url';
import { startHttpBackend, stdioCommand, type HttpBackendProcess } from '@gatehouse/testing/backends/launch';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { gatewayConfig, httpBackend, stdioBackend } from '../fixtures/gateway-config.ts';
import { connectV1, connectV2, firstText } from '../fixtures/clients.ts';

const v1Script = fileURLToPath(import.meta.resolve('@gatehouse/testing/backends/v1-server'));
const v2Script = fileURLToPath(import.meta.resolve('@gatehouse/testing/backends/v2-server'));

describe('federation across revisions and transports', () => {
  let v2Http: HttpBackendProcess;
  let v1Http: HttpBackendProcess;
  let gateway: RunningGateway;

  before(async () => {
    [v2Http, v1Http] = (await startAll([startHttpBackend(v2Script), startHttpBackend(v1Script)], (backend) => backend.close())) as [HttpBackendProcess, HttpBackendProcess];
    const v1Stdio = stdioCommand(v1Script);
    const v2Stdio = stdioCommand(v2Script);
    gateway = await startGateway(
      gatewayConfig([
        httpBackend('v2http', v2Http.url),
        httpBackend('v1http', v1Http.url),
        stdioBackend('v1stdio', v1Stdio.command, v1Stdio.args),
        stdioBackend('v2stdio', v2Stdio.command, v2Stdio.args),
      ]),
      { logger: silentLogger, hasAdmin: false },
    );
  });

  after(async () => {
    await gateway?.close();
    await Promise.all([v2Http?.close(), v1Http?.close()]);
  });

  it('connects to each backend in the newest revision it speaks', () => {
    const eras = Object.fromEntries(gateway.backends.map((backend) => [backend.name, backend.handshake?.protocolVersion]));
    assert.deepEqual(eras, { v2http: '2026-07-28', v1http: '2025-11-25', v1stdio: '2025-11-25', v2stdio: '2026-07-28' });
  });

  it('serves an SDK v1 client (2025-11-25) the namespaced tools of every backend', async () => {
    const client = await connectV1(gateway.url);
    try {
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      for (const expected of ['v2http__echo', 'v2http__multiply', 'v1http__add', 'v1stdio__echo', 'v2stdio__multiply']) assert.ok(names.includes(expected), `missing ${expected} in ${names.join(', ')}`);
      assert.deepEqual(names, [...names].sort(), 'tools come in a deterministic, sorted order');
    } finally {
      await client.close();
    }
  });

  it('routes an SDK v1 client\'s calls to every backend and maps names back', async () => {
    const client = await connectV1(gateway.url);
    try {
      assert.equal(firstText(await client.callTool({ name: 'v2http__echo', arguments: { message: 'to v2 over http' } })), 'to v2 over http');
      assert.equal(firstText(await client.callTool({ name: 'v1stdio__echo', arguments: { message: 'to v1 over stdio' } })), 'to v1 over stdio');
      const sum = await client.callTool({ name: 'v1http__add', arguments: { a: 2, b: 3 } });
      assert.deepEqual(sum.structuredContent, { sum: 5 });
      const product = await client.callTool({ name: 'v2stdio__multiply', arguments: { a: 6, b: 7 } });
      assert.match(firstText(product), /42/);
    } finally {
      await client.close();
    }
  });

  it('serves an SDK v2 client statelessly on 2026-07-28', async () => {
    const client = await connectV2(gateway.url, 'auto');
    try {
      assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      assert.ok(names.includes('v1stdio__add') && names.includes('v2http__multiply'));
      assert.equal(firstText(await client.callTool({ name: 'v1http__echo', arguments: { message: 'modern to legacy' } })), 'modern to legacy');
      assert.equal(firstText(await client.callTool({ name: 'v2stdio__echo', arguments: { message: 'modern to modern' } })), 'modern to modern');
    } finally {
      await client.close();
    }
  });

  it('serves an SDK v2 client that stays on the 2025 handshake', async () => {
    const client = await connectV2(gateway.url, 'legacy');
    try {
      assert.equal(client.getProtocolEra(), 'legacy');
      assert.equal(firstText(await client.callTool({ name: 'v2http__echo', arguments: { message: 'legacy v2' } })), 'legacy v2');
    } finally {
      await client.close();
    }
  });

  it('reads listed and templated resources from the backend that owns them', async () => {
    for (const client of [await connectV1(gateway.url), await connectV2(gateway.url, 'auto')]) {
      try {
        const uris = (await client.listResources()).resources.map((resource) => resource.uri);
        assert.ok(uris.includes('test://v1/readme') && uris.includes('test://v2/readme'));
        const readme = await client.readResource({ uri: 'test://v1/readme' });
        assert.equal(readme.contents[0]?.uri, 'test://v1/readme');
        const item = await client.readResource({ uri: 'test://v2/items/42' });
        assert.match(JSON.stringify(item.contents), /42/);
        const templates = (await client.listResourceTemplates()).resourceTemplates.map((template) => template.uriTemplate);
        assert.ok(templates.includes('test://v1/items/{id}') && templates.includes('test://v2/items/{id}'));
      } finally {
        await client.close();
      }
    }
  });

  it('gets prompts and completes prompt arguments through the namespaced names', async () => {
    const client = await connectV1(gateway.url);
    try {
      const prompts = (await client.listPrompts()).prompts.map((prompt) => prompt.name);
      assert.ok(prompts.includes('v1stdio__greeting') && prompts.includes('v2http__farewell'));
      const greeting = await client.getPrompt({ name: 'v1stdio__greeting', arguments: { name: 'Ada' } });
      assert.match(JSON.stringify(greeting.messages), /Ada/);
      const completion = await client.complete({ ref: { type: 'ref/prompt', name: 'v1http__greeting' }, argument: { name: 'name', value: '' } });
      assert.ok(completion.completion.values.length > 0);
    } finally {
      await client.close();
    }
  });

  it('exposes one backend alone, with its own names, on /servers/{name}/mcp', async () => {
    const url = gateway.url.replace(/\/mcp$/, '/servers/v2http/mcp');
    for (const client of [await connectV1(url), await connectV2(url, 'auto')]) {
      try {
        const names = (await client.listTools()).tools.map((tool) => tool.name);
        assert.ok(names.includes('echo') && names.includes('multiply'));
        assert.ok(!names.some((name) => name.includes('__')), `no namespaced names on a per-backend endpoint: ${names.join(', ')}`);
        assert.equal(firstText(await client.callTool({ name: 'echo', arguments: { message: 'direct' } })), 'direct');
      } finally {
        await client.close();
      }
    }
  });
});
