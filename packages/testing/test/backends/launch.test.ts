// launch.ts: a backend that dies before listening is reported with its
// stderr, so a broken fixture explains itself in the test output.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { backendScripts, BackendStartError, startHttpBackend, stdioCommand } from '../../src/backends/launch.ts';

describe('startHttpBackend', () => {
  it('resolves with the URL the backend printed', async () => {
    const backend = await startHttpBackend(backendScripts.v2);
    try {
      assert.match(backend.url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    } finally {
      await backend.close();
    }
  });

  it("rejects with the child's stderr when the script exits before listening", async () => {
    const missing = fileURLToPath(new URL('./no-such-backend.ts', import.meta.url));
    await assert.rejects(startHttpBackend(missing), (error: unknown) => {
      assert.ok(error instanceof BackendStartError);
      assert.match(error.message, /exited .* before it was listening/);
      assert.match(error.stderr, /Cannot find module/);
      return true;
    });
  });

  it('rejects with the usage error when the backend refuses its arguments', async () => {
    await assert.rejects(startHttpBackend(backendScripts.v1, ['--port', 'seventy']), /--port must be an integer/);
  });
});

describe('stdioCommand', () => {
  it('runs the script with the current node and --stdio', () => {
    assert.deepEqual(stdioCommand('/backends/v1-server.ts'), {
      command: process.execPath,
      args: ['/backends/v1-server.ts', '--stdio'],
    });
  });
});
