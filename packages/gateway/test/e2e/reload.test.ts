// Hot reload under load: a gateway serving concurrent tools/call while its
// config file is rewritten (a backend added, one removed, the called one
// reconfigured, a policy changed) and while bad files are written. No call
// fails, a bad file is refused with the old config still serving, and a
// 2025 session lives through it all and hears list_changed.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { backendScripts, startHttpBackend, type HttpBackendProcess } from '@gatehouse/testing/backends/launch';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { loadConfig } from '../../src/config/load.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { GatewayMetrics } from '../../src/telemetry/metrics.ts';
import { connectV1, firstText } from '../fixtures/clients.ts';
import { eventually } from '../fixtures/eventually.ts';

function configText(url: string, options: { backends: string[]; timeoutOfA?: number; denyMultiply?: boolean; extra?: string }): string {
  const backends = options.backends.map((name) => `  - name: ${name}\n    url: ${url}\n    timeout_ms: ${name === 'a' ? (options.timeoutOfA ?? 10_000) : 10_000}\n`).join('');
  const policies = options.denyMultiply === true
    ? 'policies:\n  - name: no-multiply\n    type: tool_access\n    rules:\n      - backends: [a]\n        deny: [multiply]\n'
    : 'policies:\n  - name: no-multiply\n    type: tool_access\n    rules: []\n';
  return `gateway:\n  port: 0\n  admin_port: 0\nreload:\n  debounce_ms: 50\nbackends:\n${backends}${policies}${options.extra ?? ''}`;
}

/** Writes by rename, as editors and ConfigMaps do, so the watcher must follow the folder. */
async function replaceFile(path: string, text: string): Promise<void> {
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
}

describe('config reload under load', () => {
  let backend: HttpBackendProcess;
  let directory: string;
  let configPath: string;
  let gateway: RunningGateway;
  const metrics = new GatewayMetrics({ hasProcessMetrics: false });

  before(async () => {
    backend = await startHttpBackend(backendScripts.v2);
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-reload-'));
    configPath = join(directory, 'gatehouse.yaml');
    await writeFile(configPath, configText(backend.url, { backends: ['a', 'c'] }));
    const loaded = await loadConfig(configPath);
    gateway = await startGateway(loaded.config, { logger: silentLogger, hasAdmin: false, configPath, isConfigWatched: true, metrics });
  });

  after(async () => {
    await gateway?.close();
    await backend?.close();
    if (directory !== undefined) await rm(directory, { recursive: true, force: true });
  });

  it('keeps every call answering while backends and policies change, and refuses bad files', async () => {
    const session = await connectV1(gateway.url);
    let listChanges = 0;
    session.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      listChanges += 1;
    });
    const toolNames = async () => (await session.listTools()).tools.map((tool) => tool.name);
    assert.deepEqual((await toolNames()).filter((name) => name.endsWith('__echo')), ['a__echo', 'c__echo']);

    // The load: four callers, each on its own client, calling a backend that stays configured throughout.
    let isLoaded = true;
    const failures: string[] = [];
    let calls = 0;
    const callers = await Promise.all([0, 1, 2, 3].map(() => connectV1(gateway.url)));
    const load = Promise.all(callers.map(async (caller, index) => {
      while (isLoaded) {
        try {
          const result = await caller.callTool({ name: 'a__slow', arguments: { ms: 20 + index * 5 } });
          if (result.isError === true) failures.push(firstText(result));
        } catch (error) {
          failures.push(String(error));
        }
        calls += 1;
      }
    }));

    try {
      // A backend added (the file watcher notices; no signal sent).
      await replaceFile(configPath, configText(backend.url, { backends: ['a', 'c', 'b'] }));
      await eventually(async () => assert.ok((await toolNames()).includes('b__echo')));
      assert.equal(firstText(await session.callTool({ name: 'b__echo', arguments: { message: 'new here' } })), 'new here');

      // A backend removed that nobody calls.
      await replaceFile(configPath, configText(backend.url, { backends: ['a', 'b'] }));
      await eventually(async () => assert.ok(!(await toolNames()).includes('c__echo')));

      // The called backend reconfigured: a new connection is swapped in, the old one drains.
      const oldA = gateway.backends.find((each) => each.name === 'a');
      await replaceFile(configPath, configText(backend.url, { backends: ['a', 'b'], timeoutOfA: 9_000 }));
      await eventually(async () => assert.notEqual(gateway.backends.find((each) => each.name === 'a'), oldA));
      await eventually(async () => assert.equal(oldA?.state, 'closed'));

      // A policy changed: multiply on a is denied and no longer listed.
      await replaceFile(configPath, configText(backend.url, { backends: ['a', 'b'], timeoutOfA: 9_000, denyMultiply: true }));
      await eventually(async () => assert.ok(!(await toolNames()).includes('a__multiply')));
      const denied = await session.callTool({ name: 'a__multiply', arguments: { a: 2, b: 3 } });
      assert.equal(denied.isError, true);

      // Bad files: refused, with the file and key named; the running config keeps serving.
      await writeFile(configPath, 'backends:\n  - name: a\n    url: [unclosed\n');
      const syntax = await gateway.reload('request');
      assert.equal(syntax.outcome, 'refused');
      assert.match(syntax.error ?? '', /gatehouse\.yaml/);
      await writeFile(configPath, `${configText(backend.url, { backends: ['a'] })}backend_timeout: 5\n`);
      const unknown = await gateway.reload('request');
      assert.equal(unknown.outcome, 'refused');
      assert.match(unknown.error ?? '', /backend_timeout: unknown key/);
      // A policy that passes the schema but cannot be built refuses the whole reload: b is not removed either.
      await writeFile(configPath, `${configText(backend.url, { backends: ['a'] })}  - name: mystery\n    type: no_such_policy\n`);
      const unbuildable = await gateway.reload('request');
      assert.equal(unbuildable.outcome, 'refused');
      assert.match(unbuildable.error ?? '', /policies\[1\]\.type: unknown policy type "no_such_policy"/);
      assert.ok((await toolNames()).includes('b__echo'), 'the refused file removed b; the old config must still be running');
      await sleep(300);
    } finally {
      isLoaded = false;
      await load;
      await Promise.all(callers.map((caller) => caller.close()));
    }

    assert.deepEqual(failures, []);
    assert.ok(calls >= 20, `only ${calls} calls were made under load`);
    // The same 2025 session, never re-initialized, still works and heard the list change.
    assert.equal(firstText(await session.callTool({ name: 'a__echo', arguments: { message: 'still me' } })), 'still me');
    assert.ok(listChanges >= 2, `the session heard ${listChanges} tools/list_changed notifications`);
    await session.close();

    // The watcher also sees the bad files, so each may be refused twice.
    const reloads = (await metrics.render()).body.split('\n').filter((line) => line.startsWith('mcp_config_reloads_total')).join('\n');
    assert.match(reloads, /mcp_config_reloads_total\{outcome="refused"\} [3-9]/);
    assert.match(reloads, /mcp_config_reloads_total\{outcome="applied"\} [3-9]/);
  });
});
