import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileCondition, isCelCompileError } from '../../src/policy/cel.ts';
import { recordSessionFacts } from '../../src/policy/session-facts.ts';
import { makeCaller, makeExchange } from './fixtures.ts';

function compileError(source: string) {
  try {
    compileCondition(source);
  } catch (error) {
    if (isCelCompileError(error)) return error;
    throw error;
  }
  assert.fail(`expected "${source}" to be refused`);
}

describe('CEL conditions', () => {
  test('evaluates the seed\'s approval condition over the call\'s arguments', () => {
    const condition = compileCondition('args.recipient_count > 1000');
    assert.equal(condition.evaluate(makeExchange({ tool: 'send_mass_email', args: { recipient_count: 5000 } })), true);
    assert.equal(condition.evaluate(makeExchange({ tool: 'send_mass_email', args: { recipient_count: 10 } })), false);
  });

  test('sees the caller, tool, backend, method, session counters and time', () => {
    const caller = makeCaller({ agent: 'support', user: 'alice', roles: ['support'], scopes: ['crm.read'] });
    const exchange = makeExchange({ tool: 'get_customer', caller, args: {} });
    recordSessionFacts(exchange, { steps: 7 });
    const condition = compileCondition('caller.agent == "support" && caller.user == "alice" && "support" in caller.roles && "crm.read" in caller.scopes && tool == "get_customer" && backend == "crm" && method == "tools/call" && session.steps == 7 && now > timestamp("2020-01-01T00:00:00Z")');
    assert.equal(condition.evaluate(exchange), true);
  });

  test('refuses a syntax error with its line and column', () => {
    const error = compileError('args.recipient_count >');
    assert.equal(error.code, 'invalid_cel');
    assert.equal(error.line, 1);
    assert.equal(error.column, 22);
    assert.match(error.message, /^invalid CEL at line 1, column 22: found > but expecting end of input/);
  });

  test('counts lines and columns in a multi-line expression', () => {
    const error = compileError('args.a > 1 &&\n  args.b >> 2');
    assert.equal(error.line, 2);
    assert.equal(error.column, 10);
  });

  test('refuses a name the activation does not define, pointing at it', () => {
    const error = compileError('args.count > 1 && recipients > 3');
    assert.equal(error.line, 1);
    assert.equal(error.column, 19);
    assert.match(error.message, /unknown name "recipients"; conditions can use caller, tool, backend, method, args, session, now/);
  });

  test('accepts comprehension variables inside their macro', () => {
    const condition = compileCondition('args.recipients.exists(r, r.endsWith("@example.com"))');
    assert.equal(condition.evaluate(makeExchange({ tool: 'send_email', args: { recipients: ['a@corp.test', 'b@example.com'] } })), true);
  });

  test('reports a field missing at run time as a failure, not as false', () => {
    const verdict = compileCondition('args.recipient_count > 1000').evaluate(makeExchange({ tool: 'send_mass_email', args: {} }));
    assert.equal(typeof verdict, 'object');
    assert.match((verdict as { error: string }).error, /recipient_count/);
  });

  test('reports a condition that is not boolean as a failure', () => {
    // JSON numbers are CEL doubles (as cel-go maps JSON), so arithmetic takes 1.0, not 1.
    const verdict = compileCondition('args.count + 1.0').evaluate(makeExchange({ tool: 'x', args: { count: 1 } }));
    assert.deepEqual(verdict, { error: 'the condition produced number, not true or false' });
  });

  test('knows a name a rule adds (estimate) only where that rule compiles it, and says which it uses', () => {
    assert.match(compileError('estimate.recipient_count > 1000').message, /unknown name "estimate"; conditions can use caller, tool, backend, method, args, session, now \(estimate only in an approval rule with `estimate: dry_run`\)/);
    const table: Array<[string, string[]]> = [
      ['estimate.recipient_count > 1000', ['estimate']],
      ['args.recipient_count > 1000', []],
      ['[1, 2].exists(estimate, estimate > 1)', []],
      ['args.n != estimate.n || has(estimate.cost_usd)', ['estimate']],
    ];
    for (const [source, used] of table) assert.deepEqual(compileCondition(source, ['estimate']).extraVariablesUsed, used, source);
    const condition = compileCondition('estimate.recipient_count > args.recipient_count', ['estimate']);
    assert.equal(condition.evaluateWith({ args: { recipient_count: 1 }, estimate: { recipient_count: 12 } }), true);
  });
});
