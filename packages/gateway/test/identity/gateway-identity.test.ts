// How the configured rules combine (identity/gateway-identity.ts
// rulesFromConfig), decided through the compiled authorization the router
// uses; the embedded default's CRM rules are config like any other.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.ts';
import { compileAuthorization } from '../../src/identity/authorization.ts';
import { callerFromClaims } from '../../src/identity/caller.ts';
import { DEFAULT_CONFIG_PATH } from '../../src/config/default-config.ts';
import { loadConfig } from '../../src/config/load.ts';
import { rulesFromConfig } from '../../src/identity/gateway-identity.ts';

function authorizationFor(yaml: string) {
  const { config } = parseConfig(yaml, 'gatehouse.yaml', {}, { hostname: 'test' });
  return compileAuthorization(rulesFromConfig(config));
}

const tool = (backend: string, name: string) => ({ backend, kind: 'tool' as const, name });

describe('configured authorization rules', () => {
  it('gives the embedded default\'s crm its per-tool scopes from config/default.yaml', async () => {
    const { config } = await loadConfig(DEFAULT_CONFIG_PATH);
    const authorization = compileAuthorization(rulesFromConfig(config));
    assert.deepEqual(authorization.requiredScopes(tool('crm', 'update_customer'), 'call'), ['crm.invoke', 'crm.customers.write']);
    assert.deepEqual(authorization.requiredScopes(tool('crm', 'send_mass_email'), 'call'), ['crm.invoke', 'crm.email.bulk']);
  });

  it('gives a backend named crm without scopes of its own no demo rules: names carry no meaning', () => {
    const authorization = authorizationFor('backends:\n  - { name: crm, url: http://crm/mcp }\n');
    assert.deepEqual(authorization.requiredScopes(tool('crm', 'update_customer'), 'call'), ['crm.invoke']);
  });

  it("applies a backend's own scopes", () => {
    const authorization = authorizationFor('backends:\n  - name: crm\n    url: http://crm/mcp\n    scopes: { invoke: crm.write, tools: { update_customer: [crm.admin] } }\n');
    assert.deepEqual(authorization.requiredScopes(tool('crm', 'update_customer'), 'call'), ['crm.write', 'crm.admin']);
    assert.deepEqual(authorization.requiredScopes(tool('crm', 'send_mass_email'), 'call'), ['crm.write']);
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
