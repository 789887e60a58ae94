// main.ts as a process: stdio by default in both eras, and the HTTP mode's
// "listening on" line that launchers wait for.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

import { createClient, mainScript, startChildServer } from './fixtures/clients.ts';

describe('demo-crm main', () => {
  for (const era of ['modern', 'legacy'] as const) {
    it(`serves the ${era} era over stdio by default`, async () => {
      const client = createClient(era);
      await client.connect(new StdioClientTransport({ command: process.execPath, args: [mainScript], stderr: 'pipe' }));
      try {
        assert.equal(client.getProtocolEra(), era);
        const result = await client.callTool({ name: 'echo', arguments: { message: 'over stdio' } });
        assert.deepEqual(result.structuredContent, { message: 'over stdio' });
      } finally {
        await client.close();
      }
    });
  }

  it('prints the real port on the listening line when asked for port 0', async () => {
    const server = await startChildServer();
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:[1-9]\d*\/mcp$/);
    } finally {
      await server.stop();
    }
  });
});
