// The console's page permissions against the gateway's own table: each page
// is listed for exactly the roles whose permissions let its main route
// answer, and a role refusal's message yields the permission it names.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PAGES, describePermission, permissionOfRefusal, visiblePages } from '../src/permissions.ts';
import { ADMIN_PERMISSIONS, ROLE_PERMISSIONS, requiredPermission, scopesGranting } from '../../gateway/src/admin/admin-permissions.ts';

describe('the console\'s page permissions', () => {
  it('name, for each page, the permission the gateway requires for the page\'s route', () => {
    for (const page of PAGES) assert.equal(requiredPermission('GET', page.route), page.permission, `${page.label} (${page.route})`);
  });

  it('list each role the pages its permissions allow', () => {
    const labels = (role: keyof typeof ROLE_PERMISSIONS) => visiblePages(ROLE_PERMISSIONS[role]).map((page) => page.label);
    assert.deepEqual(labels('admin'), ['Overview', 'Approvals', 'Registry', 'Catalog', 'Audit', 'Sessions', 'Usage', 'Tenants']);
    assert.deepEqual(labels('approver'), ['Approvals', 'Catalog']);
    assert.deepEqual(labels('auditor'), ['Overview', 'Registry', 'Audit', 'Sessions', 'Usage']);
    assert.deepEqual(labels('reviewer'), ['Registry', 'Catalog']);
    assert.deepEqual(visiblePages([]), [], 'no permission: no page');
    assert.equal(visiblePages(undefined).length, PAGES.length, 'unknown permissions (no /admin/me): every page, each showing the API\'s answer');
  });

  it('describe every permission of the gateway in words', () => {
    for (const permission of ADMIN_PERMISSIONS) assert.notEqual(describePermission(permission), permission, permission);
  });

  it('read the permission out of the guard\'s refusal message', () => {
    const message = `one of the scopes ${scopesGranting('audit.read').join(', ')} is required for GET /admin/audit/records (permission audit.read); request a token that carries it`;
    assert.equal(permissionOfRefusal(message), 'audit.read');
    assert.equal(permissionOfRefusal('the scope gatehouse.admin is required for this admin endpoint; request a token that carries it'), undefined);
  });
});
