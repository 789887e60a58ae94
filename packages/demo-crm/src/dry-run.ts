// What the CRM's destructive tools answer to `dry_run: true`: what the call
// would do and an `estimate` of its reach and price, with no side effect, so
// an agent can show it to the user and a gateway can decide on it before the
// real call (docs/server-authors-dry-run.md describes the contract).

import * as z from 'zod';

/** What one mass-email recipient costs the CRM's mail provider (a demo price). */
export const COST_PER_RECIPIENT_USD = 0.001;

/** The price of reaching `recipients`, in US dollars rounded to micro-dollars so sums stay exact. */
export function sendingCostUsd(recipients: number): number {
  return Math.round(recipients * COST_PER_RECIPIENT_USD * 1_000_000) / 1_000_000;
}

export const dryRunArgument = z
  .boolean()
  .default(false)
  .describe('When true, change nothing and return what the call would do plus an estimate (recipient_count, cost_usd). Default false.');

/** Counted by the CRM from its own records; never copied from the caller's arguments. */
export const sendingEstimateSchema = z.object({
  recipient_count: z.number().int().describe('Recipients the real call would reach.'),
  cost_usd: z.number().describe('What the real call would cost, in US dollars.'),
});

export type SendingEstimate = z.infer<typeof sendingEstimateSchema>;

export function sendingEstimate(recipients: number): SendingEstimate {
  return { recipient_count: recipients, cost_usd: sendingCostUsd(recipients) };
}
