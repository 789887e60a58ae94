// Which tenant an admin administers (docs/tenants.md): a pure function every
// admin route calls before it reads or changes anything. A platform admin
// (no tenant) sees every tenant; a tenant admin (bound to tenant A by the
// token's tenant claim, or listed in tenant A's `admins`) sees only A.

import type { Caller } from '../identity/caller.ts';
import type { TenantDirectory } from '../tenancy/tenant-directory.ts';

export type AdminTenantScope = { isPlatform: true } | { isPlatform: false; tenant: string };

export const PLATFORM_SCOPE: AdminTenantScope = Object.freeze({ isPlatform: true });

/** Without tenants every admin is a platform admin, as before tenants existed. */
export function adminTenantScope(caller: Caller, tenants: TenantDirectory | undefined): AdminTenantScope {
  if (tenants === undefined) return PLATFORM_SCOPE;
  const tenant = caller.tenant ?? tenants.administeredBy(caller.agent, caller.user);
  return tenant === undefined ? PLATFORM_SCOPE : { isPlatform: false, tenant };
}

/** Whether something of `tenant` (undefined: a platform-wide thing, such as a shared backend's entry) is this admin's to see. */
export function isInAdminScope(scope: AdminTenantScope, tenant: string | undefined): boolean {
  return scope.isPlatform || tenant === scope.tenant;
}

/** The items this admin may see, in their order. */
export function withinAdminScope<T>(scope: AdminTenantScope, items: readonly T[], tenantOf: (item: T) => string | undefined): T[] {
  return scope.isPlatform ? [...items] : items.filter((item) => tenantOf(item) === scope.tenant);
}

/** The tenant an admin's queries are narrowed to (undefined: all), for stores that filter themselves (audit, usage). */
export function tenantFilterOf(scope: AdminTenantScope): string | undefined {
  return scope.isPlatform ? undefined : scope.tenant;
}

/** The JSON an admin reads about its own scope (`tenant: null` for a platform admin). */
export function describeAdminScope(scope: AdminTenantScope): { tenant: string | null; is_platform_admin: boolean } {
  return scope.isPlatform ? { tenant: null, is_platform_admin: true } : { tenant: scope.tenant, is_platform_admin: false };
}
