import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createScopeCheck, scopeCheckSettings } from '../../src/policy/scope-check.ts';
import { compileAuthorization } from '../../src/identity/authorization.ts';
import { makeCaller, makeExchange } from './fixtures.ts';

const settings = (input: Record<string, unknown>) => scopeCheckSettings.parse(input);

describe('scope_check policy', () => {
  test('allows a caller holding the required scopes and records an allow', () => {
    const policy = createScopeCheck('scope_check', settings({ required_scopes: ['mcp.tools.invoke'] }));
    const exchange = makeExchange({ tool: 'get_customer', caller: makeCaller({ scopes: ['mcp.tools.invoke'] }) });
    const decision = policy.onRequest!(exchange);
    assert.deepEqual(decision, { policy: 'scope_check', decision: 'allow' });
  });

  test('refuses a caller short of a per-tool scope, naming the missing scope', () => {
    const policy = createScopeCheck('scope_check', settings({ tools: [{ tool: 'crm/send_*', scopes: ['crm.email.send'] }] }));
    const exchange = makeExchange({ tool: 'send_email', caller: makeCaller({ scopes: ['crm.read'] }) });
    const decision = policy.onRequest!(exchange);
    assert.ok(!(decision instanceof Promise));
    assert.equal(decision.decision, 'deny');
    assert.equal(decision.error?.code, 'insufficient_scope');
    assert.equal(decision.error?.kind, 'authorization');
    assert.equal(decision.reason, 'Insufficient scope to use tool "send_email" of backend "crm": missing crm.email.send; request a token with this scope (or ask an administrator to grant it to your agent)');
    assert.deepEqual(decision.details, { code: 'insufficient_scope', missing_scopes: ['crm.email.send'], required_scopes: ['crm.email.send'] });
  });

  test('applies the identity configuration\'s rules when the gateway has them', () => {
    const authorization = compileAuthorization({ backends: { crm: { tools: { update_customer: { scopes: ['crm.customers.write'] } } } } });
    const policy = createScopeCheck('scope_check', settings({}), { authorization });
    const decision = policy.onRequest!(makeExchange({ tool: 'update_customer', caller: makeCaller({ scopes: ['crm.read', 'crm.invoke'] }) }));
    assert.ok(!(decision instanceof Promise));
    assert.equal(decision.error?.code, 'insufficient_scope');
    assert.match(decision.reason!, /missing crm\.customers\.write; request a token with these scopes/);
    assert.deepEqual(decision.details?.missing_scopes, ['crm.customers.write']);
  });

  test('lets anonymous callers through, as identity does under --allow-anonymous', () => {
    const policy = createScopeCheck('scope_check', settings({ required_scopes: ['x'] }));
    assert.equal((policy.onRequest!(makeExchange({ tool: 'get_customer' })) as { decision: string }).decision, 'allow');
  });
});
