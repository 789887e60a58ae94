import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import { buildPolicies } from '../../src/policy/registry.ts';
import { makeCaller, makeExchange, redisUrlIfAvailable } from './fixtures.ts';

const worker = fileURLToPath(new URL('./shared-limits-worker.ts', import.meta.url));
const url = await redisUrlIfAvailable();
const skip = url === undefined && process.env.CI !== 'true' ? 'Redis is not running at 127.0.0.1:6379 (start it, or run with CI=true to make this a failure)' : false;

function runWorker(suffix: string, startAt: number, calls: number): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [worker, url ?? 'redis://127.0.0.1:6379', suffix, String(startAt), String(calls)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill(), 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`worker exited ${code}: ${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number>);
    });
  });
}

describe('limits shared through Redis', { skip }, () => {
  test('two gateway processes together allow exactly the rate limit, step budget and cost ceiling once', async () => {
    const suffix = randomUUID().slice(0, 8);
    const startAt = Date.now() + 1500;
    const [first, second] = await Promise.all([runWorker(suffix, startAt, 10), runWorker(suffix, startAt, 10)]);
    const total = (name: string) => first![name]! + second![name]!;
    assert.equal(total('rate_limit'), 7, `rate limit: ${JSON.stringify([first, second])}`);
    assert.equal(total('step_budget'), 5, `step budget: ${JSON.stringify([first, second])}`);
    assert.equal(total('cost_ceiling'), 4, `cost ceiling: ${JSON.stringify([first, second])}`);
  });

  test('a call an earlier policy refuses gives back what the Redis-backed policies prepared', async () => {
    const client = createClient({ url });
    await client.connect();
    try {
      const suffix = randomUUID().slice(0, 8);
      const built = await buildPolicies([
        { name: `access_${suffix}`, type: 'tool_access', settings: { rules: [{ deny: ['delete_*'] }] } },
        { name: `rate_${suffix}`, type: 'rate_limit', settings: { requests_per_minute: 2 } },
        { name: `steps_${suffix}`, type: 'step_budget', settings: { max_steps: 2 } },
      ], { redis: client });
      assert.ok(built.ok);
      if (!built.ok) return;
      const caller = makeCaller({ user: `user-${suffix}` });
      const call = (tool: string) => built.set.chain.runRequest(makeExchange({ tool, caller, sessionId: `s-${suffix}` }));
      for (let i = 0; i < 3; i++) assert.equal((await call('delete_customer')).isAllowed, false);
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal((await call('get_customer')).isAllowed, true, 'the refused calls spent neither rate nor steps');
      assert.equal((await call('get_customer')).isAllowed, true);
      const third = await call('get_customer');
      assert.equal(third.isAllowed, false);
    } finally {
      await client.quit();
    }
  });
});
