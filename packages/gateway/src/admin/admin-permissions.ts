// Who may do what on the admin API: four admin roles, each granted by one
// scope, each a set of permissions, and the permission every admin route
// needs. Pure; admin-guard.ts enforces it on every /admin/ request, so a page
// of the console that hides a button is a convenience, never the control.
// A route missing from the table needs the admin role (fail closed).

import { hasScope, type Caller } from '../identity/caller.ts';

/** Everything the admin API lets a caller do, one word per kind of act. */
export const ADMIN_PERMISSIONS = [
  'api.read',
  'overview.read',
  'registry.read',
  'registry.review',
  'registry.propose',
  'approvals.read',
  'approvals.decide',
  'audit.read',
  'audit.verify',
  'usage.read',
  'sessions.read',
  'sessions.manage',
  'pins.read',
  'pins.decide',
  'tenants.read',
  'tenants.manage',
] as const;

export type AdminPermission = (typeof ADMIN_PERMISSIONS)[number];

const ADMIN_ROLES = ['admin', 'approver', 'auditor', 'reviewer'] as const;

export type AdminRole = (typeof ADMIN_ROLES)[number];

/** The scope that grants each role unless configured otherwise (AdminAuthentication's adminScope, roleScopes). */
const DEFAULT_ROLE_SCOPES: Readonly<Record<AdminRole, string>> = {
  admin: 'gatehouse.admin',
  approver: 'gatehouse.approver',
  auditor: 'gatehouse.auditor',
  reviewer: 'gatehouse.reviewer',
};

/**
 * What each role may do. The approver decides held calls and sees the tools
 * they come from; the auditor reads everything that tells what happened and
 * changes nothing; the reviewer moves servers through their lifecycle and
 * decides tool pins. `api.read` (who am I, the API document) goes to all.
 */
export const ROLE_PERMISSIONS: Readonly<Record<AdminRole, readonly AdminPermission[]>> = {
  admin: ADMIN_PERMISSIONS,
  approver: ['api.read', 'approvals.read', 'approvals.decide', 'pins.read'],
  auditor: ['api.read', 'audit.read', 'audit.verify', 'usage.read', 'registry.read', 'sessions.read', 'overview.read'],
  reviewer: ['api.read', 'registry.read', 'registry.review', 'pins.read', 'pins.decide'],
};

/** Which scope grants which role: the defaults with the configured names over them. */
export type RoleScopes = Readonly<Record<AdminRole, string>>;

export function roleScopesOf(configured: { adminScope?: string | undefined; roleScopes?: Partial<Record<AdminRole, string>> | undefined } = {}): RoleScopes {
  return { ...DEFAULT_ROLE_SCOPES, ...configured.roleScopes, ...(configured.adminScope === undefined ? {} : { admin: configured.adminScope }) };
}

/** The admin roles `caller` holds through its scopes (the scope hierarchy already applied). */
export function rolesOf(caller: Caller, scopes: RoleScopes = DEFAULT_ROLE_SCOPES): AdminRole[] {
  if (caller.isAnonymous) return [];
  return ADMIN_ROLES.filter((role) => hasScope(caller, scopes[role]));
}

/** Every permission `caller` holds, in the vocabulary's order. */
export function permissionsOf(caller: Caller, scopes: RoleScopes = DEFAULT_ROLE_SCOPES): AdminPermission[] {
  const held = new Set(rolesOf(caller, scopes).flatMap((role) => ROLE_PERMISSIONS[role]));
  return ADMIN_PERMISSIONS.filter((permission) => held.has(permission));
}

/** The scopes that grant `permission`, narrowest role first, the admin scope last. */
export function scopesGranting(permission: AdminPermission | undefined, scopes: RoleScopes = DEFAULT_ROLE_SCOPES): string[] {
  if (permission === undefined) return [scopes.admin];
  const roles = ADMIN_ROLES.filter((role) => role !== 'admin' && ROLE_PERMISSIONS[role].includes(permission));
  return [...new Set([...roles.map((role) => scopes[role]), scopes.admin])];
}

