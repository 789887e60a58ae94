import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { adminTenantScope, describeAdminScope, isInAdminScope, tenantFilterOf, withinAdminScope } from '../../src/admin/tenant-scope.ts';
import { TenantDirectory } from '../../src/tenancy/tenant-directory.ts';
import { callerFromClaims } from '../../src/identity/caller.ts';

const directory = new TenantDirectory({
  claim: 'tenant',
  unassigned: 'refuse',
  tenants: [
    { name: 'alpha', description: undefined, backends: ['a'], shared: [], policies: [], admins: ['alpha-lead'] },
    { name: 'beta', description: undefined, backends: ['b'], shared: [], policies: [], admins: [] },
  ],
});

function admin(clientId: string, tenant?: string) {
  return callerFromClaims({ iss: 'https://idp', sub: clientId, client_id: clientId, scope: 'gatehouse.admin', ...(tenant === undefined ? {} : { tenant }) }, { mode: 'hybrid', mapping: { tenantClaim: 'tenant' } });
}

describe('an admin\'s tenant scope', () => {
  it('makes every admin a platform admin on a gateway without tenants', () => {
    assert.deepEqual(adminTenantScope(admin('ops', 'alpha'), undefined), { isPlatform: true });
  });

  it('scopes an admin whose token names a tenant to that tenant', () => {
    assert.deepEqual(adminTenantScope(admin('ops', 'beta'), directory), { isPlatform: false, tenant: 'beta' });
  });

  it('scopes an admin listed in a tenant\'s admins to that tenant', () => {
    assert.deepEqual(adminTenantScope(admin('alpha-lead'), directory), { isPlatform: false, tenant: 'alpha' });
  });

  it('makes an admin with no tenant a platform admin', () => {
    assert.deepEqual(describeAdminScope(adminTenantScope(admin('ops'), directory)), { tenant: null, is_platform_admin: true });
  });

  it('filters items: a tenant admin keeps its tenant\'s, a platform admin keeps all', () => {
    const items = [{ id: 1, tenant: 'alpha' }, { id: 2, tenant: 'beta' }, { id: 3, tenant: undefined }];
    const alpha = adminTenantScope(admin('ops', 'alpha'), directory);
    assert.deepEqual(withinAdminScope(alpha, items, (item) => item.tenant).map((item) => item.id), [1]);
    assert.deepEqual(withinAdminScope({ isPlatform: true }, items, (item) => item.tenant).map((item) => item.id), [1, 2, 3]);
    assert.equal(isInAdminScope(alpha, undefined), false, 'a platform-wide item is not a tenant admin\'s');
    assert.equal(tenantFilterOf(alpha), 'alpha');
    assert.equal(tenantFilterOf({ isPlatform: true }), undefined);
  });
});
