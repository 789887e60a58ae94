// The conformance backend answers the suite's server scenarios; this checks
// the parts a gateway test leans on (the suite itself is the full check:
// `conformance server --url <url>`).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

import { startConformanceHttp } from '../../src/backends/conformance-server.ts';
import type { RunningBackend } from '../../src/backends/node-http.ts';

describe('conformance backend over HTTP', () => {
  let backend: RunningBackend;
  let client: Client;
  before(async () => {
    backend = await startConformanceHttp({ port: 0 });
    client = new Client({ name: 'conformance-backend-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(backend.url)));
  });
  after(async () => {
    await client?.close();
    await backend?.close();
  });

  it('keeps the raw JSON Schema 2020-12 keywords of json_schema_2020_12_tool', async () => {
    const { tools } = await client.listTools();
    const schema = tools.find((tool) => tool.name === 'json_schema_2020_12_tool')?.inputSchema as Record<string, unknown>;
    assert.equal(schema['$schema'], 'https://json-schema.org/draft/2020-12/schema');
    assert.equal(schema['additionalProperties'], false);
    assert.ok(schema['$defs']);
  });

  it('sends three log notifications during test_tool_with_logging', async () => {
    const logged: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
      logged.push(notification.params.data);
    });
    await client.setLoggingLevel('debug');
    await client.callTool({ name: 'test_tool_with_logging', arguments: {} });
    assert.deepEqual(logged, ['Tool execution started', 'Tool processing data', 'Tool execution completed']);
  });

  it('suppresses log notifications below the level the client set', async () => {
    const logged: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
      logged.push(notification.params.data);
    });
    await client.setLoggingLevel('error');
    await client.callTool({ name: 'test_tool_with_logging', arguments: {} });
    assert.deepEqual(logged, []);
  });

  it('substitutes the template id in test://template/{id}/data', async () => {
    const { contents } = await client.readResource({ uri: 'test://template/123/data' });
    assert.deepEqual(JSON.parse((contents[0] as { text: string }).text), {
      id: '123',
      templateTest: true,
      data: 'Data for ID: 123',
    });
  });

  it('reports an unknown tool as invalid params', async () => {
    await assert.rejects(client.callTool({ name: 'no_such_tool', arguments: {} }), /Unknown tool "no_such_tool"/);
  });
});
