import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileToolCosts, costCeilingSettings, createCostCeiling } from '../../src/policy/cost-ceiling.ts';
import { MemoryCounterStore } from '../../src/policy/counter-store.ts';
import { createPolicyChain } from '../../src/policy/chain.ts';
import type { Decision } from '../../src/policy/policy.ts';
import { customerResult, makeExchange } from './fixtures.ts';

function ceiling(input: Record<string, unknown>) {
  return createCostCeiling('cost_ceiling', costCeilingSettings.parse(input), { counters: new MemoryCounterStore() });
}

describe('cost_per_session (cost ceiling) policy', () => {
  test('charges each call its configured cost and refuses the one that would pass max_usd', () => {
    const policy = ceiling({ max_usd: 1.0, tool_costs: { send_mass_email: 0.4, 'crm/*': 0.01 } });
    const call = (tool: string) => policy.onRequest!(makeExchange({ tool, sessionId: 'spend' })) as Decision;
    assert.deepEqual(call('send_mass_email'), { policy: 'cost_ceiling', decision: 'allow', details: { cost_usd: 0.4, spent_usd: 0.4, remaining_usd: 0.6, run: 'session' } });
    assert.equal(call('send_mass_email').decision, 'allow');
    assert.deepEqual(call('get_customer').details, { cost_usd: 0.01, spent_usd: 0.81, remaining_usd: 0.19, run: 'session' });
    const refused = call('send_mass_email');
    assert.equal(refused.decision, 'deny');
    assert.equal(refused.error?.code, 'cost_exhausted');
    assert.equal(refused.reason, 'Cost ceiling reached: this session has spent $0.81 of its $1.00 limit and a call to "send_mass_email" costs $0.40 (policy "cost_ceiling"). Stop calling paid tools, tell the user this session\'s budget is spent, and ask them to start a new session or have an administrator raise the limit');
    assert.deepEqual(refused.details, { code: 'cost_exhausted', cost_usd: 0.4, spent_usd: 0.81, max_usd: 1, run: 'session' });
    assert.equal(call('get_customer').decision, 'allow', 'a cheaper call that still fits goes through');
  });

  test('exact tool names win over patterns; unknown tools cost the default', () => {
    const costOf = compileToolCosts({ tool_costs: { 'crm/*': 0.01, get_customer: 0.5 }, default_cost_usd: 0.002 });
    assert.equal(costOf('crm', 'get_customer'), 500_000);
    assert.equal(costOf('crm', 'search_customers'), 10_000);
    assert.equal(costOf('github', 'search'), 2_000);
  });

  test('charges output size after the call when a price per KiB is set', () => {
    const policy = ceiling({ max_usd: 10, cost_per_output_kib_usd: 1 });
    const exchange = makeExchange({ tool: 'get_customer', sessionId: 'bytes' });
    const chain = createPolicyChain([policy]);
    chain.runRequest(exchange);
    chain.runResponse(exchange, customerResult());
    const charged = exchange.decisions[1]!;
    assert.equal(charged.decision, 'allow');
    assert.ok((charged.details!.output_cost_usd as number) > 0.5, `output cost ${charged.details!.output_cost_usd}`);
    assert.equal(charged.details!.spent_usd, charged.details!.output_cost_usd);
  });
});
