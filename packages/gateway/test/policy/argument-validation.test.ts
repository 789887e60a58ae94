import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentValidators, argumentValidationSettings, createArgumentValidation } from '../../src/policy/argument-validation.ts';
import type { Decision } from '../../src/policy/policy.ts';
import { makeExchange, toolTable } from './fixtures.ts';

const settings = argumentValidationSettings.parse({});

function decide(tool: string, args: Record<string, unknown>, table = toolTable()): Decision {
  const decision = createArgumentValidation('argument_validation', settings, { toolDefinitions: table.lookup }).onRequest!(makeExchange({ tool, args }));
  assert.ok(!(decision instanceof Promise));
  return decision;
}

describe('argument_validation policy', () => {
  test('allows arguments that match the tool\'s inputSchema', () => {
    assert.deepEqual(decide('get_customer', { customer_id: 'C-1001' }), { policy: 'argument_validation', decision: 'allow' });
  });

  test('refuses a wrong type, naming the field and what was expected', () => {
    const decision = decide('get_customer', { customer_id: 42 });
    assert.equal(decision.decision, 'deny');
    assert.equal(decision.error?.code, 'invalid_arguments');
    assert.equal(decision.reason, 'Invalid arguments for tool "get_customer": field "customer_id": expected string, got 42 (number). Fix the arguments to match the tool\'s inputSchema (see tools/list) and call it again');
    assert.deepEqual(decision.details, { code: 'invalid_arguments', problems: 1 });
  });

  test('names a missing required field and an unexpected one', () => {
    const decision = decide('get_customer', { id: 'C-1001' });
    assert.equal(decision.reason, 'Invalid arguments for tool "get_customer": field "customer_id" is required but missing; field "id" is not accepted by this tool (remove it). Fix the arguments to match the tool\'s inputSchema (see tools/list) and call it again');
  });

  test('checks enums, minimums and formats of JSON Schema 2020-12', () => {
    const decision = decide('send_mass_email', { segment: 'everyone', subject: 's', body: 'b', recipient_count: 0, reply_to: 'not-an-email' });
    assert.match(decision.reason!, /field "segment": expected one of "all", "enterprise", "pro", "free", got "everyone" \(string\)/);
    assert.match(decision.reason!, /field "recipient_count": expected a number >= 1, got 0 \(number\)/);
    assert.match(decision.reason!, /field "reply_to": expected a string in the "email" format, got "not-an-email" \(string\)/);
  });

  test('validates a draft-07 schema with the draft-07 engine', () => {
    assert.equal(decide('search_customers', { query: 'go', limit: 10 }).decision, 'allow');
    assert.match(decide('search_customers', { query: 'g', limit: 1.5 }).reason!, /field "query": expected a string of at least 2 characters, got "g" \(string\); field "limit": expected integer, got 1.5 \(number\)/);
  });

  test('lets a tool without a known definition through by default, recorded as skipped', () => {
    assert.deepEqual(decide('unknown_tool', {}), { policy: 'argument_validation', decision: 'allow', details: { skipped: 'unknown tool' } });
  });

  test('compiles once per schema and again when the definition changes', () => {
    const table = toolTable();
    const validators = new ArgumentValidators();
    const schema = () => table.tools.crm!.get_customer!.inputSchema;
    assert.deepEqual(validators.check('crm', 'get_customer', schema(), { customer_id: 'C-1' }), { isValid: true });
    assert.equal(validators.size, 1);
    // The backend now takes a number: the old validator must not be used.
    table.tools.crm!.get_customer = { ...table.tools.crm!.get_customer, inputSchema: { type: 'object', properties: { customer_id: { type: 'number' } } } };
    assert.equal(validators.check('crm', 'get_customer', schema(), { customer_id: 'C-1' }).isValid, false);
    assert.equal(validators.size, 1);
    validators.invalidate('crm');
    assert.equal(validators.size, 0);
  });

  test('reports a schema ajv cannot compile as the backend\'s problem, and allows by default', () => {
    const table = toolTable({ crm: { broken: { name: 'broken', inputSchema: { type: 'object', properties: { a: { $ref: '#/$defs/missing' } } } } } });
    const decision = decide('broken', { a: 1 }, table);
    assert.equal(decision.decision, 'allow');
    assert.match(String(decision.details?.skipped), /^the tool's inputSchema does not compile: /);
  });
});
