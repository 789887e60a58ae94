// How the configured rules combine with the embedded provider's demo rules
// (identity/gateway-identity.ts rulesFromConfig), decided through the
// compiled authorization the router uses.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.ts';
import { compileAuthorization } from '../../src/identity/authorization.ts';
import { callerFromClaims } from '../../src/identity/caller.ts';
import { DEMO_AUTHORIZATION_RULES } from '../../src/identity/embedded-idp/demo-directory.ts';
import { rulesFromConfig } from '../../src/identity/gateway-identity.ts';

function authorizationFor(yaml: string) {
  const { config } = parseConfig(yaml, 'gatehouse.yaml', {}, { hostname: 'test' });
  return compileAuthorization(rulesFromConfig(config, DEMO_AUTHORIZATION_RULES));
}

const tool = (backend: string, name: string) => ({ backend, kind: 'tool' as const, name });

describe('configured authorization rules over the demo rules', () => {
  it('keeps the demo CRM rules for a backend named crm without its own scopes', () => {
    const authorization = authorizationFor('backends:\n  - { name: crm, url: http://crm/mcp }\n');
    assert.deepEqual(authorization.requiredScopes(tool('crm', 'update_customer'), 'call'), ['crm.invoke', 'crm.customers.write']);
  });

  it("replaces the demo rules of a backend that has its own scopes", () => {
    const authorization = authorizationFor('backends:\n  - name: crm\n    url: http://crm/mcp\n    scopes: { invoke: crm.write, tools: { update_customer: [crm.admin] } }\n');
    assert.deepEqual(authorization.requiredScopes(tool('crm', 'update_customer'), 'call'), ['crm.write', 'crm.admin']);
    assert.deepEqual(authorization.requiredScopes(tool('crm', 'send_mass_email'), 'call'), ['crm.write'], 'the demo rule for send_mass_email is gone');
  });

  it('applies the authorization section\'s templates to every backend, under their own read and invoke', () => {
    const authorization = authorizationFor(`authorization: { read_scope: "mcp:{backend}", invoke_scope: false }
backends:
  - { name: docs, url: http://docs/mcp }
  - { name: hr, url: http://hr/mcp, scopes: { invoke: hr.write } }
`);
    assert.deepEqual(authorization.requiredScopes(tool('docs', 'search'), 'call'), []);
    assert.deepEqual(authorization.requiredScopes(tool('docs', 'search'), 'list'), ['mcp:docs']);
    assert.deepEqual(authorization.requiredScopes(tool('hr', 'raise'), 'call'), ['hr.write']);
  });

  it('adds required_scope to the configured rules of the same backend', () => {
    const authorization = authorizationFor('backends:\n  - name: hr\n    url: http://hr/mcp\n    required_scope: hr.access\n    scopes: { read: hr.read }\n');
    assert.deepEqual(authorization.requiredScopes(tool('hr', 'raise'), 'list'), ['hr.access', 'hr.read', 'hr.invoke']);
  });

  it('lets readable listing show a tool to a caller who cannot call it yet', () => {
    const authorization = authorizationFor('authorization: { listing: readable }\nbackends:\n  - { name: hr, url: http://hr/mcp }\n');
    const reader = callerFromClaims({ iss: 'i', azp: 'a', sub: 'a', scope: 'hr.read', exp: 2_000_000_000 }, { mode: 'hybrid' });
    assert.equal(authorization.decide(reader, tool('hr', 'raise'), 'list').isAllowed, true);
    assert.equal(authorization.decide(reader, tool('hr', 'raise'), 'call').isAllowed, false);
  });

  it('needs a user for a tool marked requires_user', () => {
    const authorization = authorizationFor('backends:\n  - name: hr\n    url: http://hr/mcp\n    scopes: { read: false, invoke: false, tools: { raise: { requires_user: true } } }\n');
    const agentOnly = callerFromClaims({ iss: 'i', azp: 'a', sub: 'a', exp: 2_000_000_000 }, { mode: 'hybrid' });
    const forUser = callerFromClaims({ iss: 'i', azp: 'a', sub: 'alice', exp: 2_000_000_000 }, { mode: 'hybrid' });
    const refused = authorization.decide(agentOnly, tool('hr', 'raise'), 'call');
    assert.equal(refused.isAllowed, false);
    assert.equal(!refused.isAllowed && refused.error.code, 'user_required');
    assert.equal(authorization.decide(forUser, tool('hr', 'raise'), 'call').isAllowed, true);
  });
});