/** The scope `caller` acted under for `permission` (for the audit record's scope_used): the admin scope when held, else the first role scope that grants it. */
export function scopeUsedFor(caller: Caller, permission: AdminPermission | undefined, scopes: RoleScopes = DEFAULT_ROLE_SCOPES): string {
  const granting = scopesGranting(permission, scopes);
  if (hasScope(caller, scopes.admin)) return scopes.admin;
  return granting.find((scope) => hasScope(caller, scope)) ?? scopes.admin;
}

interface RoutePermission {
  readonly method: string;
  /** An OpenAPI path template; `{name}` matches one non-empty segment. */
  readonly template: string;
  readonly permission: AdminPermission;
}

/**
 * The permission each admin route needs, by method and OpenAPI path
 * template (openapi.yaml repeats it as `x-gatehouse-permission`, and a test
 * holds the two equal). HEAD needs what GET needs.
 */
const ROUTE_PERMISSIONS: readonly RoutePermission[] = [
  { method: 'GET', template: '/admin/openapi.json', permission: 'api.read' },
  { method: 'GET', template: '/admin/me', permission: 'api.read' },
  { method: 'GET', template: '/admin/overview', permission: 'overview.read' },
  { method: 'GET', template: '/admin/catalog', permission: 'pins.read' },
  { method: 'GET', template: '/admin/tools/pins', permission: 'pins.read' },
  { method: 'GET', template: '/admin/tools/quarantined', permission: 'pins.read' },
  { method: 'GET', template: '/admin/tools/{backend}/{tool}', permission: 'pins.read' },
  { method: 'POST', template: '/admin/tools/{backend}/{tool}/accept', permission: 'pins.decide' },
  { method: 'GET', template: '/admin/approvals', permission: 'approvals.read' },
  { method: 'GET', template: '/admin/approvals/events', permission: 'approvals.read' },
  { method: 'GET', template: '/admin/approvals/{id}', permission: 'approvals.read' },
  { method: 'POST', template: '/admin/approvals/{id}/approve', permission: 'approvals.decide' },
  { method: 'POST', template: '/admin/approvals/{id}/deny', permission: 'approvals.decide' },
  { method: 'GET', template: '/admin/audit/records', permission: 'audit.read' },
  { method: 'GET', template: '/admin/audit/records.csv', permission: 'audit.read' },
  { method: 'POST', template: '/admin/audit/verify', permission: 'audit.verify' },
  { method: 'GET', template: '/admin/usage', permission: 'usage.read' },
  { method: 'GET', template: '/admin/tenants', permission: 'tenants.read' },
  { method: 'GET', template: '/admin/sessions', permission: 'sessions.read' },
  { method: 'DELETE', template: '/admin/sessions/{id}', permission: 'sessions.manage' },
  { method: 'GET', template: '/admin/registry', permission: 'registry.read' },
  { method: 'POST', template: '/admin/registry', permission: 'registry.propose' },
  { method: 'GET', template: '/admin/registry/review-due', permission: 'registry.read' },
  { method: 'GET', template: '/admin/registry/diff', permission: 'registry.read' },
  { method: 'GET', template: '/admin/registry/{name}', permission: 'registry.read' },
  { method: 'PUT', template: '/admin/registry/{name}', permission: 'registry.propose' },
  { method: 'PATCH', template: '/admin/registry/{name}', permission: 'registry.propose' },
  { method: 'POST', template: '/admin/registry/{name}/transitions', permission: 'registry.review' },
  { method: 'GET', template: '/admin/registry/{name}/snapshots', permission: 'registry.read' },
  { method: 'GET', template: '/admin/registry/{name}/snapshots/{sequence}', permission: 'registry.read' },
];

const COMPILED = ROUTE_PERMISSIONS.map((route) => ({ ...route, pattern: templatePattern(route.template) }));

/**
 * The permission `method path` needs, or `undefined` for a route the table
 * does not list (the admin role then, as every route needed before roles).
 * A literal segment wins over a parameter (`/admin/approvals/events` over
 * `/admin/approvals/{id}`), since the table lists literals first.
 */
export function requiredPermission(method: string, path: string): AdminPermission | undefined {
  const verb = method.toUpperCase() === 'HEAD' ? 'GET' : method.toUpperCase();
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  for (const route of COMPILED) if (route.method === verb && route.pattern.test(trimmed)) return route.permission;
  return undefined;
}

function templatePattern(template: string): RegExp {
  const source = template.split(/(\{[^}]+\})/).map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${source}$`);
}
