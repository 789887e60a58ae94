// Every operation through the gateway leaves one audit record in the
// tamper-evident log, written before the answer leaves; `gatehouse audit
// query` finds them by target and tool, and `gatehouse audit verify` checks
// the chain, with the same --config the gateway started with.

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
import { connectV1, connectV2 } from '../fixtures/clients.ts';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const demoCrm = fileURLToPath(new URL('../../../demo-crm/src/main.ts', import.meta.url));

describe('audit records of every operation', () => {
  let directory: string;
  let configPath: string;
  let gateway: RunningGateway | undefined;

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-audit-e2e-'));
    configPath = join(directory, 'gatehouse.yaml');
    await writeFile(configPath, [
      'gateway:', '  port: 0', '  admin_port: 0',
      'audit:', '  store: sqlite', '  path: audit.db',
      'backends:', `  - name: crm`, `    command: ${JSON.stringify(process.execPath)}`, `    args: [${JSON.stringify(demoCrm)}, "--stdio"]`, '',
    ].join('\n'));
    const loaded = await loadConfig(configPath);
    gateway = await startGateway(loaded.config, { logger: silentLogger, hasAdmin: false, configPath });
  });
  after(async () => {
    await gateway?.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('records calls of both revisions, with target, status and caller, and verifies', async () => {
    const legacy = await connectV1(gateway!.url);
    const modern = await connectV2(gateway!.url, 'auto');
    await legacy.callTool({ name: 'crm__get_customer', arguments: { customer_id: 'C-1001' } });
    await modern.callTool({ name: 'crm__get_customer', arguments: { customer_id: 'C-42' } });
    await legacy.listTools();
    await legacy.close();
    await modern.close();
    await gateway!.close();
    gateway = undefined;

    const query = async (...filters: string[]) => JSON.parse((await run(process.execPath, [cli, 'audit', 'query', '--config', configPath, '--format', 'json', ...filters])).stdout) as Array<Record<string, any>>;
    const c42 = await query('--target', 'C-42');
    assert.equal(c42.length, 1, JSON.stringify(c42));
    assert.equal(c42[0]!.operation.type, 'tool_invocation');
    assert.equal(c42[0]!.operation.server, 'crm');
    assert.equal(c42[0]!.operation.name, 'get_customer');
    assert.equal(c42[0]!.result.status, 'error', 'C-42 does not exist: the tool answered isError');
    assert.equal(c42[0]!.caller.identity, 'anonymous');
    const calls = await query('--tool', 'get_*');
    assert.equal(calls.length, 2);
    const lists = await query('--type', 'list');
    assert.ok(lists.length >= 1);

    const verified = await run(process.execPath, [cli, 'audit', 'verify', '--config', configPath]);
    assert.match(verified.stdout, /ok|verified/i);
  });
});
