// The conformance backend answers the suite's server scenarios; this checks
// the parts a gateway test leans on (the suite itself is the full check:
// `conformance server --url <url>`).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema, LoggingMessageNotificationSchema, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

import { jsonSchema2020Tool } from '../../src/backends/conformance-catalog.ts';
import { startConformanceHttp } from '../../src/backends/conformance-server.ts';
import type { RunningBackend } from '../../src/backends/node-http.ts';

describe('conformance backend over HTTP', () => {
  let backend: RunningBackend;
  let client: Client;
  before(async () => {
    backend = await startConformanceHttp({ port: 0 });
    client = new Client({ name: 'conformance-backend-test', version: '1.0.0' }, { capabilities: { elicitation: {} } });
    client.setRequestHandler(ElicitRequestSchema, () => ({ action: 'accept', content: { name: 'Ada' } }));
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
    assert.deepEqual(schema, jsonSchema2020Tool.inputSchema);
  });

  it('asks for the name during test_input_required_result_elicitation, as a 2025 server does', async () => {
    const result = await client.callTool({ name: 'test_input_required_result_elicitation', arguments: {} });
    assert.deepEqual(result.content, [{ type: 'text', text: 'Hello, Ada!' }]);
  });

  it('adds a tool on test_trigger_tool_change and tells the client the list changed', async () => {
    let changes = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      changes += 1;
    });
    const result = await client.callTool({ name: 'test_trigger_tool_change', arguments: {} });
    const added = /Added tool (\S+)/.exec((result.content as Array<{ text: string }>)[0]?.text ?? '')?.[1];
    const deadline = Date.now() + 10_000;
    while (changes === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(changes > 0, 'no tools/list_changed arrived');
    const { tools } = await client.listTools();
    assert.ok(added !== undefined && tools.some((tool) => tool.name === added));
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
