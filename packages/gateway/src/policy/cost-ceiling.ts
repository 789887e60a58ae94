// The cost ceiling (docs/policies.md: `cost_ceiling`, type `cost_per_session`,
// `max_usd`): each tool call costs what config says (per tool pattern, else a
// default), optionally plus a price per KiB of output; a call that would take
// the run past `max_usd` is refused with `cost_exhausted`.
// Amounts are counted in micro-dollars so replicas add integers, not floats.
// Tools listed in `estimate_costs` cost what the backend's own dry run says
// (`estimate.cost_usd`, dry-run-estimate.ts), not a configured price.

import { z } from 'zod';
import type { Exchange } from '../exchange/exchange.ts';
import type { Decision, Policy } from './policy.ts';
import { PolicyError } from './policy-error.ts';
import { PreparedAdds, type CounterResult, type CounterStore } from './counter-store.ts';
import { recordSessionFacts } from './session-facts.ts';
import { amount, list, oneOf, toolPattern } from './settings-schema.ts';
import type { DryRunEstimates } from './dry-run-estimate.ts';
import { runKeyOf, runKeyOptions, runKeyShape, type RunKey } from './run-key.ts';
import { compileToolSelector, type ToolSelector } from './tool-selector.ts';
import { describeWindow } from './step-budget.ts';

export const costCeilingSettings = z.strictObject({
  max_usd: amount('expected an amount in US dollars, such as 10.00'),
  /** Cost of a call whose tool no `tool_costs` entry names. */
  default_cost_usd: amount().default(0),
  /** Tool name or `backend/tool` glob -> cost of one call in US dollars; exact names first, then patterns in order. */
  tool_costs: z.record(z.string(), amount('expected an amount in US dollars, such as 0.05'), { error: 'expected a mapping of tool patterns to amounts' }).default({}),
  /** Added after the call, per KiB of the result as JSON. */
  cost_per_output_kib_usd: amount().default(0),
  /** Tools (name or `backend/tool` glob) whose call costs the backend's dry-run `estimate.cost_usd` (docs/server-authors-dry-run.md). */
  estimate_costs: list(toolPattern()).default([]),
  /** No estimate for such a tool: refuse the call, or charge its `tool_costs` price. */
  on_estimate_error: oneOf(['deny', 'tool_cost']).optional(),
  ...runKeyShape,
  store: oneOf(['auto', 'memory', 'redis']).default('auto'),
  on_store_error: oneOf(['allow', 'deny']).default('allow'),
}).refine((settings) => settings.on_estimate_error === undefined || settings.estimate_costs.length > 0, {
  path: ['on_estimate_error'],
  error: 'on_estimate_error has no effect without estimate_costs: list the tools priced by their estimate, or remove on_estimate_error',
});

export type CostCeilingSettings = z.infer<typeof costCeilingSettings>;

const MICRO = 1_000_000;
const toMicro = (usd: number) => Math.round(usd * MICRO);
const usd = (micro: number) => Math.round(micro) / MICRO;
const dollars = (micro: number) => `$${(micro / MICRO).toFixed(micro % 10_000 === 0 ? 2 : 4)}`;

/** Cost of one call to `tool` of `backend`, in micro-dollars. */
export function compileToolCosts(settings: Pick<CostCeilingSettings, 'tool_costs' | 'default_cost_usd'>): (backend: string, tool: string) => number {
  const exact = new Map<string, number>();
  const patterns: { selector: ToolSelector; micro: number }[] = [];
  for (const [pattern, cost] of Object.entries(settings.tool_costs)) {
    if (/[*?/]/.test(pattern)) patterns.push({ selector: compileToolSelector(pattern), micro: toMicro(cost) });
    else exact.set(pattern, toMicro(cost));
  }
  const fallback = toMicro(settings.default_cost_usd);
  return (backend, tool) => {
    const known = exact.get(tool);
    if (known !== undefined) return known;
    for (const { selector, micro } of patterns) if (selector.matches(backend, tool)) return micro;
    return fallback;
  };
}

