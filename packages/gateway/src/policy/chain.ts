// Runs the policies: request hooks in declared order after routing resolved
// the target, response hooks in reverse order on the backend's result (an
// onion, as Envoy runs encoder filters and Hono unwinds middleware: the
// first-declared policy is outermost and sees the final result). The first
// deny or hold stops the chain. Synchronous decisions stay synchronous, so an
// all-sync chain costs no promise; policies backed by Redis start their work
// together first (`prepare`), so a call costs one pipelined round trip.

import type { Exchange } from '../exchange/exchange.ts';
import type { ApprovalHold, Decision, Policy } from './policy.ts';
import { PolicyError, isPolicyError } from './policy-error.ts';

type ChainOutcome =
  | { isAllowed: true }
  | {
      isAllowed: false;
      /** The deny or hold decision, also the last entry of `exchange.decisions`. */
      denial: Decision;
      /** What the agent sees: `error.toToolResult()` for tools/call, `error.toRpcError()` otherwise. */
      error: PolicyError;
      /** Set when an approval holds the call (docs/policies.md: the 2026-07-28 `input_required` bridge). */
      hold: ApprovalHold | undefined;
    };

type ResponseOutcome = { isAllowed: true } | { isAllowed: false; denial: Decision; error: PolicyError };

const ALLOWED = Object.freeze({ isAllowed: true as const });

export interface PolicyChain {
  /** No policy has a hook: the transport may skip the chain entirely. */
  readonly isEmpty: boolean;
  readonly hasRequestHooks: boolean;
  readonly hasResponseHooks: boolean;
  readonly policies: readonly Policy[];
  runRequest(exchange: Exchange): ChainOutcome | Promise<ChainOutcome>;
  /** Runs on a complete result (not on `input_required`); hooks may change `result` in place. */
  runResponse(exchange: Exchange, result: Record<string, unknown>): ResponseOutcome | Promise<ResponseOutcome>;
}

export function createPolicyChain(policies: readonly Policy[]): PolicyChain {
  const requestHooks = policies.filter((policy) => policy.onRequest !== undefined);
  const responseHooks = policies.filter((policy) => policy.onResponse !== undefined).reverse();
  const hasPreparation = requestHooks.some((policy) => policy.prepare !== undefined);

  /** Starts every store-backed policy's I/O in one tick (one pipelined round trip to Redis). */
  function prepareAll(exchange: Exchange): void {
    for (const policy of requestHooks) {
      if (policy.prepare === undefined || (policy.appliesTo !== undefined && !policy.appliesTo(exchange))) continue;
      try {
        policy.prepare(exchange);
      } catch {
        // onRequest runs the same work again and reports the failure as its decision.
      }
    }
  }

  /** The chain stopped at `index`: later policies never decided, so what they prepared is given back. */
  function releaseAfter(index: number, exchange: Exchange): void {
    if (!hasPreparation) return;
    for (let i = index + 1; i < requestHooks.length; i++) requestHooks[i]!.release?.(exchange);
  }

  function continueRequest(index: number, exchange: Exchange): ChainOutcome | Promise<ChainOutcome> {
    for (let i = index; i < requestHooks.length; i++) {
      const policy = requestHooks[i]!;
      if (policy.appliesTo !== undefined && !policy.appliesTo(exchange)) continue;
      let decision: Decision | Promise<Decision>;
      try {
        decision = policy.onRequest!(exchange);
      } catch (error) {
        decision = failed(policy, error);
      }
      if (decision instanceof Promise) {
        return decision.then(
          (settled) => (record(exchange, settled) ? continueRequest(i + 1, exchange) : stopAt(i, exchange, settled)),
          (error: unknown) => stopAt(i, exchange, recordFailure(exchange, policy, error)),
        );
      }
      if (!record(exchange, decision)) return stopAt(i, exchange, decision);
    }
    return ALLOWED;
  }

  function stopAt(index: number, exchange: Exchange, decision: Decision): ChainOutcome {
    releaseAfter(index, exchange);
    return stop(decision);
  }

  function continueResponse(index: number, exchange: Exchange, result: Record<string, unknown>): ResponseOutcome | Promise<ResponseOutcome> {
    for (let i = index; i < responseHooks.length; i++) {
      const policy = responseHooks[i]!;
      if (policy.appliesTo !== undefined && !policy.appliesTo(exchange)) continue;
      let decision: Decision | Promise<Decision>;
      try {
        decision = policy.onResponse!(exchange, result);
      } catch (error) {
        decision = failed(policy, error);
      }
      if (decision instanceof Promise) {
        return decision.then(
          (settled) => (record(exchange, settled) ? continueResponse(i + 1, exchange, result) : stop(settled)),
          (error: unknown) => stop(recordFailure(exchange, policy, error)),
        );
      }
      if (!record(exchange, decision)) return stop(decision);
    }
    return ALLOWED;
  }

  return {
    isEmpty: requestHooks.length === 0 && responseHooks.length === 0,
    hasRequestHooks: requestHooks.length > 0,
    hasResponseHooks: responseHooks.length > 0,
    policies,
    runRequest: (exchange) => {
      if (requestHooks.length === 0) return ALLOWED;
      if (hasPreparation) prepareAll(exchange);
      return continueRequest(0, exchange);
    },
    runResponse: (exchange, result) => (responseHooks.length === 0 ? ALLOWED : continueResponse(0, exchange, result)),
  };
}

/** Records the decision; whether the chain goes on. */
function record(exchange: Exchange, decision: Decision): boolean {
  exchange.decisions.push(decision);
  return decision.decision !== 'deny' && decision.decision !== 'hold';
}

function stop(decision: Decision): { isAllowed: false; denial: Decision; error: PolicyError; hold: ApprovalHold | undefined } {
  const error = decision.error ?? new PolicyError(decision.policy, 'tool_denied', decision.reason ?? `Denied by policy "${decision.policy}"; ask an administrator why this call is not allowed`);
  return { isAllowed: false, denial: decision, error, hold: decision.hold };
}

function recordFailure(exchange: Exchange, policy: Policy, error: unknown): Decision {
  const decision = failed(policy, error);
  exchange.decisions.push(decision);
  return decision;
}

/**
 * A policy that throws fails closed: its own settings choose fail-open where
 * that is wanted (a rate-limit store outage, `on_store_error: allow`), so an
 * exception here is a bug or an outage nobody chose to ignore.
 */
function failed(policy: Policy, error: unknown): Decision {
  if (isPolicyError(error)) return { policy: policy.name, decision: 'deny', reason: error.message, details: { code: error.code }, error };
  const detail = error instanceof Error ? error.message : String(error);
  const policyError = new PolicyError(policy.name, 'policy_failed', `The gateway's policy "${policy.name}" could not decide on this call (${detail}); retry in a moment, and report it to the gateway's operators if it persists`, { cause: error });
  return { policy: policy.name, decision: 'deny', reason: policyError.message, details: { code: 'policy_failed' }, error: policyError };
}
