// Approval rules that decide on the backend's own estimate (`estimate:
// dry_run`): the pure parts (which tools offer a dry run, what a dry run's
// result must hold, how an estimate reads), the fetch (same arguments plus
// dry_run: true, one per call, never sent to a tool that does not declare
// it), and the rule: held on the estimate whatever the arguments claim,
// fail-closed without one, and checked at load.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { approvalSettings, createApproval } from '../../src/policy/approval-policy.ts';
import { Approvals } from '../../src/policy/approval-service.ts';
import { buildPolicies } from '../../src/policy/registry.ts';
import { createCostCeiling, costCeilingSettings } from '../../src/policy/cost-ceiling.ts';
import { createPolicyChain } from '../../src/policy/chain.ts';
import { MemoryCounterStore, type CounterStore } from '../../src/policy/counter-store.ts';
import type { Decision } from '../../src/policy/policy.ts';
import { declaresDryRun, describeEstimate, DryRunEstimates, estimateOf, type DryRunCall, type DryRunRequest } from '../../src/policy/dry-run-estimate.ts';
import type { ToolDefinition } from '../../src/policy/tool-definitions.ts';
import { crmTools, makeCaller, makeExchange } from './fixtures.ts';

const requester = makeCaller({ agent: 'support', scopes: ['crm.invoke'] });

function massEmailDefinition(withDryRun: boolean): ToolDefinition {
  const definition = crmTools().send_mass_email!;
  const schema = definition.inputSchema as { properties: Record<string, unknown> };
  return withDryRun ? { ...definition, inputSchema: { ...schema, properties: { ...schema.properties, dry_run: { type: 'boolean', default: false } } } } : definition;
}

/** A backend that answers each dry run with the given result, recording what it was sent. */
function fakeBackend(answer: (request: DryRunRequest) => Record<string, unknown> | Promise<Record<string, unknown>>): { call: DryRunCall; sent: DryRunRequest[] } {
  const sent: DryRunRequest[] = [];
  return { sent, call: async (request) => { sent.push(request); return answer(request); } };
}

const segmentSizes: Record<string, number> = { all: 12, newsletter: 2400 };
const honestCrm = () => fakeBackend(({ arguments: args }) => {
  const size = segmentSizes[args.segment as string] ?? 3;
  return { content: [{ type: 'text', text: 'Dry run' }], structuredContent: { dry_run: true, would: `queue to ${size}`, estimate: { recipient_count: size, cost_usd: size / 1000 } } };
});

const RULE = {
  tool: 'send_mass_email',
  estimate: 'dry_run',
  when: 'estimate.recipient_count > 1000 || args.recipient_count != estimate.recipient_count',
  reason: 'mass email to more than 1000 recipients, or to another number than declared',
};

function estimatePolicy(call: DryRunCall | undefined, rule: Record<string, unknown> = {}, withDryRun = true) {
  const estimates = new DryRunEstimates({ call, toolDefinitions: (_backend, tool) => (tool === 'send_mass_email' ? massEmailDefinition(withDryRun) : undefined) });
  return createApproval('mass_email_approval', approvalSettings.parse({ rules: [{ ...RULE, ...rule }], on_match: 'reject' }), { approvals: new Approvals({ approvalUrlBase: 'http://approvals.test' }), estimates });
}

let campaign = 0;
const massEmail = (args: Record<string, unknown>) => makeExchange({ tool: 'send_mass_email', caller: requester, args: { subject: `Campaign ${++campaign}`, body: 'Hello', ...args } });
const decide = async (policy: ReturnType<typeof estimatePolicy>, args: Record<string, unknown>): Promise<Decision> => await policy.onRequest!(massEmail(args));

describe('which tools offer a dry run', () => {
  const table: Array<[string, unknown, boolean]> = [
    ['a boolean dry_run property', { properties: { dry_run: { type: 'boolean' } } }, true],
    ['a nullable boolean dry_run', { properties: { dry_run: { type: ['boolean', 'null'] } } }, true],
    ['a string dry_run', { properties: { dry_run: { type: 'string' } } }, false],
    ['no dry_run property', { properties: { segment: { type: 'string' } } }, false],
    ['no properties', { type: 'object' }, false],
    ['no inputSchema', undefined, false],
  ];
  for (const [label, inputSchema, expected] of table) {
    test(`${expected ? 'offers' : 'does not offer'} one with ${label}`, () => assert.equal(declaresDryRun(inputSchema === undefined ? {} : { inputSchema }), expected));
  }
  test('does not offer one for an unknown tool', () => assert.equal(declaresDryRun(undefined), false));
});

