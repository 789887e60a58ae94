import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bindTenant } from '../../src/tenancy/tenant-binding.ts';
import { TenantDirectory } from '../../src/tenancy/tenant-directory.ts';
import { splitTenantPath } from '../../src/tenancy/request-tenant.ts';
import { ANONYMOUS_CALLER, callerFromClaims } from '../../src/identity/caller.ts';
import type { TenantsConfig } from '../../src/config/tenants-schema.ts';

const tenant = (name: string, backends: string[], shared: string[] = []) => ({ name, description: undefined, backends, shared, policies: [], admins: [] });
const CONFIG: TenantsConfig = { claim: 'tenant', unassigned: 'refuse', tenants: [tenant('alpha', ['a'], ['docs']), tenant('beta', ['b'], ['docs'])] };
const directory = new TenantDirectory(CONFIG);

function callerOf(claimedTenant: string | undefined) {
  return callerFromClaims({ iss: 'https://idp', sub: 'bot', client_id: 'bot', ...(claimedTenant === undefined ? {} : { tenant: claimedTenant }) }, { mode: 'hybrid', mapping: { tenantClaim: 'tenant' } });
}

describe('binding a request to its tenant', () => {
  const cases: [string, TenantDirectory | undefined, ReturnType<typeof callerOf> | typeof ANONYMOUS_CALLER, string | undefined, string | undefined, string | undefined][] = [
    // what, directory, caller, path tenant, expected tenant, expected error code
    ['no tenants configured: no tenant, whatever the token says', undefined, callerOf('alpha'), undefined, undefined, undefined],
    ['the token\'s tenant on /mcp', directory, callerOf('alpha'), undefined, 'alpha', undefined],
    ['the token\'s tenant on its own /t/ endpoint', directory, callerOf('alpha'), 'alpha', 'alpha', undefined],
    ['a token of alpha on beta\'s endpoint', directory, callerOf('alpha'), 'beta', undefined, 'tenant_mismatch'],
    ['a path naming no configured tenant', directory, callerOf('alpha'), 'gamma', undefined, 'tenant_unknown'],
    ['a token naming no configured tenant', directory, callerOf('gamma'), undefined, undefined, 'tenant_unknown'],
    ['a token naming no tenant, unassigned: refuse', directory, callerOf(undefined), undefined, undefined, 'tenant_required'],
    ['a token naming no tenant does not pick one by path', directory, callerOf(undefined), 'alpha', undefined, 'tenant_required'],
    ['an anonymous gateway: the path names the tenant', directory, ANONYMOUS_CALLER, 'beta', 'beta', undefined],
    ['an anonymous gateway on /mcp, unassigned: refuse', directory, ANONYMOUS_CALLER, undefined, undefined, 'tenant_required'],
    ['unassigned: alpha places a token without a tenant in alpha', new TenantDirectory({ ...CONFIG, unassigned: 'alpha' }), callerOf(undefined), undefined, 'alpha', undefined],
    ['unassigned: alpha still refuses beta\'s endpoint to it', new TenantDirectory({ ...CONFIG, unassigned: 'alpha' }), callerOf(undefined), 'beta', undefined, 'tenant_mismatch'],
  ];
  for (const [what, tenants, caller, pathTenant, expected, code] of cases) {
    it(what, () => {
      const binding = bindTenant(tenants, caller, pathTenant);
      if (code === undefined) assert.deepEqual(binding, { tenant: expected });
      else {
        assert.ok('error' in binding);
        assert.equal(binding.error.code, code);
        assert.equal(binding.error.status, 403);
      }
    });
  }
});

describe('the tenant directory', () => {
  it('lets a tenant see its own backends and the shared ones granted to it, never another tenant\'s', () => {
    assert.deepEqual([...directory.backendsOf('alpha')], ['a', 'docs']);
    assert.equal(directory.sees('alpha', 'b'), false);
    assert.equal(directory.sees('beta', 'docs'), true);
    assert.equal(directory.ownerOf('b'), 'beta');
    assert.equal(directory.ownerOf('docs'), undefined);
  });

  it('reads the tenant claim only when tenants are configured (the claim mapping names it)', () => {
    const claims = { iss: 'https://idp', sub: 'bot', client_id: 'bot', tenant: 'alpha' };
    assert.equal(callerFromClaims(claims, { mode: 'hybrid' }).tenant, undefined);
    assert.equal(callerFromClaims(claims, { mode: 'hybrid', mapping: { tenantClaim: 'tenant' } }).tenant, 'alpha');
    assert.equal(callerFromClaims({ ...claims, org: { tenant: 'beta' } }, { mode: 'hybrid', mapping: { tenantClaim: 'org.tenant' } }).tenant, 'beta');
  });

  it('makes the tenant part of who a caller is, so one client id in two tenants owns neither\'s sessions', () => {
    const alpha = callerOf('alpha');
    const beta = callerOf('beta');
    assert.notEqual(alpha.identityKey, beta.identityKey);
    assert.equal(callerFromClaims({ iss: 'https://idp', sub: 'bot', client_id: 'bot' }, { mode: 'hybrid' }).identityKey, JSON.stringify(['https://idp', 'bot', null]));
  });
});

describe('tenant paths', () => {
  const cases: [string, { tenant: string; rest: string } | undefined][] = [
    ['/t/alpha/mcp', { tenant: 'alpha', rest: '/mcp' }],
    ['/t/alpha/servers/crm/mcp', { tenant: 'alpha', rest: '/servers/crm/mcp' }],
    ['/mcp', undefined],
    ['/t/alpha', undefined],
    ['/t/%E0%A4%A/mcp', undefined],
  ];
  for (const [path, expected] of cases) it(`splits ${path}`, () => assert.deepEqual(splitTenantPath(path), expected));
});
