import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.ts';
import { validatePolicies } from '../../src/policy/registry.ts';

const BACKENDS = `backends:
  - { name: crm, url: http://crm.internal/mcp }
  - { name: docs, url: http://docs.internal/mcp }
  - { name: billing, url: http://billing.internal/mcp }
`;

function parse(tenants: string, extra = ''): ReturnType<typeof parseConfig> {
  return parseConfig(`${BACKENDS}${extra}tenants:\n${tenants}`, 'gatehouse.yaml', {});
}

describe('tenants section', () => {
  it('reads tenants with owned and shared backends, the default claim, and refuses unassigned callers by default', () => {
    const { config } = parse('  list:\n    - { name: sales, backends: [crm], shared: [docs], admins: [sales-lead] }\n    - { name: finance, backends: [billing], shared: [docs] }\n');
    assert.equal(config.tenants?.claim, 'tenant');
    assert.equal(config.tenants?.unassigned, 'refuse');
    assert.deepEqual(config.tenants?.tenants.map((tenant) => [tenant.name, tenant.backends, tenant.shared, tenant.admins]), [
      ['sales', ['crm'], ['docs'], ['sales-lead']],
      ['finance', ['billing'], ['docs'], []],
    ]);
  });

  it('adds a tenant\'s policies after the global ones, named after the tenant and applying to it alone', () => {
    const { config } = parse(
      '  list:\n    - name: sales\n      backends: [crm]\n      policies:\n        - { name: slow_down, type: rate_limit, requests_per_minute: 5 }\n',
      'policies:\n  - { name: global_limit, type: rate_limit, requests_per_minute: 100 }\n',
    );
    assert.deepEqual(config.policies.map((policy) => [policy.name, policy.tenant]), [['global_limit', undefined], ['sales/slow_down', 'sales']]);
  });

  it('keeps a file without tenants exactly as before: no tenants, the global policies only', () => {
    const { config } = parseConfig(`${BACKENDS}policies:\n  - { name: global_limit, type: rate_limit, requests_per_minute: 100 }\n`, 'gatehouse.yaml', {});
    assert.equal(config.tenants, undefined);
    assert.deepEqual(config.policies.map((policy) => policy.name), ['global_limit']);
  });

  const refusals: [string, string, RegExp][] = [
    ['a tenant granting an unknown backend', '  list:\n    - { name: sales, shared: [nowhere] }\n', /gatehouse\.yaml: tenants\.list\[0\]\.shared\[0\]: "nowhere" is not a configured backend/],
    ['a tenant owning an unknown backend', '  list:\n    - { name: sales, backends: [nowhere] }\n', /tenants\.list\[0\]\.backends\[0\]: "nowhere" is not a configured backend/],
    ['two owners of one backend', '  list:\n    - { name: sales, backends: [crm] }\n    - { name: finance, backends: [crm] }\n', /tenants\.list\[1\]\.backends\[0\]: "crm" is already owned by tenant "sales"/],
    ['a grant of another tenant\'s backend', '  list:\n    - { name: sales, backends: [crm] }\n    - { name: finance, shared: [crm] }\n', /tenants\.list\[1\]\.shared\[0\]: "crm" is owned by tenant "sales"/],
    ['a duplicate tenant name', '  list:\n    - { name: sales }\n    - { name: sales }\n', /tenants\.list\[1\]\.name: "sales" is already the name of tenants\.list\[0\]/],
    ['an unassigned tenant that does not exist', '  unassigned: marketing\n  list:\n    - { name: sales }\n', /tenants\.unassigned: "marketing" is not a tenant; expected "refuse" or one of "sales"/],
    ['a tenant name with capitals', '  list:\n    - { name: Sales }\n', /tenants\.list\[0\]\.name: expected a tenant name of 1 to 63 lowercase letters/],
    ['an empty tenant list', '  list: []\n', /tenants\.list: expected at least one tenant/],
    ['two policies of one tenant with one name', '  list:\n    - name: sales\n      policies:\n        - { name: slow, type: rate_limit, requests_per_minute: 5 }\n        - { name: slow, type: rate_limit, requests_per_minute: 9 }\n', /tenants\.list\[0\]\.policies\[1\]\.name: "slow" is already the name of tenants\.list\[0\]\.policies\[0\]/],
  ];
  for (const [what, tenants, message] of refusals) {
    it(`refuses ${what}, naming the file, the key and what was expected`, () => {
      assert.throws(() => parse(tenants), message);
    });
  }

  it('reports a tenant policy\'s problems at its own key', async () => {
    const loaded = parse('  list:\n    - name: sales\n      policies:\n        - { name: slow, type: rate_limit }\n');
    const problems = await validatePolicies(loaded.config.policies, { hasRedis: false });
    assert.ok(problems.some((problem) => problem.path.startsWith('tenants.list[0].policies[0].settings')), JSON.stringify(problems));
  });

  it('refuses an embedded provider agent naming a tenant that is not configured', () => {
    assert.throws(
      () => parse('  list:\n    - { name: sales }\n', 'authentication:\n  embedded_idp:\n    agents:\n      - { name: bot, secret: s, tenant: finance }\n'),
      /authentication\.embedded_idp\.agents\[0\]\.tenant: "finance" is not a tenant/,
    );
  });
});

