// One limit across replicas: two real gateway processes (`gatehouse start`,
// as child processes) with the same config and the same Redis enforce one
// rate limit and one step budget between them, whichever replica a call
// lands on. Official SDK clients over real HTTP, one per replica.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startAll } from '@gatehouse/testing/start-all';
import { startGateway, type GatewayProcess } from '@gatehouse/testing/gateway/launch-gateway';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectV1, connectV2, firstText } from '../fixtures/clients.ts';
import { redisUrlIfAvailable } from '../policy/fixtures.ts';

const demoCrm = fileURLToPath(new URL('../../../demo-crm/src/main.ts', import.meta.url));

const redisUrl = await redisUrlIfAvailable();
const skip = redisUrl === undefined && process.env.CI !== 'true' ? 'Redis is not running at 127.0.0.1:6379 (start it, or run with CI=true to make this a failure)' : false;

/** `gatehouse start` as a child process; resolves once it printed where it listens. */
function startReplica(configPath: string): Promise<GatewayProcess> {
  return startGateway({ args: ['--config', configPath, '--allow-anonymous', '--port', '0', '--admin-port', '0'] });
}

function policyErrorOf(result: object): { code?: string; retry_after_ms?: number } | undefined {
  return ((result as { _meta?: Record<string, unknown> })._meta?.['io.gatehouse/policy-error']) as { code?: string; retry_after_ms?: number } | undefined;
}

describe('limits shared by two gateway processes through Redis', { skip }, () => {
  let directory: string;
  const replicas: GatewayProcess[] = [];
  // Unique policy names: their Redis keys cannot meet another run's or another test's.
  const suffix = randomBytes(4).toString('hex');

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-shared-limits-'));
    const configPath = join(directory, 'gatehouse.yaml');
    await writeFile(configPath, [
      'gateway:', '  port: 0', '  admin_port: 0',
      `session_store: ${redisUrl ?? 'redis://127.0.0.1:6379'}`,
      'backends:', '  - name: crm', `    command: ${JSON.stringify(process.execPath)}`, `    args: [${JSON.stringify(demoCrm)}, "--stdio"]`,
      'policies:',
      `  - name: search_rate_${suffix}`, '    type: rate_limit', '    requests_per_minute: 5', '    applies_to:', '      tools: [search_customers]',
      `  - name: echo_budget_${suffix}`, '    type: step_budget', '    max_steps: 6', '    run_key: [identity]', '    applies_to:', '      tools: [echo]',
      '',
    ].join('\n'));
    replicas.push(...(await startAll([startReplica(configPath), startReplica(configPath)], (replica) => replica.close())));
  });
  after(async () => {
    await Promise.all(replicas.map((replica) => replica.close()));
    if (directory !== undefined) await rm(directory, { recursive: true, force: true });
  });

  it('allows 5 searches a minute in total, alternating between the replicas, and tells the sixth caller when to retry', async () => {
    const clients = await Promise.all(replicas.map((replica) => connectV1(replica.url)));
    try {
      const outcomes: Array<{ replica: number; isError: boolean; text: string; code: string | undefined }> = [];
      for (let i = 0; i < 8; i++) {
        const result = await clients[i % 2]!.callTool({ name: 'crm__search_customers', arguments: { query: 'ex', limit: 1 } });
        outcomes.push({ replica: i % 2, isError: result.isError === true, text: result.isError === true ? firstText(result) : '', code: policyErrorOf(result)?.code });
      }
      assert.deepEqual(outcomes.map((outcome) => outcome.isError), [false, false, false, false, false, true, true, true], JSON.stringify(outcomes));
      assert.ok(outcomes.slice(5).every((outcome) => outcome.code === 'rate_limited'));
      assert.match(outcomes[5]!.text, new RegExp(`^Rate limit reached: anonymous may make 5 requests a minute \\(policy "search_rate_${suffix}"\\) and has used them all\\. Wait \\d+ s before calling again; calls sooner are refused too$`));
      assert.ok(outcomes.slice(5).some((outcome) => outcome.replica === 0) && outcomes.slice(5).some((outcome) => outcome.replica === 1), 'both replicas refuse once the shared limit is spent');
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
  });

  it('stops a 2026-07-28 agent after 6 tool calls in total, whichever replica each call reaches', async () => {
    const clients = await Promise.all(replicas.map((replica) => connectV2(replica.url, 'auto')));
    try {
      let stopped: { step: number; text: string; code: string | undefined } | undefined;
      for (let step = 0; step < 10 && stopped === undefined; step++) {
        const result = await clients[step % 2]!.callTool({ name: 'crm__echo', arguments: { message: `step ${step}` } });
        if (result.isError === true) stopped = { step, text: firstText(result), code: policyErrorOf(result)?.code };
      }
      assert.ok(stopped !== undefined, 'the shared budget stops the loop');
      assert.equal(stopped.step, 6, 'six calls in total, three on each replica');
      assert.equal(stopped.code, 'budget_exhausted');
      assert.match(stopped.text, /^Step budget exhausted: /);
      const other = await clients[(stopped.step + 1) % 2]!.callTool({ name: 'crm__echo', arguments: { message: 'one more' } });
      assert.equal(policyErrorOf(other)?.code, 'budget_exhausted', 'the other replica refuses too');
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
  });
});
