// The tenant the transport bound an HTTP request to (tenant-binding.ts), kept
// beside the request so that every exchange the request opens, in either
// revision's handler, reads the same one without another parameter.

const tenants = new WeakMap<object, string>();

export function noteRequestTenant(request: object, tenant: string | undefined): void {
  if (tenant !== undefined) tenants.set(request, tenant);
}

export function requestTenantOf(request: object): string | undefined {
  return tenants.get(request);
}

const TENANT_PATH = /^\/t\/([^/]+)(\/.*)$/;

/** `/t/{tenant}/mcp` -> the tenant and `/mcp`; undefined for a path without the tenant prefix. */
export function splitTenantPath(pathname: string): { tenant: string; rest: string } | undefined {
  const match = TENANT_PATH.exec(pathname);
  if (match === null) return undefined;
  let tenant: string;
  try {
    tenant = decodeURIComponent(match[1]!);
  } catch {
    return undefined;
  }
  return { tenant, rest: match[2]! };
}
