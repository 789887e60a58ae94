// Runs the policies in order and stops at the first deny. Synchronous
// decisions stay synchronous, so an empty or all-sync chain costs no promise.

import type { Exchange } from '../exchange/exchange.ts';
import type { Decision, Policy } from './policy.ts';

export type ChainOutcome = { isAllowed: true } | { isAllowed: false; denial: Decision };

const ALLOWED: ChainOutcome = { isAllowed: true };

export interface PolicyChain {
  readonly isEmpty: boolean;
  runRequest(exchange: Exchange): ChainOutcome | Promise<ChainOutcome>;
}

export function createPolicyChain(policies: readonly Policy[]): PolicyChain {
  const requestHooks = policies.filter((policy) => policy.onRequest !== undefined);

  function continueFrom(index: number, exchange: Exchange): ChainOutcome | Promise<ChainOutcome> {
    for (let i = index; i < requestHooks.length; i++) {
      const decision = requestHooks[i]!.onRequest!(exchange);
      if (decision instanceof Promise) {
        return decision.then((settled) => (record(exchange, settled) ? continueFrom(i + 1, exchange) : deny(settled)));
      }
      if (!record(exchange, decision)) return deny(decision);
    }
    return ALLOWED;
  }

  return {
    isEmpty: requestHooks.length === 0,
    runRequest: (exchange) => (requestHooks.length === 0 ? ALLOWED : continueFrom(0, exchange)),
  };
}

function record(exchange: Exchange, decision: Decision): boolean {
  exchange.decisions.push(decision);
  return decision.decision !== 'deny';
}

function deny(decision: Decision): ChainOutcome {
  return { isAllowed: false, denial: decision };
}
