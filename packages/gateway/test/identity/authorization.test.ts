import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileAuthorization, type PrimitiveRef } from '../../src/identity/authorization.ts';
import { ANONYMOUS_CALLER, callerFromClaims, type Caller } from '../../src/identity/caller.ts';
import { DEMO_AGENTS } from '../../src/identity/embedded-idp/demo-directory.ts';
import { DEMO_AUTHORIZATION_RULES, DEMO_SCOPE_HIERARCHY } from '../fixtures/embedded-default-identity.ts';

const demo = compileAuthorization(DEMO_AUTHORIZATION_RULES);
const CRM_TOOLS = ['get_customer', 'search_customers', 'update_customer', 'send_email', 'send_mass_email', 'echo'];

function caller(scopes: readonly string[], options: { roles?: string[]; user?: string } = {}): Caller {
  return callerFromClaims(
    { iss: 'https://idp.example', sub: options.user ?? 'agent-x', client_id: 'agent-x', scope: scopes.join(' '), roles: options.roles ?? [], exp: 4_000_000_000 },
    { mode: 'hybrid', mapping: { scopeHierarchy: DEMO_SCOPE_HIERARCHY } },
  );
}

const agent = (name: string) => {
  const found = DEMO_AGENTS.find((candidate) => candidate.name === name)!;
  return caller(found.scopes, { roles: [...found.roles] });
};
const tool = (name: string, backend = 'crm'): PrimitiveRef => ({ backend, kind: 'tool', name });
const visibleTools = (who: Caller) => demo.filter(who, CRM_TOOLS.map((name) => ({ name })), (item) => tool(item.name)).map((item) => item.name);

describe('authorization decisions', () => {
  test('shows each demo agent the tools its chapter 5 scopes allow', () => {
    assert.deepEqual(visibleTools(agent('research')), ['get_customer', 'search_customers', 'echo']);
    assert.deepEqual(visibleTools(agent('support')), ['get_customer', 'search_customers', 'update_customer', 'send_email', 'echo']);
    assert.deepEqual(visibleTools(agent('admin')), CRM_TOOLS);
  });

  test('refuses a call with insufficient_scope naming the missing scope and listing all the tool needs', () => {
    const decision = demo.decide(agent('research'), tool('update_customer'), 'call');
    assert.equal(decision.isAllowed, false);
    if (decision.isAllowed) return;
    assert.equal(decision.error.code, 'insufficient_scope');
    assert.equal(decision.error.status, 403);
    assert.deepEqual(decision.error.missingScopes, ['crm.customers.write']);
    assert.deepEqual(decision.error.requiredScopes, ['crm.invoke', 'crm.customers.write']);
    assert.match(decision.error.message, /missing crm\.customers\.write/);
  });

  test('uses the backend defaults: {backend}.read to see, {backend}.invoke to call', () => {
    const reader = caller(['everything.read']);
    assert.equal(demo.decide(reader, { backend: 'everything', kind: 'resource', name: 'test://static/1' }, 'call').isAllowed, true);
    assert.equal(demo.decide(reader, tool('echo', 'everything'), 'list').isAllowed, false, 'callable listing hides tools it cannot call');
    assert.equal(demo.decide(caller(['everything.read', 'everything.invoke']), tool('echo', 'everything'), 'call').isAllowed, true);
  });

  test('lists tools to readers without the invoke scope when listing is "readable", so they learn what to step up for', () => {
    const readable = compileAuthorization({ ...DEMO_AUTHORIZATION_RULES, listing: 'readable' });
    const reader = caller(['crm.read']);
    assert.equal(readable.decide(reader, tool('update_customer'), 'list').isAllowed, true);
    assert.equal(readable.decide(reader, tool('update_customer'), 'call').isAllowed, false);
  });

  test('applies a backend\'s required_scope to everything on it', () => {
    const rules = compileAuthorization({ backends: { salesforce: { requiredScope: 'salesforce.access' } } });
    const decision = rules.decide(caller(['salesforce.read', 'salesforce.invoke']), tool('get_account', 'salesforce'), 'call');
    assert.equal(decision.isAllowed, false);
    if (!decision.isAllowed) assert.deepEqual(decision.error.missingScopes, ['salesforce.access']);
  });

  test('honours the scope hierarchy: crm.admin implies every crm scope', () => {
    assert.deepEqual(visibleTools(caller(['crm.admin'])), CRM_TOOLS);
  });

  test('matches per-primitive rules by exact name first, then by pattern', () => {
    const reader = caller(['crm.read']);
    assert.equal(demo.decide(reader, { backend: 'crm', kind: 'resource', name: 'doc://team/handbook' }, 'call').isAllowed, true);
    assert.equal(demo.decide(reader, { backend: 'crm', kind: 'resource', name: 'doc://team/customers/C-1001' }, 'call').isAllowed, false);
    assert.equal(demo.decide(caller(['crm.read', 'crm.customers.read']), { backend: 'crm', kind: 'resource', name: 'doc://team/customers/C-1001' }, 'call').isAllowed, true);
  });

  test('restricts tools to roles when a backend lists tools by role', () => {
    const rules = compileAuthorization({ backends: { crm: { toolsByRole: { support: ['get_*', 'update_customer'], admin: ['*'] } } } });
    const scopes = ['crm.read', 'crm.invoke'];
    assert.equal(rules.decide(caller(scopes, { roles: ['support'] }), tool('update_customer'), 'call').isAllowed, true);
    const denied = rules.decide(caller(scopes, { roles: ['support'] }), tool('send_mass_email'), 'call');
    assert.equal(denied.isAllowed, false);
    if (!denied.isAllowed) {
      assert.equal(denied.error.code, 'role_not_allowed');
      assert.match(denied.error.message, /admin/);
    }
    assert.equal(rules.decide(caller(scopes, { roles: ['admin'] }), tool('send_mass_email'), 'call').isAllowed, true);
  });

  test('refuses a requires_user tool to a token that acts for no user (hybrid mode)', () => {
    const rules = compileAuthorization({ backends: { crm: { tools: { send_mass_email: { requiresUser: true } } } } });
    const scopes = ['crm.read', 'crm.invoke'];
    const service = rules.decide(caller(scopes), tool('send_mass_email'), 'call');
    assert.equal(service.isAllowed, false);
    if (!service.isAllowed) assert.equal(service.error.code, 'user_required');
    assert.equal(rules.decide(caller(scopes, { user: 'alice' }), tool('send_mass_email'), 'call').isAllowed, true);
  });

  test('lets the anonymous caller of --allow-anonymous through', () => {
    assert.equal(demo.decide(ANONYMOUS_CALLER, tool('send_mass_email'), 'call').isAllowed, true);
    assert.deepEqual(visibleTools(ANONYMOUS_CALLER), CRM_TOOLS);
  });

  test('filters a list once per caller profile and returns the same array while the list is unchanged', () => {
    const items = CRM_TOOLS.map((name) => ({ name }));
    const first = demo.filter(agent('support'), items, (item) => tool(item.name));
    assert.equal(demo.filter(agent('support'), items, (item) => tool(item.name)), first);
  });

  test('names the scopes for resource metadata and for the first challenge', () => {
    assert.deepEqual(demo.baselineScopes(['crm']), ['crm.read']);
    assert.deepEqual(demo.scopesFor(['crm']).sort(), ['crm.customers.read', 'crm.customers.write', 'crm.email.bulk', 'crm.email.send', 'crm.invoke', 'crm.read']);
  });
});
