// What one call cost, read from the cost policy's own verdicts: the price it
// charged on the way in (`cost_usd` beside `spent_usd`) plus any output
// charge on the way out (`output_cost_usd`). The same rule serves the audit
// store's aggregate (usage-sql.ts says it in SQL) and the live metrics.

import type { UsagePricing } from '../telemetry/metrics.ts';
import { DEFAULT_TENANT } from './teams.ts';

/** One policy verdict with its facts, whether flattened (audit record) or under `details` (the Exchange's Decision). */
export interface CostFacts {
  policy: string;
  decision: string;
  facts: Readonly<Record<string, unknown>>;
}

export const MICRO_USD = 1_000_000;

/**
 * The call's charge in micro-dollars, or undefined when no cost policy
 * charged it (no cost policy ran, or its counter store was out). Two cost
 * policies (a per-session and a per-day ceiling, say) each charge the same
 * call: the larger charge counts, so the call is not paid twice.
 */
export function chargedMicroOf(decisions: Iterable<CostFacts>): number | undefined {
  const byPolicy = new Map<string, number>();
  for (const { policy, decision, facts } of decisions) {
    if (decision !== 'allow') continue;
    const charge = chargeOf(facts);
    if (charge !== undefined) byPolicy.set(policy, (byPolicy.get(policy) ?? 0) + charge);
  }
  if (byPolicy.size === 0) return undefined;
  return Math.round(Math.max(...byPolicy.values()) * MICRO_USD);
}

/** A verdict's charge in dollars: the output charge, else the call's price when it was counted (`spent_usd` beside it). */
function chargeOf(facts: Readonly<Record<string, unknown>>): number | undefined {
  if (isAmount(facts.output_cost_usd)) return facts.output_cost_usd;
  if (isAmount(facts.cost_usd) && isAmount(facts.spent_usd)) return facts.cost_usd;
  return undefined;
}

function isAmount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** The audit record's `context.policy_decisions` entries, facts flattened beside the verdict. */
export function costFactsOfRecord(entries: readonly { policy: string; decision: string; [fact: string]: unknown }[]): CostFacts[] {
  return entries.map((entry) => ({ policy: entry.policy, decision: entry.decision, facts: entry }));
}

/** The policy chain's decisions, facts under `details`. */
export function costFactsOfDecisions(decisions: readonly { policy: string; decision: string; details?: Readonly<Record<string, unknown>> | undefined }[]): CostFacts[] {
  return decisions.map((decision) => ({ policy: decision.policy, decision: decision.decision, facts: decision.details ?? {} }));
}

/** The usage counters' pricing (telemetry/metrics.ts): a call's charge in dollars from its verdicts, under the default tenant when it has none. */
export const USAGE_PRICING: UsagePricing = {
  defaultTenant: DEFAULT_TENANT,
  chargeUsdOf(decisions) {
    const charged = chargedMicroOf(costFactsOfDecisions(decisions));
    return charged === undefined ? undefined : charged / MICRO_USD;
  },
};
