// Measures what the default policy chain costs per tools/call, in process:
// the request hooks (rate limit, step budget, cost ceiling, argument
// validation, tool pinning, approval rule, input screening, scope check)
// and the redaction response hook on a typical get_customer result.
//   node packages/gateway/test/policy/chain-cost.ts [iterations]

import { buildPolicies } from '../../src/policy/registry.ts';
import { MemoryPinStore } from '../../src/policy/pin-store.ts';
import type { PolicyConfig } from '../../src/config/policy-schema.ts';
import { customerResult, makeCaller, makeExchange, redisUrlIfAvailable, toolTable } from './fixtures.ts';

const iterations = Number(process.argv[2] ?? 50_000);
const table = toolTable();
const UNLIMITED = 1_000_000_000;
const policies: PolicyConfig[] = [
  { name: 'scope_check', type: 'scope_check', settings: { required_scopes: ['crm.invoke'] } },
  { name: 'rate_limit_per_user', type: 'rate_limit', settings: { requests_per_minute: UNLIMITED } },
  { name: 'cost_ceiling', type: 'cost_per_session', settings: { max_usd: UNLIMITED, tool_costs: { get_customer: 0.01, send_mass_email: 0.5 } } },
  { name: 'step_budget', type: 'step_budget', settings: { max_steps: 100_000_000 } },
  { name: 'tool_pinning', type: 'tool_pinning', settings: {} },
  { name: 'argument_validation', type: 'argument_validation', settings: {} },
  { name: 'input_screening', type: 'input_screening', settings: {} },
  { name: 'mass_email_approval', type: 'approval', settings: { rules: [{ tool: 'send_mass_email', when: 'args.recipient_count > 1000' }] } },
  { name: 'pii_redaction', type: 'response_filter', settings: { patterns: ['ssn', 'credit_card', 'full_email'] } },
];

async function build(configs: PolicyConfig[]) {
  const built = await buildPolicies(configs, { toolDefinitions: table.lookup, pinStore: new MemoryPinStore() });
  if (!built.ok) throw new Error(JSON.stringify(built.problems));
  return built.set.chain;
}

const caller = makeCaller({ agent: 'support', user: 'alice', scopes: ['crm.invoke'] });
const exchanges = () => Array.from({ length: 1000 }, () => makeExchange({ tool: 'get_customer', args: { customer_id: 'C-1001' }, caller, sessionId: 'bench' }));

/** Best of five rounds: the machine is shared, and the best round is the one least disturbed. */
async function measure(label: string, run: (index: number) => unknown): Promise<void> {
  for (let i = 0; i < Math.min(20_000, iterations); i++) await run(i);
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) {
      const outcome = run(i);
      if (outcome instanceof Promise) await outcome;
    }
    best = Math.min(best, Number(process.hrtime.bigint() - started) / iterations);
  }
  process.stdout.write(`${label.padEnd(58)} ${best.toFixed(0).padStart(7)} ns/op\n`);
}

const full = await build(policies);
const syncOnly = await build(policies.filter((policy) => policy.type !== 'rate_limit'));
const redactionOnly = await build(policies.filter((policy) => policy.type === 'response_filter'));
const pool = exchanges();

process.stdout.write(`node ${process.version}, best of 5 rounds of ${iterations} calls\n`);
await measure('request hooks, full default chain (memory rate limit)', (i) => {
  const exchange = pool[i % pool.length]!;
  exchange.decisions.length = 0;
  return full.runRequest(exchange);
});
await measure('request hooks, without rate limit (all synchronous)', (i) => {
  const exchange = pool[i % pool.length]!;
  exchange.decisions.length = 0;
  return syncOnly.runRequest(exchange);
});
await measure('copying a get_customer result (baseline, subtract)', (i) => customerResult() && i);
await measure('copy + redaction (ssn, credit_card, full_email)', (i) => {
  const exchange = pool[i % pool.length]!;
  exchange.decisions.length = 0;
  return redactionOnly.runResponse(exchange, customerResult());
});

// With Redis (when it runs at 127.0.0.1:6379): the three Redis-backed policies share one pipelined round trip.
const redisUrl = await redisUrlIfAvailable();
if (redisUrl !== undefined) {
  const { createClient } = await import('redis');
  const client = createClient({ url: redisUrl });
  await client.connect();
  const suffix = Math.random().toString(36).slice(2);
  const withRedis = await buildPolicies(policies.map((policy) => ({ ...policy, name: `${policy.name}_${suffix}` })), { toolDefinitions: table.lookup, pinStore: new MemoryPinStore(), redis: client });
  if (!withRedis.ok) throw new Error(JSON.stringify(withRedis.problems));
  const redisIterations = Math.max(1000, Math.floor(iterations / 20));
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < redisIterations; i++) {
      const exchange = pool[i % pool.length]!;
      exchange.decisions.length = 0;
      await withRedis.set.chain.runRequest(exchange);
    }
    best = Math.min(best, Number(process.hrtime.bigint() - started) / redisIterations);
  }
  process.stdout.write(`${'request hooks, full default chain, Redis (1 pipelined round trip)'.padEnd(58)} ${best.toFixed(0).padStart(7)} ns/op (latency, one call at a time)\n`);
  await client.quit();
}