export function createCostCeiling(name: string, settings: CostCeilingSettings, dependencies: { counters: CounterStore; estimates?: DryRunEstimates; now?: () => number }): Policy {
  const counters = dependencies.counters;
  const now = dependencies.now ?? Date.now;
  const options = runKeyOptions(settings);
  const limit = toMicro(settings.max_usd);
  const costOf = compileToolCosts(settings);
  const perKib = toMicro(settings.cost_per_output_kib_usd);
  /** The run key chosen on the way in, so the output cost lands on the same counter even across a window edge. */
  const runs = new WeakMap<Exchange, RunKey>();

  function decide(exchange: Exchange, run: RunKey, cost: number, result: CounterResult): Decision {
    recordSessionFacts(exchange, { cost_usd: usd(result.total) });
    if (result.isWithin) {
      return { policy: name, decision: 'allow', details: { cost_usd: usd(cost), spent_usd: usd(result.total), remaining_usd: usd(Math.max(0, limit - result.total)), run: run.scope } };
    }
    const tool = exchange.target?.name ?? exchange.message.method;
    const where = run.scope === 'session' ? 'this session' : run.scope === 'identity' ? `your agent in the current ${describeWindow(settings.window_seconds)} window` : 'this run';
    const message = `Cost ceiling reached: ${where} has spent ${dollars(result.total)} of its ${dollars(limit)} limit and a call to "${tool}" costs ${dollars(cost)} (policy "${name}"). Stop calling paid tools, tell the user this session's budget is spent, and ask them to start a new session or have an administrator raise the limit`;
    const details = { code: 'cost_exhausted', cost_usd: usd(cost), spent_usd: usd(result.total), max_usd: settings.max_usd, run: run.scope };
    return { policy: name, decision: 'deny', reason: message, details, error: new PolicyError(name, 'cost_exhausted', message, { details }) };
  }

  function storeFailed(error: unknown): Decision {
    const detail = error instanceof Error ? error.message : String(error);
    if (settings.on_store_error === 'allow') return { policy: name, decision: 'allow', details: { store_error: detail } };
    const message = `The cost ceiling cannot be checked right now (the counter store is unavailable), so policy "${name}" refuses the call; retry in a few seconds`;
    return { policy: name, decision: 'deny', reason: message, details: { code: 'policy_failed', store_error: detail }, error: new PolicyError(name, 'policy_failed', message, { retryAfterMs: 5000 }) };
  }

  const costFor = (exchange: Exchange) => {
    const target = exchange.target;
    return target?.name === undefined ? toMicro(settings.default_cost_usd) : costOf(target.backend, target.name);
  };

  /** Whether this call's price comes from the backend's estimate (a call that is itself a dry run pays its configured price). */
  const isEstimated = (exchange: Exchange): boolean => {
    const target = exchange.target;
    if (settings.estimate_costs.length === 0 || target?.name === undefined) return false;
    return settings.estimate_costs.some((selector) => selector.matches(target.backend, target.name!)) && dependencies.estimates?.isDryRun(exchange) !== true;
  };

  /** The estimated price in micro-dollars and the facts for the decision, or the refusal when there is none. */
  async function estimatedCost(exchange: Exchange): Promise<{ cost: number; facts: Record<string, unknown> } | Decision> {
    const outcome = dependencies.estimates === undefined ? { isAvailable: false as const, problem: 'this gateway was built without dry runs', elapsedMs: 0 } : await dependencies.estimates.fetch(exchange);
    const cost = outcome.isAvailable ? outcome.estimate.cost_usd : undefined;
    if (outcome.isAvailable && typeof cost === 'number' && Number.isFinite(cost) && cost >= 0) {
      return { cost: toMicro(cost), facts: { cost_source: 'estimate', estimate: outcome.estimate, dry_run_ms: outcome.elapsedMs } };
    }
    const problem = outcome.isAvailable ? 'the estimate has no "cost_usd" number of at least 0' : outcome.problem;
    const onError = settings.on_estimate_error ?? 'deny';
    const facts = { cost_source: onError, estimate_error: problem, dry_run_ms: outcome.elapsedMs };
    if (onError === 'tool_cost') return { cost: costFor(exchange), facts };
    const message = `Policy "${name}" charges calls to "${exchange.target?.name}" what the backend's own estimate says and could not get one (${problem}), so the call was not forwarded. Retry later; if it keeps failing, tell the user an administrator must check the backend's dry-run support`;
    const details = { code: 'estimate_unavailable', ...facts };
    return { policy: name, decision: 'deny', reason: message, details, error: new PolicyError(name, 'estimate_unavailable', message, { details }) };
  }

  function charge(exchange: Exchange, cost: number): Decision | Promise<Decision> {
    const run = runKeyOf(exchange, options, now());
    if (perKib > 0) runs.set(exchange, run);
    let result: CounterResult | Promise<CounterResult>;
    try {
      result = counters.addWithin(`${name}:${run.key}`, cost, limit, run.ttlSeconds);
    } catch (error) {
      return storeFailed(error);
    }
    if (result instanceof Promise) return result.then((settled) => decide(exchange, run, cost, settled), storeFailed);
    return decide(exchange, run, cost, result);
  }

  async function chargeEstimated(exchange: Exchange): Promise<Decision> {
    const priced = await estimatedCost(exchange);
    if ('decision' in priced) return priced;
    const decision = await charge(exchange, priced.cost);
    return { ...decision, details: { ...decision.details, ...priced.facts } };
  }

  const policy: Policy = {
    name,
    type: 'cost_per_session',
    onRequest(exchange): Decision | Promise<Decision> {
      const prepared = prepares?.take(exchange);
      if (prepared !== undefined) return prepared.result.then((settled) => decide(exchange, prepared.context, prepared.amount, settled), storeFailed);
      return isEstimated(exchange) ? chargeEstimated(exchange) : charge(exchange, costFor(exchange));
    },
  };
  // A shared store's add starts with the other store-backed policies' commands, in one round trip (chain.ts).
  const prepares = counters.kind === 'memory' ? undefined : new PreparedAdds<RunKey>(counters);
  if (prepares !== undefined) {
    policy.prepare = (exchange) => {
      // The price is known only after the dry run, so this call's add waits for onRequest.
      if (isEstimated(exchange)) return;
      const run = runKeyOf(exchange, options, now());
      if (perKib > 0) runs.set(exchange, run);
      prepares.start(exchange, run, `${name}:${run.key}`, costFor(exchange), limit, run.ttlSeconds);
    };
    policy.release = (exchange) => prepares.release(exchange);
  }
  if (perKib > 0) {
    policy.onResponse = (exchange, result): Decision | Promise<Decision> => {
      const run = runs.get(exchange) ?? runKeyOf(exchange, options, now());
      const kib = Buffer.byteLength(JSON.stringify(result)) / 1024;
      const cost = Math.round(kib * perKib);
      const recorded = (total: number): Decision => {
        recordSessionFacts(exchange, { cost_usd: usd(total) });
        return { policy: name, decision: 'allow', details: { output_cost_usd: usd(cost), spent_usd: usd(total), run: run.scope } };
      };
      // The call has happened: a store outage here is recorded, never turned into a refusal of its result.
      const unrecorded = (error: unknown): Decision => ({ policy: name, decision: 'allow', details: { output_cost_usd: usd(cost), store_error: error instanceof Error ? error.message : String(error) } });
      try {
        const total = counters.add(`${name}:${run.key}`, cost, run.ttlSeconds);
        return total instanceof Promise ? total.then(recorded, unrecorded) : recorded(total);
      } catch (error) {
        return unrecorded(error);
      }
    };
  }
  return policy;
}
