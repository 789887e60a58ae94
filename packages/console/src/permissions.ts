// What the caller may do, as the API says (GET /admin/me `permissions`), and
// which page needs which permission (the routes' x-gatehouse-permission in
// the gateway's admin-permissions.ts). The console hides what a role cannot
// use so a person sees their own tool, never to protect anything: the API
// refuses every request the role does not allow, whatever the page shows.

import { useQuery } from '@tanstack/react-query';
import { api, ApiError } from './api.ts';
import { isServed, useApiPaths } from './capabilities.ts';

export interface Me {
  subject: string;
  tenant: string | null;
  is_platform_admin: boolean;
  roles: string[];
  permissions: string[];
}

/** Each page, the admin route of its main read, and the permission that route needs (a test holds them equal to the gateway's table). */
export const PAGES = [
  { to: '/', label: 'Overview', route: '/admin/overview', permission: 'overview.read' },
  { to: '/approvals', label: 'Approvals', route: '/admin/approvals', permission: 'approvals.read' },
  { to: '/registry', label: 'Registry', route: '/admin/registry', permission: 'registry.read' },
  { to: '/catalog', label: 'Catalog', route: '/admin/catalog', permission: 'pins.read' },
  { to: '/audit', label: 'Audit', route: '/admin/audit/records', permission: 'audit.read' },
  { to: '/sessions', label: 'Sessions', route: '/admin/sessions', permission: 'sessions.read' },
  { to: '/usage', label: 'Usage', route: '/admin/usage', permission: 'usage.read' },
  { to: '/tenants', label: 'Tenants', route: '/admin/tenants', permission: 'tenants.read' },
] as const;

export type ConsolePage = (typeof PAGES)[number];

/** What a permission lets a person do, in words for "your role does not include ...". */
const PERMISSION_WORDS: Readonly<Record<string, string>> = {
  'api.read': 'reading the admin API',
  'overview.read': 'the overview of backends and traffic',
  'registry.read': 'reading the server registry',
  'registry.review': 'reviewing servers (lifecycle changes)',
  'registry.propose': 'proposing servers',
  'approvals.read': 'the approval queue',
  'approvals.decide': 'deciding held calls',
  'audit.read': 'reading the audit log',
  'audit.verify': 'verifying the audit chain',
  'usage.read': 'usage and cost',
  'sessions.read': 'the list of MCP sessions',
  'sessions.manage': 'ending MCP sessions',
  'pins.read': 'the tool catalog',
  'pins.decide': 'accepting or rejecting tool definitions',
  'tenants.read': 'the tenants',
  'tenants.manage': 'managing tenants',
};

export function describePermission(permission: string): string {
  return PERMISSION_WORDS[permission] ?? permission;
}

/**
 * The pages to list for a caller: those its permissions allow; every page
 * while who it is is unknown (a gateway without /admin/me, or the answer
 * still on its way), since each page then shows the API's own answer.
 */
export function visiblePages(permissions: readonly string[] | undefined): ConsolePage[] {
  if (permissions === undefined) return [...PAGES];
  return PAGES.filter((page) => permissions.includes(page.permission));
}

/** The permission named in an admin refusal's message ("... for GET /admin/audit/records (permission audit.read); ..."). */
export function permissionOfRefusal(message: string): string | undefined {
  return /\(permission ([a-z]+\.[a-z]+)\)/.exec(message)?.[1];
}

/**
 * Who the API says the caller is, where the gateway serves /admin/me;
 * `hasNoRole` when the API refuses even that (a signed-in person without any
 * admin role, such as the demo's alice).
 */
export function useMe(): { me: Me | undefined; isKnown: boolean; hasNoRole: boolean } {
  const { paths, error } = useApiPaths();
  const isAvailable = isServed(paths, '/admin/me');
  const query = useQuery({ queryKey: ['me'], queryFn: () => api<Me>('/admin/me'), enabled: isAvailable, staleTime: 60_000, retryOnMount: false });
  const refusal = query.error ?? error;
  const hasNoRole = refusal instanceof ApiError && refusal.status === 403;
  return { me: query.data, isKnown: query.data !== undefined || (paths !== undefined && !isAvailable) || query.isError || hasNoRole, hasNoRole };
}

/**
 * Whether to offer an action needing `permission`: yes when the API says the
 * caller holds it, and yes when it cannot say (the API then answers for itself).
 */
export function useCan(permission: string): boolean {
  const { me } = useMe();
  return me === undefined || me.permissions.includes(permission);
}
