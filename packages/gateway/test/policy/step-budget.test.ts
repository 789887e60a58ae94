import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createStepBudget, stepBudgetSettings } from '../../src/policy/step-budget.ts';
import { MemoryCounterStore } from '../../src/policy/counter-store.ts';
import { runKeyOf } from '../../src/policy/run-key.ts';
import { compileCondition } from '../../src/policy/cel.ts';
import type { Decision } from '../../src/policy/policy.ts';
import { makeCaller, makeExchange } from './fixtures.ts';
import { callerFromClaims } from '../../src/identity/caller.ts';

function budget(maxSteps: number, extra: Record<string, unknown> = {}, now = () => 1_700_000_000_000) {
  return createStepBudget('step_budget', stepBudgetSettings.parse({ max_steps: maxSteps, ...extra }), { counters: new MemoryCounterStore({ now }), now });
}

describe('step_budget policy', () => {
  test('counts tool calls per session and refuses past the budget with budget_exhausted', () => {
    const policy = budget(2);
    const decisions = [1, 2, 3].map(() => policy.onRequest!(makeExchange({ tool: 'get_customer', sessionId: 'sess-a' })) as Decision);
    assert.deepEqual(decisions[0], { policy: 'step_budget', decision: 'allow', details: { steps: 1, remaining: 1, run: 'session' } });
    assert.deepEqual(decisions[1]?.details, { steps: 2, remaining: 0, run: 'session' });
    const refused = decisions[2]!;
    assert.equal(refused.decision, 'deny');
    assert.equal(refused.error?.code, 'budget_exhausted');
    assert.equal(refused.error?.kind, 'permanent');
    assert.equal(refused.reason, 'Step budget exhausted: this session has made all 2 tool calls it is allowed (policy "step_budget"). Stop calling tools, summarize what you have done so far for the user, and ask them to start a new session if more work is needed');
    assert.deepEqual(refused.details, { code: 'budget_exhausted', steps: 2, max_steps: 2, run: 'session' });
  });

  test('another session has its own budget', () => {
    const policy = budget(1);
    assert.equal((policy.onRequest!(makeExchange({ tool: 'x', sessionId: 's1' })) as Decision).decision, 'allow');
    assert.equal((policy.onRequest!(makeExchange({ tool: 'x', sessionId: 's1' })) as Decision).decision, 'deny');
    assert.equal((policy.onRequest!(makeExchange({ tool: 'x', sessionId: 's2' })) as Decision).decision, 'allow');
  });

  test('a 2026 client is budgeted by its token\'s sid, across tokens of that login', () => {
    const policy = budget(1);
    const first = makeExchange({ tool: 'x', era: 'modern', caller: makeCaller({ sid: 'login-1', jti: 'token-1' }) });
    const refreshed = makeExchange({ tool: 'x', era: 'modern', caller: makeCaller({ sid: 'login-1', jti: 'token-2' }) });
    assert.equal((policy.onRequest!(first) as Decision).details?.run, 'sid');
    assert.equal((policy.onRequest!(refreshed) as Decision).decision, 'deny', 'a new token of the same login shares the budget');
  });

  test('without sid or jti, a 2026 client is budgeted by identity over the window, so a loop still stops', () => {
    let now = 1_700_000_000_000;
    const policy = budget(2, { window_seconds: 60 }, () => now);
    const call = () => policy.onRequest!(makeExchange({ tool: 'x', era: 'modern', caller: makeCaller({ agent: 'looper' }) })) as Decision;
    assert.equal(call().details?.run, 'identity');
    assert.equal(call().decision, 'allow');
    const refused = call();
    assert.equal(refused.decision, 'deny');
    assert.match(refused.reason!, /^Step budget exhausted: your agent in the current minute window has made all 2 tool calls/);
    now += 60_000;
    assert.equal(call().decision, 'allow', 'the next window starts a new budget');
  });

  test('budgets an exchanged token by identity with the token it came from: the root principal', () => {
    const policy = budget(1, { run_key: ['identity'], window_seconds: 60 });
    const claims = { iss: 'https://idp.example', exp: Math.floor(Date.now() / 1000) + 600, sub: 'alice', client_id: 'support' };
    const own = callerFromClaims(claims, { mode: 'hybrid' });
    const exchanged = callerFromClaims({ ...claims, client_id: 'research', act: { sub: 'research' } }, { mode: 'hybrid' });
    assert.equal((policy.onRequest!(makeExchange({ tool: 'x', era: 'modern', caller: own })) as Decision).decision, 'allow');
    assert.equal((policy.onRequest!(makeExchange({ tool: 'x', era: 'modern', caller: exchanged })) as Decision).decision, 'deny');
  });

  test('budgets exchanged tokens by the root principal by default, so exchanging again and again buys no fresh budget', () => {
    const policy = budget(2, { window_seconds: 60 });
    const claims = { iss: 'https://idp.example', exp: Math.floor(Date.now() / 1000) + 600, sub: 'research', client_id: 'research', act: { sub: 'research' } };
    const call = (jti: string) => policy.onRequest!(makeExchange({ tool: 'x', era: 'modern', caller: callerFromClaims({ ...claims, jti }, { mode: 'hybrid' }) })) as Decision;
    assert.equal(call('exchange-1').details?.run, 'identity');
    assert.equal(call('exchange-2').decision, 'allow');
    assert.equal(call('exchange-3').decision, 'deny', 'a third exchanged token shares the spent budget');
  });

  test('run keys follow the configured order', () => {
    const options = { order: ['jti', 'identity'] as const, windowSeconds: 60, sessionTtlSeconds: 100 };
    const exchange = makeExchange({ tool: 'x', caller: makeCaller({ sid: 's', jti: 'j' }) });
    assert.equal(runKeyOf(exchange, options, 0).scope, 'jti');
  });

  test('the step count is visible to later CEL conditions as session.steps', () => {
    const policy = budget(10);
    policy.onRequest!(makeExchange({ tool: 'x', sessionId: 'cel' }));
    const exchange = makeExchange({ tool: 'x', sessionId: 'cel' });
    policy.onRequest!(exchange);
    assert.equal(compileCondition('session.steps == 2').evaluate(exchange), true);
  });

  test('a store outage lets calls through by default, recorded', async () => {
    const failing = { kind: 'redis' as const, addWithin: () => Promise.reject(new Error('ECONNREFUSED')), add: () => Promise.reject(new Error('ECONNREFUSED')) };
    const open = createStepBudget('step_budget', stepBudgetSettings.parse({ max_steps: 1 }), { counters: failing });
    assert.deepEqual(await open.onRequest!(makeExchange({ tool: 'x' })), { policy: 'step_budget', decision: 'allow', details: { store_error: 'ECONNREFUSED' } });
    const closed = createStepBudget('step_budget', stepBudgetSettings.parse({ max_steps: 1, on_store_error: 'deny' }), { counters: failing });
    assert.equal((await closed.onRequest!(makeExchange({ tool: 'x' }))).error?.code, 'policy_failed');
  });
});
