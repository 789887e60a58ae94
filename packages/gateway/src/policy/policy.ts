// The policy seam: an ordered chain of small policies, each with a request
// and/or response hook returning a Decision that the Exchange keeps. The
// built-in policies arrive with the policy issue; the chain runs now with
// whatever the registry holds (nothing, by default).

import type { Exchange } from '../exchange/exchange.ts';

export type DecisionKind = 'allow' | 'deny' | 'rewrite';

export interface Decision {
  policy: string;
  decision: DecisionKind;
  /** For a deny: what happened and what the agent can do next. */
  reason?: string;
  /** Policy-specific facts for audit (e.g. `remaining` for a rate limit). */
  details?: Record<string, unknown>;
}

export interface Policy {
  readonly name: string;
  onRequest?(exchange: Exchange): Decision | Promise<Decision>;
  onResponse?(exchange: Exchange, result: Record<string, unknown>): Decision | Promise<Decision>;
}
