// GET /admin/me on the admin listener: who the caller is as the admin API
// sees it (subject, client, tenant, scopes, admin roles and permissions), so
// the console shapes its pages to what the API will allow. Every admin role
// may read it (permission api.read, admin-permissions.ts).

import { adminTenantScope, describeAdminScope } from './tenant-scope.ts';
import type { Caller } from '../identity/caller.ts';
import { writeJson } from '../transport/http-io.ts';
import type { AdminHandler } from './approval-queue-api.ts';
import { withAdmin, type AdminAuthentication } from './admin-guard.ts';
import { permissionsOf, roleScopesOf, rolesOf } from './admin-permissions.ts';

const ME_PATH = '/admin/me';

/**
 * GET /admin/me
 *   200 {"subject", "client_id", "user", "principal", "tenant", "scopes", "roles", "permissions"}
 */
export function createMeApi(options: AdminAuthentication): AdminHandler {
  return (request, response) => {
    const path = new URL(request.url ?? '/', 'http://admin.invalid').pathname;
    if (path !== ME_PATH && path !== `${ME_PATH}/`) return false;
    void withAdmin(options, request, response, (caller) => {
      if (request.method !== 'GET') return writeJson(response, 405, { error: 'GET shows who you are to the admin API' }, { allow: 'GET' });
      writeJson(response, 200, meView(caller, options), { 'cache-control': 'no-store' });
    });
    return true;
  };
}

function meView(caller: Caller, options: AdminAuthentication): Record<string, unknown> {
  const scopes = roleScopesOf(options);
  const subject = typeof caller.claims.sub === 'string' ? caller.claims.sub : caller.agent;
  return {
    subject,
    client_id: caller.agent,
    user: caller.user ?? null,
    principal: caller.rootPrincipal,
    ...describeAdminScope(adminTenantScope(caller, options.tenants)),
    scopes: [...caller.grantedScopes],
    roles: rolesOf(caller, scopes),
    permissions: permissionsOf(caller, scopes),
  };
}
