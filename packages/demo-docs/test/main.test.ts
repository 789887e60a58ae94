// The demo documents server as a real child process, as the gateway runs it:
// over stdio (the default) and over HTTP (`--http --port 0`), with the
// official SDK client.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

describe('demo-docs process', () => {
  it('serves search over stdio', async () => {
    const client = new Client({ name: 'docs-main-test', version: '1' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [main, '--stdio'], stderr: 'pipe' }));
    try {
      const result = await client.callTool({ name: 'search_docs', arguments: { query: 'deploy' } });
      assert.equal((result.structuredContent as { results: Array<{ uri: string }> }).results[0]?.uri, 'doc://engineering/runbooks/deploy');
    } finally {
      await client.close();
    }
  });

  it('serves both eras over HTTP, with health and metrics beside /mcp, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [main, '--http', '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const url = await new Promise<string>((resolve, reject) => {
      let seen = '';
      child.stderr.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        const match = /listening on (\S+)/.exec(seen);
        if (match) resolve(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${seen}`)));
    });
    try {
      for (const mode of ['auto', 'legacy'] as const) {
        const client = new Client({ name: 'docs-main-test', version: '1' }, { versionNegotiation: { mode } });
        await client.connect(new StreamableHTTPClientTransport(new URL(url)));
        assert.equal(client.getProtocolEra(), mode === 'auto' ? 'modern' : 'legacy');
        const page = await client.readResource({ uri: 'doc://hr/policies/leave' });
        assert.match((page.contents[0] as { text: string }).text, /25 days/);
        await client.close();
      }
      assert.equal((await fetch(new URL('/healthz', url))).status, 200);
      assert.match(await (await fetch(new URL('/metrics', url))).text(), /mcp_resource_reads_total\{server="demo-docs",resource_type="doc"\} 2/);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    }
  });
});
