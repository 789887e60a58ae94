// The audit crash test through the real gateway: `gatehouse start` as a
// child process (SQLite audit, the demo CRM over stdio), SDK clients calling
// tools concurrently, SIGKILL mid-load. After a restart, every call a client
// saw answered has exactly one record (`gatehouse audit query`), and
// `gatehouse audit verify` passes over the crash.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gatehouseCli as cli, startGateway, type GatewayProcess } from '@gatehouse/testing/gateway/launch-gateway';
import { connectV2 } from '../fixtures/clients.ts';

const run = promisify(execFile);
const demoCrm = fileURLToPath(new URL('../../../demo-crm/src/main.ts', import.meta.url));

const CLIENTS = 4;
const IN_FLIGHT_PER_CLIENT = 6;
const KILL_AFTER_ANSWERS = 100;

/** The gateway on the test's config, anonymous callers allowed. */
function startCli(configPath: string): Promise<GatewayProcess> {
  return startGateway({
    args: ['--config', configPath, '--port', '0', '--admin-port', '0', '--allow-anonymous'],
    env: { GATEHOUSE_LOG_LEVEL: 'error' },
    // Generous: a start under a fully loaded machine (the whole suite on two cores) can take tens of seconds.
    timeoutMs: 90_000,
  });
}

describe('audit through a gateway killed with SIGKILL under load', () => {
  let directory: string | undefined;
  const gateways: GatewayProcess[] = [];
  after(async () => {
    for (const gateway of gateways) {
      gateway.process.kill('SIGKILL');
      await gateway.exited;
    }
    if (directory !== undefined) await rm(directory, { recursive: true, force: true });
  });

  it('keeps a record of every call a client saw answered, and the log verifies after restart', { timeout: 240_000 }, async () => {
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-audit-crash-'));
    const configPath = join(directory, 'gatehouse.yaml');
    await writeFile(configPath, [
      'gateway:', '  id: crash-test',
      'audit:', '  store: sqlite', '  path: audit.db', '  checkpoint_interval_seconds: 1',
      'backends:', '  - name: crm', `    command: ${JSON.stringify(process.execPath)}`, `    args: [${JSON.stringify(demoCrm)}, "--stdio"]`, '',
    ].join('\n'));

    const first = await startCli(configPath);
    gateways.push(first);
    const clients = await Promise.all(Array.from({ length: CLIENTS }, () => connectV2(first.url, 'auto')));
    const answered: string[] = [];
    let next = 0;
    let isKilled = false;
    let failure: unknown;
    const killed = new Promise<void>((resolve) => {
      let running = CLIENTS * IN_FLIGHT_PER_CLIENT;
      const worker = async (client: (typeof clients)[number]) => {
        while (!isKilled) {
          const customerId = `C-crash-${next++}`;
          try {
            await client.callTool({ name: 'crm__get_customer', arguments: { customer_id: customerId } });
          } catch (error) {
            failure ??= error;
            return; // the gateway is gone (or failed: reported below if it was never killed)
          }
          if (isKilled) return;
          answered.push(customerId);
          if (answered.length >= KILL_AFTER_ANSWERS && !isKilled) {
            isKilled = true;
            first.process.kill('SIGKILL');
            resolve();
          }
        }
      };
      const run = (client: (typeof clients)[number]) => worker(client).finally(() => {
        running -= 1;
        if (running === 0) resolve();
      });
      for (const client of clients) for (let slot = 0; slot < IN_FLIGHT_PER_CLIENT; slot += 1) void run(client);
    });
    await killed;
    assert.ok(isKilled, `the calls stopped before ${KILL_AFTER_ANSWERS} were answered: ${String(failure)}`);
    await first.exited;
    await Promise.allSettled(clients.map((client) => client.close()));
    assert.ok(next > answered.length, 'calls were in flight when the gateway died');

    // The restart signs a checkpoint over what the crash left; a clean stop then closes the log.
    const second = await startCli(configPath);
    gateways.push(second);
    second.process.kill('SIGTERM');
    await second.exited;

    const { stdout } = await run(process.execPath, [cli, 'audit', 'query', '--config', configPath, '--tool', 'get_customer', '--all', '--limit', '1000', '--format', 'json'], { maxBuffer: 64 * 1024 * 1024 });
    const found = new Map<string, number>();
    for (const record of JSON.parse(stdout) as Array<{ operation: { arguments: { customer_id: string } } }>) {
      found.set(record.operation.arguments.customer_id, (found.get(record.operation.arguments.customer_id) ?? 0) + 1);
    }
    const missing = answered.filter((customerId) => found.get(customerId) !== 1);
    assert.deepEqual(missing, [], `${missing.length} of ${answered.length} answered calls have no single record`);

    const verified = await run(process.execPath, [cli, 'audit', 'verify', '--config', configPath]);
    assert.match(verified.stdout, /ok|verified/i);
  });
});
