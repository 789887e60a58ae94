// The admin roles' model, table-driven: which permissions each scope grants,
// which permission each route needs, and which scope a refusal names.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_PERMISSIONS, permissionsOf, requiredPermission, roleScopesOf, scopesGranting, scopeUsedFor } from '../../src/admin/admin-permissions.ts';
import { makeCaller } from '../policy/fixtures.ts';

const as = (...scopes: string[]) => makeCaller({ agent: 'console', user: 'bob', scopes });

describe('admin permissions', () => {
  it('grants the admin scope every permission', () => {
    assert.deepEqual(permissionsOf(as('gatehouse.admin')), [...ADMIN_PERMISSIONS]);
  });

  for (const [scope, permissions] of [
    ['gatehouse.approver', ['api.read', 'approvals.read', 'approvals.decide', 'pins.read']],
    ['gatehouse.auditor', ['api.read', 'overview.read', 'registry.read', 'audit.read', 'audit.verify', 'usage.read', 'sessions.read']],
    ['gatehouse.reviewer', ['api.read', 'registry.read', 'registry.review', 'pins.read', 'pins.decide']],
    ['crm.read', []],
  ] as const) {
    it(`grants ${scope} exactly ${permissions.length === 0 ? 'nothing' : permissions.join(', ')}`, () => {
      assert.deepEqual(permissionsOf(as(scope)), permissions);
    });
  }

  it('unites the permissions of several role scopes', () => {
    assert.deepEqual(permissionsOf(as('gatehouse.approver', 'gatehouse.auditor')), ['api.read', 'overview.read', 'registry.read', 'approvals.read', 'approvals.decide', 'audit.read', 'audit.verify', 'usage.read', 'sessions.read', 'pins.read']);
  });

  it('reads the role scopes under their configured names', () => {
    const scopes = roleScopesOf({ adminScope: 'ops.admin', roleScopes: { approver: 'ops.approve' } });
    assert.deepEqual(permissionsOf(as('ops.approve'), scopes), ['api.read', 'approvals.read', 'approvals.decide', 'pins.read']);
    assert.deepEqual(permissionsOf(as('gatehouse.approver'), scopes), []);
    assert.equal(permissionsOf(as('ops.admin'), scopes).length, ADMIN_PERMISSIONS.length);
  });

  for (const [method, path, permission] of [
    ['GET', '/admin/openapi.json', 'api.read'],
    ['GET', '/admin/me/', 'api.read'],
    ['HEAD', '/admin/overview', 'overview.read'],
    ['GET', '/admin/catalog', 'pins.read'],
    ['HEAD', '/admin/usage', 'usage.read'],
    ['GET', '/admin/approvals/events', 'approvals.read'],
    ['GET', '/admin/approvals/apr_1', 'approvals.read'],
    ['POST', '/admin/approvals/apr_1/approve', 'approvals.decide'],
    ['GET', '/admin/registry/review-due', 'registry.read'],
    ['GET', '/admin/registry/wiki/', 'registry.read'],
    ['POST', '/admin/registry/wiki/transitions', 'registry.review'],
    ['GET', '/admin/registry/wiki/snapshots', 'registry.read'],
    ['GET', '/admin/registry/wiki/snapshots/approved', 'registry.read'],
    ['POST', '/admin/tools/crm/send_email/accept', 'pins.decide'],
    ['DELETE', '/admin/sessions/abc', 'sessions.manage'],
    ['GET', '/admin/audit/records.csv', 'audit.read'],
    ['POST', '/admin/audit/verify', 'audit.verify'],
    ['GET', '/admin/sessions/', 'sessions.read'],
    ['DELETE', '/admin/approvals/apr_1', undefined],
    ['GET', '/admin/approvals/apr_1/approve/more', undefined],
    ['GET', '/admin', undefined],
    ['GET', '/admin/quotas', undefined],
  ] as const) {
    it(`requires ${permission ?? 'the admin role'} for ${method} ${path}`, () => {
      assert.equal(requiredPermission(method, path), permission);
    });
  }

  it('names the narrowest scope that grants a permission first, the admin scope last', () => {
    assert.deepEqual(scopesGranting('approvals.decide'), ['gatehouse.approver', 'gatehouse.admin']);
    assert.deepEqual(scopesGranting('pins.read'), ['gatehouse.approver', 'gatehouse.reviewer', 'gatehouse.admin']);
    assert.deepEqual(scopesGranting('sessions.manage'), ['gatehouse.admin']);
    assert.deepEqual(scopesGranting(undefined), ['gatehouse.admin']);
  });

  it('records the scope a caller acted under: the admin scope when held, else the role scope that granted it', () => {
    assert.equal(scopeUsedFor(as('gatehouse.admin', 'gatehouse.approver'), 'approvals.decide'), 'gatehouse.admin');
    assert.equal(scopeUsedFor(as('gatehouse.approver'), 'approvals.decide'), 'gatehouse.approver');
    assert.equal(scopeUsedFor(as('gatehouse.reviewer', 'gatehouse.auditor'), 'registry.read'), 'gatehouse.auditor');
  });
});
