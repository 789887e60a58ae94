// The step budget: at most `max_steps` tool calls per run (session, token
// session, token, or identity window: run-key.ts), so an agent stuck in a
// loop stops instead of calling tools forever. Refused calls are not
// counted; the error code is `budget_exhausted` (docs/policies.md).

import { z } from 'zod';
import type { Exchange } from '../exchange/exchange.ts';
import type { Decision, Policy } from './policy.ts';
import { PolicyError } from './policy-error.ts';
import { PreparedAdds, type CounterResult, type CounterStore } from './counter-store.ts';
import { recordSessionFacts } from './session-facts.ts';
import { oneOf, wholeNumber } from './settings-schema.ts';
import { runKeyOf, runKeyOptions, runKeyShape, type RunKey } from './run-key.ts';

export const stepBudgetSettings = z.strictObject({
  max_steps: wholeNumber(1, 100_000_000),
  ...runKeyShape,
  store: oneOf(['auto', 'memory', 'redis']).default('auto'),
  /** When the counter store cannot be reached: let calls through (recorded) or refuse them. */
  on_store_error: oneOf(['allow', 'deny']).default('allow'),
});

export type StepBudgetSettings = z.infer<typeof stepBudgetSettings>;

export function createStepBudget(name: string, settings: StepBudgetSettings, dependencies: { counters: CounterStore; now?: () => number }): Policy {
  const counters = dependencies.counters;
  const now = dependencies.now ?? Date.now;
  const options = runKeyOptions(settings);
  const max = settings.max_steps;

  function decide(exchange: Exchange, run: RunKey, result: CounterResult): Decision {
    if (result.isWithin) {
      recordSessionFacts(exchange, { steps: result.total });
      return { policy: name, decision: 'allow', details: { steps: result.total, remaining: max - result.total, run: run.scope } };
    }
    recordSessionFacts(exchange, { steps: result.total });
    const where = run.scope === 'session' ? 'this session' : run.scope === 'identity' ? `your agent in the current ${describeWindow(settings.window_seconds)} window` : 'this run';
    const message = `Step budget exhausted: ${where} has made all ${max} tool calls it is allowed (policy "${name}"). Stop calling tools, summarize what you have done so far for the user, and ask them to start a new session if more work is needed`;
    const details = { code: 'budget_exhausted', steps: result.total, max_steps: max, run: run.scope };
    return { policy: name, decision: 'deny', reason: message, details, error: new PolicyError(name, 'budget_exhausted', message, { details }) };
  }

  function storeFailed(error: unknown): Decision {
    const detail = error instanceof Error ? error.message : String(error);
    if (settings.on_store_error === 'allow') return { policy: name, decision: 'allow', details: { store_error: detail } };
    const message = `The step budget cannot be checked right now (the counter store is unavailable), so policy "${name}" refuses the call; retry in a few seconds`;
    return { policy: name, decision: 'deny', reason: message, details: { code: 'policy_failed', store_error: detail }, error: new PolicyError(name, 'policy_failed', message, { retryAfterMs: 5000 }) };
  }

  const policy: Policy = {
    name,
    type: 'step_budget',
    onRequest(exchange): Decision | Promise<Decision> {
      const prepared = prepares?.take(exchange);
      if (prepared !== undefined) return prepared.result.then((settled) => decide(exchange, prepared.context, settled), storeFailed);
      const run = runKeyOf(exchange, options, now());
      let result: CounterResult | Promise<CounterResult>;
      try {
        result = counters.addWithin(`${name}:${run.key}`, 1, max, run.ttlSeconds);
      } catch (error) {
        return storeFailed(error);
      }
      if (result instanceof Promise) return result.then((settled) => decide(exchange, run, settled), storeFailed);
      return decide(exchange, run, result);
    },
  };
  // A shared store's add starts with the other store-backed policies' commands, in one round trip (chain.ts).
  const prepares = counters.kind === 'memory' ? undefined : new PreparedAdds<RunKey>(counters);
  if (prepares !== undefined) {
    policy.prepare = (exchange) => {
      const run = runKeyOf(exchange, options, now());
      prepares.start(exchange, run, `${name}:${run.key}`, 1, max, run.ttlSeconds);
    };
    policy.release = (exchange) => prepares.release(exchange);
  }
  return policy;
}

export function describeWindow(seconds: number): string {
  if (seconds % 86_400 === 0) return seconds === 86_400 ? 'day' : `${seconds / 86_400}-day`;
  if (seconds % 3600 === 0) return seconds === 3600 ? 'hour' : `${seconds / 3600}-hour`;
  if (seconds % 60 === 0) return seconds === 60 ? 'minute' : `${seconds / 60}-minute`;
  return `${seconds}-second`;
}
