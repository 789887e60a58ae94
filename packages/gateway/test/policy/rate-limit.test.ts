import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRateLimit, rateLimitSettings } from '../../src/policy/rate-limit.ts';
import type { Decision, Policy } from '../../src/policy/policy.ts';
import { makeCaller, makeExchange } from './fixtures.ts';
import { callerFromClaims } from '../../src/identity/caller.ts';

const MINUTE = 60_000;

function limiter(input: Record<string, unknown>, now: () => number): Policy {
  return createRateLimit(`rate_limit_${Math.random().toString(36).slice(2)}`, rateLimitSettings.parse(input), { now });
}

async function call(policy: Policy, caller = makeCaller({ agent: 'support', user: 'joe' }), tool = 'get_customer'): Promise<Decision> {
  return await policy.onRequest!(makeExchange({ tool, caller }));
}

describe('rate_limit policy', () => {
  test('allows up to the limit, recording what remains, then refuses with retry-after', async () => {
    const start = 100 * MINUTE;
    const policy = limiter({ requests_per_minute: 3 }, () => start + 15_000);
    const remaining = [];
    for (let i = 0; i < 3; i++) {
      const decision = await call(policy);
      assert.equal(decision.decision, 'allow');
      remaining.push(decision.details?.remaining);
    }
    assert.deepEqual(remaining, [2, 1, 0]);
    const refused = await call(policy);
    assert.equal(refused.decision, 'deny');
    assert.equal(refused.error?.code, 'rate_limited');
    assert.equal(refused.error?.retryAfterMs, 65_000);
    assert.equal(refused.reason, `Rate limit reached: user joe may make 3 requests a minute (policy "${policy.name}") and has used them all. Wait 65 s before calling again; calls sooner are refused too`);
    assert.deepEqual(refused.details, { code: 'rate_limited', limit: 3, remaining: 0, retry_after_ms: 65_000 });
  });

  test('decides synchronously with the memory sliding window, and a refused call does not count', () => {
    let now = 300 * MINUTE + 30_000;
    const policy = limiter({ requests_per_minute: 2, store: 'memory' }, () => now);
    const exchange = () => makeExchange({ tool: 'get_customer', caller: makeCaller({ user: 'joe' }) });
    const first = policy.onRequest!(exchange());
    assert.ok(!(first instanceof Promise));
    assert.equal(first.decision, 'allow');
    assert.equal((policy.onRequest!(exchange()) as Decision).decision, 'allow');
    for (let i = 0; i < 3; i++) assert.equal((policy.onRequest!(exchange()) as Decision).decision, 'deny');
    // Next minute, halfway: the previous minute's 2 (not 5) weigh 1, so one call fits.
    now = 301 * MINUTE + 30_000;
    assert.equal((policy.onRequest!(exchange()) as Decision).decision, 'allow');
    assert.equal((policy.onRequest!(exchange()) as Decision).decision, 'deny');
  });

  test('keeps one counter per user: another user is not limited', async () => {
    const policy = limiter({ requests_per_minute: 1 }, () => 200 * MINUTE);
    assert.equal((await call(policy, makeCaller({ user: 'joe' }))).decision, 'allow');
    assert.equal((await call(policy, makeCaller({ user: 'joe' }))).decision, 'deny');
    assert.equal((await call(policy, makeCaller({ user: 'ann' }))).decision, 'allow');
  });

  test('counts an exchanged token against the root principal: a self-exchange gets no fresh bucket', async () => {
    const policy = limiter({ requests_per_minute: 1 }, () => 250 * MINUTE);
    const claims = { iss: 'https://idp.example', exp: Math.floor(Date.now() / 1000) + 600, sub: 'research', client_id: 'research' };
    assert.equal((await call(policy, callerFromClaims(claims, { mode: 'hybrid' }))).decision, 'allow');
    const exchanged = callerFromClaims({ ...claims, jti: 'exchanged', act: { sub: 'research' } }, { mode: 'hybrid' });
    const refused = await call(policy, exchanged);
    assert.equal(refused.decision, 'deny');
    assert.match(refused.reason!, /^Rate limit reached: agent research may make/);
    const byAnother = callerFromClaims({ ...claims, client_id: 'support', idtyp: 'app', act: { sub: 'support' } }, { mode: 'hybrid' });
    assert.equal((await call(policy, byAnother)).decision, 'deny', 'another agent holding research\'s exchanged token counts against research');
  });

  test('per agent and tool combine into one key', async () => {
    const policy = limiter({ requests_per_minute: 1, per: ['agent', 'tool'] }, () => 300 * MINUTE);
    assert.equal((await call(policy, makeCaller({ agent: 'a' }), 'get_customer')).decision, 'allow');
    assert.equal((await call(policy, makeCaller({ agent: 'a' }), 'search_customers')).decision, 'allow');
    const refused = await call(policy, makeCaller({ agent: 'a' }), 'get_customer');
    assert.match(refused.reason!, /^Rate limit reached: agent a with tool "get_customer" may make 1 request a minute/);
  });

  test('the sliding window still counts the previous minute, weighted by overlap', async () => {
    let now = 400 * MINUTE + 50_000;
    const policy = limiter({ requests_per_minute: 4 }, () => now);
    for (let i = 0; i < 4; i++) assert.equal((await call(policy)).decision, 'allow');
    // 20 s into the next minute, 2/3 of the previous window still overlaps: 4 * 2/3 = 2.67 used, so one more fits, not four.
    now = 401 * MINUTE + 20_000;
    assert.equal((await call(policy)).decision, 'allow');
    const refused = await call(policy);
    assert.equal(refused.decision, 'deny');
    assert.ok(refused.error!.retryAfterMs! > 0 && refused.error!.retryAfterMs! <= 40_000, `retry after ${refused.error!.retryAfterMs}`);
  });

  test('a token bucket allows a burst, then the sustained rate', async () => {
    const policy = limiter({ requests_per_second: 1, algorithm: 'token_bucket', burst: 3 }, Date.now);
    const decisions = [];
    for (let i = 0; i < 5; i++) decisions.push((await call(policy)).decision);
    assert.deepEqual(decisions, ['allow', 'allow', 'allow', 'allow', 'deny'], 'one from the rate plus a burst of three');
  });

  test('a fixed window refuses past the limit until the window ends', async () => {
    const policy = limiter({ requests: 2, window_seconds: 30, algorithm: 'fixed_window' }, Date.now);
    assert.equal((await call(policy)).decision, 'allow');
    assert.equal((await call(policy)).decision, 'allow');
    const refused = await call(policy);
    assert.equal(refused.decision, 'deny');
    assert.ok(refused.error!.retryAfterMs! > 29_000 && refused.error!.retryAfterMs! <= 30_000);
    assert.match(refused.reason!, /may make 2 requests every 30 seconds/);
  });

  test('settings need exactly one limit', () => {
    const parsed = rateLimitSettings.safeParse({ requests_per_minute: 60, requests_per_hour: 100 });
    assert.equal(parsed.success, false);
    assert.deepEqual(parsed.error?.issues.map((issue) => issue.path), [['requests_per_hour']]);
  });
});
