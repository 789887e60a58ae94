// The run's counters that CEL conditions read as `session` (session.steps,
// session.cost_usd): budget policies earlier in the chain report them here.
// Kept apart from cel.ts so that a budget policy, and the usage report that
// reads the cost policy's price table, do not load the CEL engine.

import type { Exchange } from '../exchange/exchange.ts';

/** Session counters a condition sees; budget policies declared earlier in the chain fill them. */
export type SessionFacts = {
  id: string | null;
  steps: number;
  cost_usd: number;
};

/** Kept apart from a condition's activation so budget policies can report counts without building one (most exchanges evaluate no condition). */
const sessionFacts = new WeakMap<Exchange, SessionFacts>();

/** Budget policies report the run's counters here so later conditions (`session.steps > 40`) can use them. */
export function recordSessionFacts(exchange: Exchange, facts: Partial<Pick<SessionFacts, 'steps' | 'cost_usd'>>): void {
  const session = sessionFactsOf(exchange);
  if (facts.steps !== undefined) session.steps = facts.steps;
  if (facts.cost_usd !== undefined) session.cost_usd = facts.cost_usd;
}

/** The exchange's counters, zero until a budget policy reports. */
export function sessionFactsOf(exchange: Exchange): SessionFacts {
  let facts = sessionFacts.get(exchange);
  if (facts === undefined) {
    facts = { id: exchange.session?.id ?? null, steps: 0, cost_usd: 0 };
    sessionFacts.set(exchange, facts);
  }
  return facts;
}
