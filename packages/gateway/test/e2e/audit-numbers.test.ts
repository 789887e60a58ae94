// Issue 14 item 8 through the real gateway: arguments holding 1e400 (which
// JSON.parse turns into Infinity) used to leave the call unrecorded. Now the
// record keeps the client's text as {"$number": "1e400"}, on both revisions
// and both endpoints, a call that changes data gets its attempt record
// first, and `gatehouse audit verify` passes.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadConfig } from '../../src/config/load.ts';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { initializeLegacy, modernRequest, post } from '../fixtures/raw-http.ts';
import { sendJson, startRecordingServer, type RecordingServer } from '../upstream/fixtures/recording-server.ts';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

function startLedger(): Promise<RecordingServer> {
  return startRecordingServer((request, res) => {
    const { id, method } = request.body ?? {};
    const results: Record<string, unknown> = {
      'server/discover': { resultType: 'complete', supportedVersions: ['2026-07-28'], capabilities: { tools: {} }, ttlMs: 60_000, cacheScope: 'public' },
      'tools/list': {
        resultType: 'complete',
        tools: [{ name: 'transfer', inputSchema: { type: 'object' } }, { name: 'quote', inputSchema: { type: 'object' }, annotations: { readOnlyHint: true } }],
        ttlMs: 60_000,
        cacheScope: 'public',
      },
      'tools/call': { resultType: 'complete', content: [{ type: 'text', text: 'ok' }] },
    };
    const result = results[method];
    if (result === undefined) return sendJson(res, 404, { jsonrpc: '2.0', id, error: { code: -32601, message: 'not here' } });
    sendJson(res, 200, { jsonrpc: '2.0', id, result });
  });
}

describe('a call whose arguments hold 1e400', () => {
  let directory: string;
  let configPath: string;
  let backend: RecordingServer;
  let gateway: RunningGateway | undefined;
  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-audit-numbers-'));
    backend = await startLedger();
    configPath = join(directory, 'gatehouse.yaml');
    // The shipped default's audit: SQLite, fail_mode open for reads, closed for changes.
    await writeFile(configPath, ['gateway:', '  port: 0', '  admin_port: 0', 'audit:', '  path: audit.db', 'backends:', '  - name: ledger', `    url: ${backend.url}`, ''].join('\n'));
    gateway = await startGateway((await loadConfig(configPath)).config, { logger: silentLogger, hasAdmin: false, configPath });
  });
  after(async () => {
    await gateway?.close();
    await backend.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('is answered and recorded with the number as the client wrote it, on both revisions and both endpoints, and the log verifies', async () => {
    const endpoints = { federated: gateway!.url, backend: gateway!.url.replace(/\/mcp$/, '/servers/ledger/mcp') };
    const sent: string[] = [];
    for (const [endpoint, url] of Object.entries(endpoints)) {
      const tool = endpoint === 'federated' ? 'ledger__transfer' : 'transfer';
      // 2026-07-28, stateless: the body text carries the literal, as a client's JSON would.
      const modern = modernRequest(1, 'tools/call', { name: tool, arguments: { amount: 0, ref: `modern-${endpoint}` } });
      const modernText = JSON.stringify(modern.body).replace('"amount":0', '"amount":1e400,"debt":-1E+999');
      const answered = await post(url, modernText, modern.headers);
      assert.equal(answered.status, 200, answered.text);
      assert.equal(answered.body.result.content[0].text, 'ok');
      sent.push(`modern-${endpoint}`);
      // 2025-11-25, in a session.
      const sessionId = await initializeLegacy(url);
      const legacyText = `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"${tool}","arguments":{"amount":1e400,"debt":-1E+999,"ref":"legacy-${endpoint}"}}}`;
      const legacy = await post(url, legacyText, { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' });
      assert.equal(legacy.status, 200, legacy.text);
      sent.push(`legacy-${endpoint}`);
    }
    await gateway!.close();
    gateway = undefined;

    const { stdout } = await run(process.execPath, [cli, 'audit', 'query', '--config', configPath, '--tool', 'transfer', '--all', '--format', 'json']);
    const records = JSON.parse(stdout) as Array<{ audit_id: string; operation: { arguments: Record<string, unknown> }; result: { status: string }; context: { attempt_id?: string } }>;
    for (const ref of sent) {
      const mine = records.filter((record) => record.operation.arguments.ref === ref);
      assert.deepEqual(mine.map((record) => record.result.status).sort(), ['attempted', 'success'], `${ref}: the attempt, then the outcome`);
      for (const record of mine) assert.deepEqual([record.operation.arguments.amount, record.operation.arguments.debt], [{ $number: '1e400' }, { $number: '-1E+999' }]);
      const attempt = mine.find((record) => record.result.status === 'attempted')!;
      assert.equal(mine.find((record) => record.result.status === 'success')!.context.attempt_id, attempt.audit_id);
    }
    const verified = await run(process.execPath, [cli, 'audit', 'verify', '--config', configPath]);
    assert.match(verified.stdout, /ok|verified/i);
  });
});
