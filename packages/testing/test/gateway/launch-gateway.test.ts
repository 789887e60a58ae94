// launch-gateway.ts: `gatehouse start` as a child process, resolved once it
// listens or is ready, and a start that fails reported with its output.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { backendScripts, stdioCommand } from '../../src/backends/launch.ts';
import { GatewayStartError, startGateway } from '../../src/gateway/launch-gateway.ts';

describe('startGateway', () => {
  let directory: string;
  let configPath: string;

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-launch-'));
    configPath = join(directory, 'gatehouse.yaml');
    const backend = stdioCommand(backendScripts.v2);
    await writeFile(configPath, ['backends:', '  - name: worker', `    command: ${JSON.stringify(backend.command)}`, `    args: ${JSON.stringify(backend.args)}`, ''].join('\n'));
  });
  after(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('resolves once /readyz answers 200 when asked to wait for readiness, and close() stops it with SIGTERM', async () => {
    const gateway = await startGateway({ args: ['--config', configPath, '--port', '0', '--admin-port', '0', '--allow-anonymous'], waitFor: 'ready' });
    try {
      assert.match(gateway.url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
      assert.equal((await fetch(`${gateway.adminUrl}/readyz`)).status, 200);
    } finally {
      await gateway.close();
    }
    const exit = await gateway.exited;
    assert.equal(exit.code, 0, gateway.stderr());
  });

  it('rejects with the gateway\'s output when it exits before listening', async () => {
    await assert.rejects(startGateway({ args: ['--config', join(directory, 'missing.yaml')] }), (error: unknown) => {
      assert.ok(error instanceof GatewayStartError);
      assert.match(error.message, /exited .* before it was listening/);
      assert.ok(error.stdout.length + error.stderr.length > 0, 'the output is carried');
      return true;
    });
  });
});
