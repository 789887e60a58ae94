// Which tenant one MCP request runs for, decided once per request after the
// token is verified and before the body is read. Pure: the token's tenant
// claim, the tenant its path names (`/t/{tenant}/mcp`), and the directory.

import { AuthError } from '../identity/auth-error.ts';
import type { Caller } from '../identity/caller.ts';
import type { TenantDirectory } from './tenant-directory.ts';

export type TenantBinding = { tenant: string | undefined } | { error: AuthError };

/**
 * - no tenants configured: no tenant, and a `/t/...` path is not served (the
 *   transport answers 404 before this);
 * - the token names a tenant: that one; it must exist, and a path naming
 *   another tenant is refused (`tenant_mismatch`, 403);
 * - the token names none: on an anonymous gateway the path decides (there is
 *   no token to bind), else `tenants.unassigned` (a path naming another tenant
 *   is refused as above), else `tenant_required` (403).
 */
export function bindTenant(directory: TenantDirectory | undefined, caller: Caller, pathTenant: string | undefined): TenantBinding {
  if (directory === undefined) return { tenant: undefined };
  if (pathTenant !== undefined && !directory.has(pathTenant)) {
    return { error: new AuthError('tenant_unknown', `There is no tenant "${pathTenant}" on this gateway; use /mcp, or /t/{tenant}/mcp with your own tenant (${directory.names.join(', ')})`) };
  }
  const claimed = caller.tenant;
  if (claimed !== undefined && !directory.has(claimed)) {
    return { error: new AuthError('tenant_unknown', `The token's "${directory.claim}" claim names tenant "${claimed}", which this gateway does not have; ask the authorization server for a token of one of ${directory.names.join(', ')}`) };
  }
  const assigned = claimed ?? (caller.isAnonymous ? pathTenant : undefined) ?? directory.unassigned;
  if (assigned === undefined) {
    return { error: new AuthError('tenant_required', `This gateway serves several tenants and the token of "${caller.agent}" names none (claim "${directory.claim}"); ask the authorization server for a token carrying your tenant`) };
  }
  if (pathTenant !== undefined && pathTenant !== assigned) {
    return { error: new AuthError('tenant_mismatch', `This token belongs to tenant "${assigned}" and cannot be used on tenant "${pathTenant}"'s endpoint; use /t/${assigned}/mcp (or /mcp)`) };
  }
  return { tenant: assigned };
}
