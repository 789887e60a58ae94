// The audit crash test through the real gateway: `gatehouse start` as a
// child process (SQLite audit, the demo CRM over stdio), SDK clients calling
// tools concurrently, SIGKILL mid-load. After a restart, every call a client
// saw answered has exactly one record (`gatehouse audit query`), and
// `gatehouse audit verify` passes over the crash.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { connectV2 } from '../fixtures/clients.ts';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const demoCrm = fileURLToPath(new URL('../../../demo-crm/src/main.ts', import.meta.url));

const CLIENTS = 4;
const IN_FLIGHT_PER_CLIENT = 6;
const KILL_AFTER_ANSWERS = 100;

interface RunningCli {
  child: ChildProcess;
  url: string;
  adminUrl: string;
}

function startCli(configPath: string): Promise<RunningCli> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'start', '--config', configPath, '--port', '0', '--admin-port', '0', '--allow-anonymous'], {
      env: { ...process.env, GATEHOUSE_LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    // Generous: a start under a fully loaded machine (the whole suite on two cores) can take tens of seconds.
    const timer = setTimeout(() => {
      // A child left running would keep this test file alive long after it failed.
      child.kill('SIGKILL');
      reject(new Error(`gateway did not start in time\n${stdout}\n${stderr}`));
    }, 90_000);
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk;
      const url = /listening on (http:\/\/\S+\/mcp)/.exec(stdout)?.[1];
      const adminUrl = /(http:\/\/\S+)\/healthz/.exec(stdout)?.[1];
      if (url !== undefined && adminUrl !== undefined) {
        clearTimeout(timer);
        resolve({ child, url, adminUrl });
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited (${code ?? signal})\n${stdout}\n${stderr}`));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

describe('audit through a gateway killed with SIGKILL under load', () => {
  let directory: string | undefined;
  const children: ChildProcess[] = [];
  after(async () => {
    for (const child of children) {
      child.kill('SIGKILL');
      await exited(child);
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
    children.push(first.child);
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
            first.child.kill('SIGKILL');
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
    await exited(first.child);
    await Promise.allSettled(clients.map((client) => client.close()));
    assert.ok(next > answered.length, 'calls were in flight when the gateway died');

    // The restart signs a checkpoint over what the crash left; a clean stop then closes the log.
    const second = await startCli(configPath);
    children.push(second.child);
    second.child.kill('SIGTERM');
    await exited(second.child);

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