describe('what a dry run result must hold', () => {
  const table: Array<[string, Record<string, unknown>, string]> = [
    ['an error result', { isError: true, content: [{ type: 'text', text: 'segment unknown' }] }, 'the dry run answered with an error: segment unknown'],
    ['no structuredContent', { content: [{ type: 'text', text: 'ok' }] }, 'the dry run answered without structuredContent'],
    ['no dry_run: true (the backend may have acted)', { structuredContent: { status: 'queued', estimate: { recipient_count: 12 } } }, 'the dry run\'s structuredContent does not confirm "dry_run": true'],
    ['no estimate', { structuredContent: { dry_run: true, would: 'queue' } }, 'the dry run\'s structuredContent has no "estimate" object'],
    ['an estimate that is a list', { structuredContent: { dry_run: true, estimate: [12] } }, 'the dry run\'s structuredContent has no "estimate" object'],
  ];
  for (const [label, result, problem] of table) {
    test(`refuses ${label}`, () => assert.deepEqual(estimateOf(result), { problem }));
  }
  test('takes the estimate object of a confirmed dry run', () => {
    assert.deepEqual(estimateOf({ structuredContent: { dry_run: true, estimate: { recipient_count: 12, cost_usd: 0.012 } } }), { estimate: { recipient_count: 12, cost_usd: 0.012 } });
  });
  test('reads an estimate as its keys and values', () => {
    assert.equal(describeEstimate({ recipient_count: 12, cost_usd: 0.012, region: 'eu' }), 'recipient_count 12, cost_usd 0.012, region eu');
    assert.equal(describeEstimate({}), 'empty');
    assert.equal(describeEstimate({ note: 'x'.repeat(400) }).length, 301);
  });
});

describe('fetching the estimate', () => {
  test('calls the same tool with the same arguments plus dry_run: true, once per call however many rules ask', async () => {
    const backend = honestCrm();
    const estimates = new DryRunEstimates({ call: backend.call, toolDefinitions: () => massEmailDefinition(true) });
    const exchange = massEmail({ segment: 'all', recipient_count: 1, dry_run: false });
    const [first, second] = await Promise.all([estimates.fetch(exchange), estimates.fetch(exchange)]);
    assert.equal(first, second);
    assert.equal(backend.sent.length, 1);
    assert.deepEqual(backend.sent[0]!.arguments, { ...(exchange.message.params as { arguments: object }).arguments, dry_run: true });
    assert.equal(backend.sent[0]!.backend, 'crm');
    assert.equal(backend.sent[0]!.tool, 'send_mass_email');
    assert.equal(backend.sent[0]!.caller, requester);
    assert.deepEqual(first.isAvailable ? first.estimate : first.problem, { recipient_count: 12, cost_usd: 0.012 });
  });

  test('never sends a dry run to a tool that does not declare dry_run, since it might act for real', async () => {
    const backend = honestCrm();
    const estimates = new DryRunEstimates({ call: backend.call, toolDefinitions: () => massEmailDefinition(false) });
    const outcome = await estimates.fetch(massEmail({ segment: 'all', recipient_count: 1 }));
    assert.equal(backend.sent.length, 0);
    assert.deepEqual(outcome, { isAvailable: false, problem: 'tool "send_mass_email" of backend "crm" does not declare a boolean "dry_run" argument in its inputSchema, so the gateway cannot ask it for an estimate', elapsedMs: 0 });
  });

  test('reports a failed dry run with its cause', async () => {
    const estimates = new DryRunEstimates({ call: async () => { throw new Error('Backend "crm" did not answer within 30000 ms (backend_timeout)'); }, toolDefinitions: () => massEmailDefinition(true) });
    const outcome = await estimates.fetch(massEmail({ segment: 'all', recipient_count: 1 }));
    assert.equal(outcome.isAvailable, false);
    assert.equal(outcome.isAvailable ? '' : outcome.problem, 'the dry run failed: Backend "crm" did not answer within 30000 ms (backend_timeout)');
  });
});

