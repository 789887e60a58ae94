// Fail-closed audit when the store fails between the attempt record and the
// outcome record: the backend has acted, so the client gets its answer (a
// refusal would hide the action and invite a repeat); the outcome waits in
// the spool and reaches the store when it is back.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../src/config/load.ts';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { modernRequest, post } from '../fixtures/raw-http.ts';
import { sendJson, startRecordingServer, type RecordingServer } from '../upstream/fixtures/recording-server.ts';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

describe('an audit store that fails after the backend acted, fail-closed', () => {
  let directory: string;
  let configPath: string;
  let backend: RecordingServer;
  let gateway: RunningGateway | undefined;
  let locker: DatabaseSync | undefined;
  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-audit-after-'));
    backend = await startRecordingServer((request, res) => {
      const { id, method } = request.body ?? {};
      const results: Record<string, unknown> = {
        'server/discover': { resultType: 'complete', supportedVersions: ['2026-07-28'], capabilities: { tools: {} }, ttlMs: 60_000, cacheScope: 'public' },
        'tools/list': { resultType: 'complete', tools: [{ name: 'pay', inputSchema: { type: 'object' } }], ttlMs: 60_000, cacheScope: 'public' },
        'tools/call': { resultType: 'complete', content: [{ type: 'text', text: 'paid' }] },
      };
      if (method === 'tools/call') {
        // The payment is made; then another connection takes the audit database's write lock before the answer leaves.
        locker = new DatabaseSync(join(directory, 'audit.db'), { timeout: 10_000 });
        locker.exec('BEGIN IMMEDIATE');
      }
      const result = results[method];
      if (result === undefined) return sendJson(res, 404, { jsonrpc: '2.0', id, error: { code: -32601, message: 'not here' } });
      sendJson(res, 200, { jsonrpc: '2.0', id, result });
    });
    configPath = join(directory, 'gatehouse.yaml');
    await writeFile(configPath, ['gateway:', '  port: 0', '  admin_port: 0', 'audit:', '  path: audit.db', '  fail_mode: closed', 'backends:', '  - name: bank', `    url: ${backend.url}`, ''].join('\n'));
    gateway = await startGateway((await loadConfig(configPath)).config, { logger: silentLogger, hasAdmin: false, configPath });
  });
  after(async () => {
    locker?.close();
    await gateway?.close();
    await backend.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('answers with the backend\'s result, and the outcome record reaches the store once it is back', { timeout: 120_000 }, async () => {
    const { body, headers } = modernRequest(1, 'tools/call', { name: 'bank__pay', arguments: { invoice: 'INV-7' } });
    const unlock = sleep(12_000).then(() => {
      locker!.exec('ROLLBACK');
      locker!.close();
      locker = undefined;
    });
    const answered = await post(gateway!.url, body, headers);
    assert.equal(answered.status, 200, answered.text);
    assert.equal(answered.body.result.content[0].text, 'paid');
    await unlock;
    // The store is back: the probe clears the outage and the spool is replayed; close() waits for the replay.
    await sleep(6_000);
    await gateway!.close();
    gateway = undefined;

    const { stdout } = await run(process.execPath, [cli, 'audit', 'query', '--config', configPath, '--tool', 'pay', '--all', '--format', 'json']);
    const records = JSON.parse(stdout) as Array<{ audit_id: string; result: { status: string }; context: { attempt_id?: string } }>;
    assert.deepEqual(records.map((record) => record.result.status).sort(), ['attempted', 'success']);
    const attempt = records.find((record) => record.result.status === 'attempted')!;
    assert.equal(records.find((record) => record.result.status === 'success')!.context.attempt_id, attempt.audit_id);
    const verified = await run(process.execPath, [cli, 'audit', 'verify', '--config', configPath]);
    assert.match(verified.stdout, /ok|verified/i);
  });
});
