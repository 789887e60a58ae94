// One "gateway process" for shared-limits.test.ts: builds the policies with a
// Redis connection, waits for the agreed start time, fires its calls at
// once, and prints how many each chain allowed as one JSON line.

import { createClient } from 'redis';
import { buildPolicies } from '../../src/policy/registry.ts';
import type { PolicyConfig } from '../../src/config/policy-schema.ts';
import { makeCaller, makeExchange } from './fixtures.ts';

const [url, suffix, startAt, callsText] = process.argv.slice(2) as [string, string, string, string];
const calls = Number(callsText);
const client = createClient({ url });
await client.connect();

const chainOf = async (config: PolicyConfig) => {
  const built = await buildPolicies([config], { redis: client });
  if (!built.ok) throw new Error(JSON.stringify(built.problems));
  return built.set.chain;
};
const chains = {
  rate_limit: await chainOf({ name: `rate_${suffix}`, type: 'rate_limit', settings: { requests_per_minute: 7 } }),
  step_budget: await chainOf({ name: `steps_${suffix}`, type: 'step_budget', settings: { max_steps: 5, run_key: ['sid'] } }),
  cost_ceiling: await chainOf({ name: `cost_${suffix}`, type: 'cost_per_session', settings: { max_usd: 1.0, tool_costs: { send_email: 0.25 }, run_key: ['sid'] } }),
};
const caller = makeCaller({ agent: 'looper', user: `user-${suffix}`, sid: `login-${suffix}` });

await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
const allowed: Record<string, number> = {};
for (const [name, chain] of Object.entries(chains)) {
  const outcomes = await Promise.all(Array.from({ length: calls }, () => chain.runRequest(makeExchange({ tool: 'send_email', era: 'modern', caller }))));
  allowed[name] = outcomes.filter((outcome) => outcome.isAllowed).length;
}
process.stdout.write(`${JSON.stringify(allowed)}\n`);
await client.quit();
