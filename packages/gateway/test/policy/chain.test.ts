import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPolicyChain } from '../../src/policy/chain.ts';
import type { Decision, Policy } from '../../src/policy/policy.ts';
import { PolicyError, isPolicyError } from '../../src/policy/policy-error.ts';
import { makeExchange } from './fixtures.ts';

const allowing = (name: string, log: string[] = []): Policy => ({ name, onRequest: () => (log.push(name), { policy: name, decision: 'allow' }) });
const denying = (name: string): Policy => ({
  name,
  onRequest: (): Decision => ({ policy: name, decision: 'deny', reason: 'no', error: new PolicyError(name, 'tool_denied', 'Tool denied; use another tool') }),
});

describe('policy chain', () => {
  test('runs request hooks in declared order and records every decision on the exchange', () => {
    const log: string[] = [];
    const chain = createPolicyChain([allowing('first', log), allowing('second', log)]);
    const exchange = makeExchange({ tool: 'get_customer' });
    const outcome = chain.runRequest(exchange);
    assert.deepEqual(outcome, { isAllowed: true });
    assert.deepEqual(log, ['first', 'second']);
    assert.deepEqual(exchange.decisions.map((decision) => decision.policy), ['first', 'second']);
  });

  test('stays synchronous when every policy answers synchronously', () => {
    const outcome = createPolicyChain([allowing('a'), allowing('b')]).runRequest(makeExchange({ tool: 'get_customer' }));
    assert.ok(!(outcome instanceof Promise));
  });

  test('stops at the first deny, returning its error and leaving later policies unrun', () => {
    const log: string[] = [];
    const chain = createPolicyChain([allowing('first', log), denying('gate'), allowing('later', log)]);
    const exchange = makeExchange({ tool: 'get_customer' });
    const outcome = chain.runRequest(exchange);
    assert.ok(!(outcome instanceof Promise));
    assert.equal(outcome.isAllowed, false);
    if (outcome.isAllowed) return;
    assert.equal(outcome.denial.policy, 'gate');
    assert.equal(outcome.error.code, 'tool_denied');
    assert.deepEqual(log, ['first']);
    assert.deepEqual(exchange.decisions.map((decision) => `${decision.policy}:${decision.decision}`), ['first:allow', 'gate:deny']);
  });

  test('continues after an asynchronous decision and stops at a later deny', async () => {
    const slow: Policy = { name: 'slow', onRequest: async () => ({ policy: 'slow', decision: 'allow', details: { remaining: 3 } }) };
    const exchange = makeExchange({ tool: 'get_customer' });
    const outcome = await createPolicyChain([slow, denying('gate')]).runRequest(exchange);
    assert.equal(outcome.isAllowed, false);
    assert.deepEqual(exchange.decisions[0], { policy: 'slow', decision: 'allow', details: { remaining: 3 } });
  });

  test('skips a policy that does not apply, without recording a decision', () => {
    const skipped: Policy = { ...denying('narrow'), appliesTo: () => false };
    const exchange = makeExchange({ tool: 'get_customer' });
    assert.deepEqual(createPolicyChain([skipped]).runRequest(exchange), { isAllowed: true });
    assert.equal(exchange.decisions.length, 0);
  });

  test('turns a policy that throws into a policy_failed deny (fail closed)', async () => {
    const broken: Policy = { name: 'broken', onRequest: () => { throw new Error('store exploded'); } };
    const rejecting: Policy = { name: 'rejecting', onRequest: () => Promise.reject(new Error('timeout')) };
    for (const policy of [broken, rejecting]) {
      const exchange = makeExchange({ tool: 'get_customer' });
      const outcome = await createPolicyChain([policy]).runRequest(exchange);
      assert.equal(outcome.isAllowed, false);
      if (outcome.isAllowed) continue;
      assert.equal(outcome.error.code, 'policy_failed');
      assert.equal(outcome.error.isTransient, true);
      assert.match(outcome.error.message, /could not decide on this call .*retry in a moment/);
      assert.equal(exchange.decisions.at(-1)?.decision, 'deny');
    }
  });

  test('returns a hold outcome that carries the approval to bridge', () => {
    const hold = { approvalId: 'apr_1', url: 'http://admin/approvals/apr_1', expiresAt: 1, elicitation: { mode: 'url' as const, url: 'http://admin/approvals/apr_1', elicitationId: 'apr_1', message: 'approve' } };
    const holding: Policy = { name: 'approval', onRequest: () => ({ policy: 'approval', decision: 'hold', hold, error: new PolicyError('approval', 'approval_required', 'needs approval', { approvalId: 'apr_1' }) }) };
    const outcome = createPolicyChain([holding, allowing('after')]).runRequest(makeExchange({ tool: 'send_mass_email' }));
    assert.ok(!(outcome instanceof Promise) && !outcome.isAllowed);
    if (outcome instanceof Promise || outcome.isAllowed) return;
    assert.equal(outcome.hold, hold);
    assert.equal(outcome.error.approvalId, 'apr_1');
  });

  test('runs response hooks in reverse declared order, each seeing the result the inner one left', () => {
    const log: string[] = [];
    const hook = (name: string): Policy => ({
      name,
      onResponse: (_exchange, result) => {
        log.push(name);
        (result.content as { text: string }[])[0]!.text += `>${name}`;
        return { policy: name, decision: 'rewrite' };
      },
    });
    const chain = createPolicyChain([hook('outer'), allowing('request-only'), hook('inner')]);
    const result = { content: [{ type: 'text', text: 'backend' }] };
    assert.deepEqual(chain.runResponse(makeExchange({ tool: 'get_customer' }), result), { isAllowed: true });
    assert.deepEqual(log, ['inner', 'outer']);
    assert.equal(result.content[0]!.text, 'backend>inner>outer');
    assert.equal(chain.hasResponseHooks, true);
  });

  test('prepares every store-backed policy before the first hook, and releases those the chain never reached', async () => {
    const log: string[] = [];
    const stored = (name: string): Policy => ({
      name,
      prepare: () => void log.push(`prepare ${name}`),
      release: () => void log.push(`release ${name}`),
      onRequest: async () => (log.push(`decide ${name}`), { policy: name, decision: 'allow' }),
    });
    const outcome = await createPolicyChain([stored('rate'), denying('gate'), stored('budget'), stored('cost')]).runRequest(makeExchange({ tool: 'x' }));
    assert.equal(outcome.isAllowed, false);
    assert.deepEqual(log, ['prepare rate', 'prepare budget', 'prepare cost', 'decide rate', 'release budget', 'release cost']);
  });

  test('reports an empty chain so the transport can skip it', () => {
    const chain = createPolicyChain([]);
    assert.equal(chain.isEmpty, true);
    assert.deepEqual(chain.runRequest(makeExchange()), { isAllowed: true });
  });

  test('a policy error becomes an isError tool result and a -32012 JSON-RPC error with the same facts', () => {
    const error = new PolicyError('rate_limit_per_user', 'rate_limited', 'Rate limit reached; wait 3 s', { retryAfterMs: 3000 });
    assert.ok(isPolicyError(error));
    assert.deepEqual(error.toToolResult(), {
      content: [{ type: 'text', text: 'Rate limit reached; wait 3 s' }],
      isError: true,
      _meta: { 'io.gatehouse/policy-error': { code: 'rate_limited', policy: 'rate_limit_per_user', kind: 'transient', retry_after_ms: 3000 } },
    });
    const rpc = error.toRpcError().toJsonRpc();
    assert.equal(rpc.code, -32012);
    assert.deepEqual(rpc.data, { code: 'rate_limited', policy: 'rate_limit_per_user', kind: 'transient', retry_after_ms: 3000 });
  });
});
