import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileToolAccess, createToolAccess, toolAccessSettings } from '../../src/policy/tool-access.ts';
import { makeCaller, makeExchange } from './fixtures.ts';

const settings = toolAccessSettings.parse({
  rules: [
    { roles: ['research'], allow: ['crm/get_*', 'crm/search_*'] },
    { roles: ['support'], deny: ['send_mass_email'] },
    { backends: ['github'], agents: ['support'], deny: ['*'] },
  ],
});
const research = makeCaller({ agent: 'research', roles: ['research'] });
const support = makeCaller({ agent: 'support', roles: ['support'] });

describe('tool_access policy', () => {
  test('allows a tool matched by the role\'s allow list and records an allow', () => {
    const decision = createToolAccess('tool_access', settings).onRequest!(makeExchange({ tool: 'get_customer', caller: research }));
    assert.deepEqual(decision, { policy: 'tool_access', decision: 'allow' });
  });

  test('refuses a tool outside the role\'s allow list with an actionable error', () => {
    const exchange = makeExchange({ tool: 'update_customer', caller: research });
    const decision = createToolAccess('tool_access', settings).onRequest!(exchange);
    assert.ok(!(decision instanceof Promise));
    assert.equal(decision.decision, 'deny');
    assert.equal(decision.error?.code, 'tool_denied');
    assert.equal(decision.reason, 'Tool "update_customer" of backend "crm" is not allowed for agent "research" (roles research): it is not in the tools allowed to role research. Use another tool from tools/list, or ask an administrator for access');
    assert.deepEqual(decision.details, { code: 'tool_denied', rule: 0 });
  });

  test('deny wins over the default, by glob', () => {
    const decide = compileToolAccess(settings);
    assert.deepEqual(decide(support, 'crm', 'send_mass_email'), { isAllowed: false, why: 'the pattern "send_mass_email" denies it to role support', rule: 1 });
    assert.equal(decide(support, 'crm', 'send_email').isAllowed, true);
  });

  test('a rule can cover one backend for one agent', () => {
    const decide = compileToolAccess(settings);
    assert.equal(decide(support, 'github', 'create_issue').isAllowed, false);
    assert.equal(decide(makeCaller({ agent: 'ops' }), 'github', 'create_issue').isAllowed, true);
    assert.equal(decide(research, 'github', 'create_issue').isAllowed, false, 'research\'s allow list is its whole grant');
  });

  test('default deny refuses tools no rule allows', () => {
    const decide = compileToolAccess(toolAccessSettings.parse({ default: 'deny', rules: [{ roles: ['admin'], allow: ['*'] }] }));
    assert.equal(decide(makeCaller({ roles: ['admin'] }), 'crm', 'x').isAllowed, true);
    assert.deepEqual(decide(support, 'crm', 'x'), { isAllowed: false, why: 'no rule allows it and this gateway denies tools by default', rule: undefined });
  });
});
