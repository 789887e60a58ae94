// The SDK v2 conformance fixture, over HTTP and stdio in both eras, through
// the SDK v2 client: the parts the gateway tests lean on. The official suite
// against it (`npm run conformance`) is the full check.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

import { jsonSchema2020Tool } from '../../src/backends/conformance-catalog.ts';
import { backendScripts, type HttpBackendProcess, startHttpBackend, stdioCommand } from '../../src/backends/launch.ts';

for (const carriage of ['http', 'stdio'] as const) {
  for (const era of ['modern', 'legacy'] as const) {
    describe(`SDK v2 conformance fixture over ${carriage}, ${era} era`, () => {
      let backend: HttpBackendProcess | undefined;
      let client: Client;
      let toolListChanges = 0;
      before(async () => {
        client = new Client(
          { name: 'conformance-v2-test', version: '1.0.0' },
          {
            capabilities: { elicitation: {} },
            ...(era === 'modern' ? { versionNegotiation: { mode: 'auto' as const } } : {}),
            listChanged: { tools: { onChanged: () => (toolListChanges += 1) } },
          },
        );
        client.setRequestHandler('elicitation/create', () => ({ action: 'accept', content: { name: 'Ada' } }));
        if (carriage === 'http') {
          backend = await startHttpBackend(backendScripts.conformanceV2);
          await client.connect(new StreamableHTTPClientTransport(new URL(backend.url)));
        } else {
          await client.connect(new StdioClientTransport({ ...stdioCommand(backendScripts.conformanceV2), stderr: 'pipe' }));
        }
      });
      after(async () => {
        await client?.close();
        await backend?.close();
      });

      it(`speaks the ${era} era`, () => {
        assert.equal(client.getProtocolEra(), era);
      });

      it('lists json_schema_2020_12_tool with every SEP-1613 and SEP-2106 keyword as declared', async () => {
        const { tools } = await client.listTools();
        const listed = tools.find((tool) => tool.name === jsonSchema2020Tool.name);
        assert.deepEqual(listed?.inputSchema, jsonSchema2020Tool.inputSchema);
      });

      it('completes an input_required round (asked directly on a 2025 connection)', async () => {
        const result = await client.callTool({ name: 'test_input_required_result_elicitation', arguments: {} });
        assert.deepEqual(result.content, [{ type: 'text', text: 'Hello, Ada!' }]);
      });

      it('test_trigger_tool_change adds a tool, and the client hears the list changed', async () => {
        const before = toolListChanges;
        const result = await client.callTool({ name: 'test_trigger_tool_change', arguments: {} });
        const added = /Added tool (\S+)/.exec((result.content as Array<{ text: string }>)[0]?.text ?? '')?.[1];
        assert.ok(added !== undefined);
        const deadline = Date.now() + 10_000;
        while (toolListChanges === before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        assert.ok(toolListChanges > before, 'no tools/list_changed arrived');
        const { tools } = await client.listTools();
        assert.ok(tools.some((tool) => tool.name === added));
      });

      it('answers an unknown resource with -32602 naming the uri (SEP-2164)', async () => {
        await assert.rejects(client.readResource({ uri: 'test://nonexistent' }), (error: { code?: number }) => error.code === -32602);
      });
    });
  }
}