describe('an approval rule with estimate: dry_run', () => {
  test('holds a call whose declared count understates the backend\'s, and says which estimate it used', async () => {
    const decision = await decide(estimatePolicy(honestCrm().call), { segment: 'all', recipient_count: 1 });
    assert.equal(decision.decision, 'deny');
    assert.equal(decision.details?.code, 'approval_required');
    assert.match(decision.reason!, /needs a human approval \(mass email to more than 1000 recipients, or to another number than declared \(the backend's dry run estimates recipient_count 12, cost_usd 0\.012\)\)/);
    assert.deepEqual(decision.details?.estimate, { recipient_count: 12, cost_usd: 0.012 });
    assert.equal(decision.details?.estimate_source, 'dry_run');
  });

  test('holds a large segment even when the arguments claim a small one', async () => {
    const decision = await decide(estimatePolicy(honestCrm().call), { segment: 'newsletter', recipient_count: 2 });
    assert.equal(decision.details?.code, 'approval_required');
    assert.deepEqual(decision.details?.estimate, { recipient_count: 2400, cost_usd: 2.4 });
  });

  test('lets an honest small call through, recording the estimate in the decision', async () => {
    const decision = await decide(estimatePolicy(honestCrm().call), { segment: 'pro', recipient_count: 3 });
    assert.deepEqual(decision, { policy: 'mass_email_approval', decision: 'allow', details: { estimate_source: 'dry_run', dry_run_ms: decision.details?.dry_run_ms, estimate: { recipient_count: 3, cost_usd: 0.003 } } });
  });

  test('holds for approval by default when the backend offers no dry run, saying why', async () => {
    const backend = honestCrm();
    const decision = await decide(estimatePolicy(backend.call, {}, false), { segment: 'pro', recipient_count: 3 });
    assert.equal(backend.sent.length, 0);
    assert.equal(decision.details?.code, 'approval_required');
    assert.match(decision.reason!, /\(held without an estimate: tool "send_mass_email" of backend "crm" does not declare a boolean "dry_run" argument/);
    assert.match(String(decision.details?.estimate_error), /does not declare a boolean "dry_run"/);
  });

  test('denies instead with on_estimate_error: deny', async () => {
    const backend = fakeBackend(() => ({ structuredContent: { dry_run: true } }));
    const decision = await decide(estimatePolicy(backend.call, { on_estimate_error: 'deny' }), { segment: 'pro', recipient_count: 3 });
    assert.equal(decision.decision, 'deny');
    assert.equal(decision.error?.code, 'estimate_unavailable');
    assert.equal(decision.error?.kind, 'transient');
    assert.equal(decision.reason, 'Policy "mass_email_approval" decides on calls to "send_mass_email" from the backend\'s own estimate of the call and could not get one (the dry run\'s structuredContent has no "estimate" object), so the call was not forwarded. Retry later; if it keeps failing, tell the user an administrator must check the backend\'s dry-run support');
  });

  test('fails closed when the estimate lacks a field the condition reads, even with on_condition_error: skip', async () => {
    const backend = fakeBackend(() => ({ structuredContent: { dry_run: true, estimate: { cost_usd: 1 } } }));
    const policy = createApproval('mass_email_approval', approvalSettings.parse({ rules: [RULE], on_match: 'reject', on_condition_error: 'skip' }), {
      approvals: new Approvals({ approvalUrlBase: 'http://approvals.test' }),
      estimates: new DryRunEstimates({ call: backend.call, toolDefinitions: () => massEmailDefinition(true) }),
    });
    const decision = await decide(policy, { segment: 'pro', recipient_count: 3 });
    assert.equal(decision.details?.code, 'approval_required');
    assert.match(decision.reason!, /held without an estimate: the condition could not be evaluated on the estimate \(.*recipient_count/);
  });

  test('lets a call that is itself a dry run through without fetching another', async () => {
    const backend = honestCrm();
    const decision = await decide(estimatePolicy(backend.call), { segment: 'newsletter', recipient_count: 1, dry_run: true });
    assert.equal(decision.decision, 'allow');
    assert.equal(backend.sent.length, 0);
  });

  test('still holds dry_run: true on a tool that does not declare it, since the backend may ignore it', async () => {
    const decision = await decide(estimatePolicy(honestCrm().call, {}, false), { segment: 'newsletter', recipient_count: 1, dry_run: true });
    assert.equal(decision.details?.code, 'approval_required');
  });
});

describe('estimate rules at load', () => {
  test('refuses a condition that reads estimate in a rule without estimate: dry_run', async () => {
    const built = await buildPolicies([{ name: 'mass_email_approval', type: 'approval', settings: { rules: [{ tool: 'send_mass_email', when: 'estimate.recipient_count > 1000' }] } }]);
    assert.equal(built.ok, false);
    assert.deepEqual(built.ok ? [] : built.problems, [{ path: 'policies[0].settings.rules[0].when', message: 'the condition reads estimate, which only a rule with `estimate: dry_run` has: add it to the rule' }]);
  });

  test('refuses estimate in conditions outside approval rules', async () => {
    const built = await buildPolicies([{ name: 'budget', type: 'step_budget', settings: { max_steps: 5, applies_to: { when: 'estimate.cost_usd > 1.0' } } }]);
    assert.equal(built.ok, false);
    assert.match(built.ok ? '' : built.problems[0]!.message, /unknown name "estimate"; conditions can use caller, tool, backend, method, args, session, now \(estimate only in an approval rule with `estimate: dry_run`\)/);
  });

  test('refuses an unknown estimate source and on_estimate_error', async () => {
    const built = await buildPolicies([{ name: 'a', type: 'approval', settings: { rules: [{ tool: 'send_mass_email', estimate: 'guess', on_estimate_error: 'allow' }] } }]);
    assert.equal(built.ok, false);
    assert.deepEqual((built.ok ? [] : built.problems).map((problem) => problem.path), ['policies[0].settings.rules[0].estimate', 'policies[0].settings.rules[0].on_estimate_error']);
  });
});

describe('a cost ceiling with estimate_costs', () => {
  async function costCeiling(call: DryRunCall | undefined, settings: Record<string, unknown> = {}, withDryRun = true) {
    const built = await buildPolicies([{ name: 'cost_ceiling', type: 'cost_per_session', settings: { max_usd: 5, tool_costs: { send_mass_email: 0.5 }, estimate_costs: ['crm/send_mass_email'], ...settings } }], {
      ...(call === undefined ? {} : { dryRun: call }),
      toolDefinitions: (_backend, tool) => (tool === 'send_mass_email' ? massEmailDefinition(withDryRun) : undefined),
    });
    assert.ok(built.ok);
    return built.ok ? built.set.policies[0]! : undefined!;
  }

  test('charges what the backend estimates and refuses the call that would pass max_usd', async () => {
    const policy = await costCeiling(honestCrm().call);
    const exchange = massEmail({ segment: 'newsletter', recipient_count: 2400 });
    const first = await policy.onRequest!(exchange);
    assert.equal(first.decision, 'allow');
    assert.equal(first.details?.cost_usd, 2.4);
    assert.equal(first.details?.cost_source, 'estimate');
    assert.deepEqual(first.details?.estimate, { recipient_count: 2400, cost_usd: 2.4 });
    const second = await policy.onRequest!(makeExchange({ tool: 'send_mass_email', caller: requester, sessionId: exchange.session!.id, args: { segment: 'newsletter', subject: 's', body: 'b', recipient_count: 2400 } }));
    assert.equal(second.decision, 'allow');
    const third = await policy.onRequest!(makeExchange({ tool: 'send_mass_email', caller: requester, sessionId: exchange.session!.id, args: { segment: 'newsletter', subject: 's', body: 'b', recipient_count: 2400 } }));
    assert.equal(third.decision, 'deny');
    assert.equal(third.error?.code, 'cost_exhausted');
  });

  test('refuses with estimate_unavailable when the backend offers no dry run', async () => {
    const decision = await (await costCeiling(honestCrm().call, {}, false)).onRequest!(massEmail({ segment: 'all', recipient_count: 12 }));
    assert.equal(decision.decision, 'deny');
    assert.equal(decision.error?.code, 'estimate_unavailable');
    assert.match(decision.reason!, /^Policy "cost_ceiling" charges calls to "send_mass_email" what the backend's own estimate says and could not get one \(tool "send_mass_email" of backend "crm" does not declare/);
  });

  test('charges the configured price instead with on_estimate_error: tool_cost', async () => {
    const backend = fakeBackend(() => ({ structuredContent: { dry_run: true, estimate: { recipient_count: 12 } } }));
    const decision = await (await costCeiling(backend.call, { on_estimate_error: 'tool_cost' })).onRequest!(massEmail({ segment: 'all', recipient_count: 12 }));
    assert.equal(decision.decision, 'allow');
    assert.equal(decision.details?.cost_usd, 0.5);
    assert.equal(decision.details?.estimate_error, 'the estimate has no "cost_usd" number of at least 0');
  });

  test('asks for one dry run per call when an approval rule and the cost ceiling both need the estimate', async () => {
    const backend = honestCrm();
    const built = await buildPolicies([
      { name: 'cost_ceiling', type: 'cost_per_session', settings: { max_usd: 5, estimate_costs: ['send_mass_email'] } },
      { name: 'mass_email_approval', type: 'approval', settings: { rules: [RULE] } },
    ], { dryRun: backend.call, toolDefinitions: () => massEmailDefinition(true) });
    assert.ok(built.ok);
    if (!built.ok) return;
    const exchange = massEmail({ segment: 'pro', recipient_count: 3 });
    const outcome = await built.set.chain.runRequest(exchange);
    assert.equal(outcome.isAllowed, true);
    assert.equal(backend.sent.length, 1);
    assert.deepEqual(exchange.decisions.map((decision) => [decision.policy, decision.decision, decision.details?.estimate]), [
      ['cost_ceiling', 'allow', { recipient_count: 3, cost_usd: 0.003 }],
      ['mass_email_approval', 'allow', { recipient_count: 3, cost_usd: 0.003 }],
    ]);
  });

  test('waits for the estimate instead of preparing the add with a shared store', async () => {
    // A shared store's adds are started before any hook runs (prepare); an estimated price is known only after the dry run.
    const memory = new MemoryCounterStore();
    const shared: CounterStore = { kind: 'redis', addWithin: (...args) => memory.addWithin(...args), add: (...args) => memory.add(...args) };
    const estimates = new DryRunEstimates({ call: honestCrm().call, toolDefinitions: () => massEmailDefinition(true) });
    const policy = createCostCeiling('cost_ceiling', costCeilingSettings.parse({ max_usd: 5, tool_costs: { send_mass_email: 0.5 }, estimate_costs: ['send_mass_email'] }), { counters: shared, estimates });
    assert.ok(policy.prepare !== undefined);
    const exchange = massEmail({ segment: 'newsletter', recipient_count: 2400 });
    const outcome = await createPolicyChain([policy]).runRequest(exchange);
    assert.equal(outcome.isAllowed, true);
    assert.equal(exchange.decisions[0]!.details?.cost_usd, 2.4, 'charged the estimate, not the configured 0.50');
    assert.equal(exchange.decisions[0]!.details?.spent_usd, 2.4, 'charged once');
  });
});

describe('estimate keys where they have no effect', () => {
  test('refuses on_estimate_error in an approval rule without estimate: dry_run', async () => {
    const built = await buildPolicies([{ name: 'a', type: 'approval', settings: { rules: [{ tool: 'send_mass_email', when: 'args.recipient_count > 1000', on_estimate_error: 'deny' }] } }]);
    assert.deepEqual(built.ok ? [] : built.problems, [{ path: 'policies[0].settings.rules[0].on_estimate_error', message: 'on_estimate_error has no effect without `estimate: dry_run` on the rule: add it, or remove on_estimate_error' }]);
  });

  test('refuses on_estimate_error in a cost ceiling without estimate_costs', async () => {
    const built = await buildPolicies([{ name: 'cost_ceiling', type: 'cost_per_session', settings: { max_usd: 1, on_estimate_error: 'tool_cost' } }]);
    assert.deepEqual(built.ok ? [] : built.problems, [{ path: 'policies[0].settings.on_estimate_error', message: 'on_estimate_error has no effect without estimate_costs: list the tools priced by their estimate, or remove on_estimate_error' }]);
  });
});
