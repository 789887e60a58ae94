// Each test backend answers over both transports with the SDK client that
// matches it: the SDK v1 client for the v1 backend, the SDK v2 client in both
// protocol eras for the v2 backend. HTTP runs in a child process started by
// launch.ts, stdio through the SDK's stdio client transport.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as V1StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport as V1HttpClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client as V2Client, StreamableHTTPClientTransport as V2HttpClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport as V2StdioClientTransport } from '@modelcontextprotocol/client/stdio';

import { backendScripts, type HttpBackendProcess, startHttpBackend, stdioCommand } from '../../src/backends/launch.ts';
import { v1InteractiveToolNames } from '../../src/backends/v1-interactive-tools.ts';
import { v2InteractiveToolNames } from '../../src/backends/v2-interactive-tools.ts';

function textOf(result: object): string {
  return ((result as { content?: Array<{ type: string; text?: string }> }).content ?? [])
    .filter((block) => block.type === 'text')
    .map((block) => block.text)
    .join('\n');
}

describe('v1 backend', () => {
  const transports = ['http', 'stdio'] as const;
  for (const transportName of transports) {
    describe(`over ${transportName} with the SDK v1 client`, () => {
      let backend: HttpBackendProcess | undefined;
      let client: V1Client;
      before(async () => {
        client = new V1Client({ name: 'backends-test', version: '1.0.0' });
        if (transportName === 'http') {
          backend = await startHttpBackend(backendScripts.v1);
          await client.connect(new V1HttpClientTransport(new URL(backend.url)));
        } else {
          await client.connect(new V1StdioClientTransport({ ...stdioCommand(backendScripts.v1), stderr: 'pipe' }));
        }
      });
      after(async () => {
        await client?.close();
        await backend?.close();
      });

      it('identifies itself as v1-backend on 2025-11-25', () => {
        assert.equal(client.getServerVersion()?.name, 'v1-backend');
      });

      it('lists echo, add, fail, slow and crash besides the interactive tools', async () => {
        const { tools } = await client.listTools();
        assert.deepEqual(
          tools.map((tool) => tool.name).sort(),
          ['add', 'crash', 'echo', 'fail', 'slow', ...v1InteractiveToolNames].sort(),
        );
      });

      it('adds two numbers with structured output', async () => {
        const result = await client.callTool({ name: 'add', arguments: { a: 2, b: 40 } });
        assert.deepEqual(result.structuredContent, { sum: 42 });
        assert.equal(textOf(result), '42');
      });

      it('echoes the message unchanged', async () => {
        const result = await client.callTool({ name: 'echo', arguments: { message: 'hello v1' } });
        assert.equal(textOf(result), 'hello v1');
      });

      it('returns an isError result from fail', async () => {
        const result = await client.callTool({ name: 'fail', arguments: {} });
        assert.equal(result.isError, true);
      });

      it('answers slow after the requested wait', async () => {
        const started = performance.now();
        const result = await client.callTool({ name: 'slow', arguments: { ms: 50 } });
        assert.ok(performance.now() - started >= 45);
        assert.equal(textOf(result), 'waited 50 ms');
      });

      it('reads the readme and a templated item', async () => {
        const readme = await client.readResource({ uri: 'test://v1/readme' });
        assert.equal((readme.contents[0] as { text: string }).text, 'This is the v1 backend readme.');
        const item = await client.readResource({ uri: 'test://v1/items/7' });
        assert.deepEqual(JSON.parse((item.contents[0] as { text: string }).text), { id: '7', backend: 'v1' });
      });

      it('gets the greeting prompt and completes its name argument', async () => {
        const prompt = await client.getPrompt({ name: 'greeting', arguments: { name: 'Ada' } });
        assert.deepEqual(prompt.messages[0]?.content, { type: 'text', text: 'Say hello to Ada.' });
        const { completion } = await client.complete({
          ref: { type: 'ref/prompt', name: 'greeting' },
          argument: { name: 'name', value: 'a' },
        });
        assert.deepEqual(completion.values, ['Ada', 'Alan']);
      });
    });
  }
});

describe('v2 backend', () => {
  for (const transportName of ['http', 'stdio'] as const) {
    for (const era of ['modern', 'legacy'] as const) {
      describe(`over ${transportName} with the SDK v2 client, ${era} era`, () => {
        let backend: HttpBackendProcess | undefined;
        let client: V2Client;
        before(async () => {
          client = new V2Client(
            { name: 'backends-test', version: '1.0.0' },
            era === 'modern' ? { versionNegotiation: { mode: 'auto' } } : {},
          );
          if (transportName === 'http') {
            backend = await startHttpBackend(backendScripts.v2);
            await client.connect(new V2HttpClientTransport(new URL(backend.url)));
          } else {
            await client.connect(new V2StdioClientTransport({ ...stdioCommand(backendScripts.v2), stderr: 'pipe' }));
          }
        });
        after(async () => {
          await client?.close();
          await backend?.close();
        });

        it(`negotiates the ${era} era`, () => {
          assert.equal(client.getProtocolEra(), era);
        });

        it('lists echo, multiply, fail and slow besides the interactive tools', async () => {
          const { tools } = await client.listTools();
          assert.deepEqual(
            tools.map((tool) => tool.name).sort(),
            ['echo', 'fail', 'multiply', 'slow', ...v2InteractiveToolNames].sort(),
          );
        });

        it('multiplies two numbers with structured output', async () => {
          const result = await client.callTool({ name: 'multiply', arguments: { a: 6, b: 7 } });
          assert.deepEqual(result.structuredContent, { product: 42 });
        });

        it('returns an isError result from fail', async () => {
          const result = await client.callTool({ name: 'fail', arguments: { message: 'expected failure' } });
          assert.equal(result.isError, true);
          assert.equal(textOf(result), 'expected failure');
        });

        it('answers slow after the requested wait', async () => {
          const result = await client.callTool({ name: 'slow', arguments: { ms: 20 } });
          assert.equal(textOf(result), 'waited 20 ms');
        });

        it('reads the readme and a templated item', async () => {
          const readme = await client.readResource({ uri: 'test://v2/readme' });
          assert.equal((readme.contents[0] as { text: string }).text, 'This is the v2 backend readme.');
          const item = await client.readResource({ uri: 'test://v2/items/9' });
          assert.deepEqual(JSON.parse((item.contents[0] as { text: string }).text), { id: '9', backend: 'v2' });
        });

        it('gets the farewell prompt', async () => {
          const prompt = await client.getPrompt({ name: 'farewell', arguments: { name: 'Grace' } });
          assert.deepEqual(prompt.messages[0]?.content, { type: 'text', text: 'Say goodbye to Grace.' });
        });
      });
    }
  }
});
