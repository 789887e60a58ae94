// The `tenants` section of gatehouse.yaml: departments on one gateway. Each
// tenant owns backends, is granted shared ones, adds its own policies to the
// global chain and names its admins; the token claim that binds a caller to
// a tenant is configurable. Keys in docs/configuration.md and docs/tenants.md.

import { z } from 'zod';
import { absentWhenNull, isMapping, list, matching, text } from './fields.ts';
import { policySchema, toPolicyConfig, type PolicyConfig } from './policy-schema.ts';

export interface TenantConfig {
  name: string;
  description: string | undefined;
  /** Backends only this tenant sees. */
  backends: string[];
  /** Shared backends (owned by no tenant) this tenant may use too. */
  shared: string[];
  /** Run after the global chain, on this tenant's calls only. */
  policies: PolicyConfig[];
  /** Agents (client ids) and users (subjects) who administer this tenant, besides admins whose token names it. */
  admins: string[];
}

export interface TenantsConfig {
  /** The token claim naming a caller's tenant (a dotted path reads a nested claim). Default `tenant`. */
  claim: string;
  /** What a caller whose token names no tenant gets on the MCP endpoints: `refuse`, or a tenant's name. */
  unassigned: string;
  tenants: TenantConfig[];
}

const TENANT_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const TENANT_NAME_EXPECTED = 'expected a tenant name of 1 to 63 lowercase letters, digits, "_" and "-", starting with a letter or digit';
const DEFAULT_TENANT_CLAIM = 'tenant';

const tenantSchema = z.strictObject(
  {
    name: matching(TENANT_NAME, TENANT_NAME_EXPECTED, 63),
    description: text().optional(),
    backends: absentWhenNull(list(text('expected a backend name')).default([])),
    shared: absentWhenNull(list(text('expected the name of a shared backend')).default([])),
    policies: absentWhenNull(list(policySchema).default([])),
    admins: absentWhenNull(list(text('expected an agent (client id) or a user (token subject)')).default([])),
  },
  { error: 'expected a mapping with name, backends, shared, policies and admins' },
);

export const tenantsSchema = z
  .strictObject(
    {
      claim: matching(/^[A-Za-z0-9_:/.-]{1,128}$/, 'expected a claim name such as tenant or https://example.com/tenant', 128).default(DEFAULT_TENANT_CLAIM),
      unassigned: text('expected "refuse" or the name of a tenant').default('refuse'),
      list: list(tenantSchema).min(1, { error: 'expected at least one tenant' }),
    },
    { error: 'expected a mapping with claim, unassigned and list' },
  )
  .optional();

export type TenantsFile = z.output<typeof tenantsSchema>;

export function toTenantsConfig(file: TenantsFile): TenantsConfig | undefined {
  if (file === undefined) return undefined;
  return {
    claim: file.claim,
    unassigned: file.unassigned,
    tenants: file.list.map((tenant, index) => ({
      name: tenant.name,
      description: tenant.description,
      backends: tenant.backends,
      shared: tenant.shared,
      policies: tenant.policies.map((policy, policyIndex) => ({
        ...toPolicyConfig(policy),
        // Unique beside the global names, and what decisions and audit records show.
        name: `${tenant.name}/${policy.name}`,
        tenant: tenant.name,
        keyPath: ['tenants', 'list', index, 'policies', policyIndex],
      })),
      admins: tenant.admins,
    })),
  };
}

/** The global chain, then each tenant's policies (each applies only to its own tenant's calls). */
export function policiesWithTenants(policies: readonly PolicyConfig[], tenants: TenantsConfig | undefined): PolicyConfig[] {
  if (tenants === undefined) return [...policies];
  return [...policies, ...tenants.tenants.flatMap((tenant) => tenant.policies)];
}

/**
 * Rules across sections, checked on the raw file (defensive about types, as
 * it runs even when fields failed): tenant names unique; every backend a
 * tenant owns or is granted exists; a backend has one owner; a shared grant
 * names a backend no tenant owns; `unassigned` names a tenant; an embedded
 * provider's agent or user names a configured tenant.
 */
export function checkTenants(file: Record<string, unknown>, context: z.RefinementCtx): void {
  const section = file.tenants;
  if (!isMapping(section)) return;
  const tenants = (section as Record<string, unknown>).list;
  if (!Array.isArray(tenants)) return;
  const backendNames = new Set((Array.isArray(file.backends) ? file.backends : []).map((backend: unknown) => (backend as { name?: unknown } | null)?.name).filter((name): name is string => typeof name === 'string'));
  const discovered = file.discovery !== undefined && file.discovery !== null;
  const names = new Map<string, number>();
  const owners = new Map<string, string>();
  tenants.forEach((tenant: unknown, index) => {
    if (!isMapping(tenant)) return;
    const { name, backends, policies } = tenant as { name?: unknown; backends?: unknown; policies?: unknown };
    if (typeof name !== 'string') return;
    checkPolicyNames(policies, index, context);
    const first = names.get(name);
    if (first !== undefined) context.addIssue({ code: 'custom', path: ['tenants', 'list', index, 'name'], message: `"${name}" is already the name of tenants.list[${first}]; tenant names must be unique` });
    else names.set(name, index);
    if (!Array.isArray(backends)) return;
    backends.forEach((backend: unknown, backendIndex) => {
      if (typeof backend !== 'string') return;
      const path = ['tenants', 'list', index, 'backends', backendIndex];
      if (!backendNames.has(backend) && !discovered) context.addIssue({ code: 'custom', path, message: `"${backend}" is not a configured backend; expected one of the names under backends: (${[...backendNames].join(', ') || 'none configured'})` });
      const owner = owners.get(backend);
      if (owner !== undefined && owner !== name) context.addIssue({ code: 'custom', path, message: `"${backend}" is already owned by tenant "${owner}"; a backend has one owner: leave it out of every tenant's backends and list it under shared: to let several tenants use it` });
      else owners.set(backend, name);
    });
  });
  tenants.forEach((tenant: unknown, index) => {
    if (!isMapping(tenant)) return;
    const { name, shared } = tenant as { name?: unknown; shared?: unknown };
    if (!Array.isArray(shared)) return;
    shared.forEach((backend: unknown, sharedIndex) => {
      if (typeof backend !== 'string') return;
      const path = ['tenants', 'list', index, 'shared', sharedIndex];
      const owner = owners.get(backend);
      if (!backendNames.has(backend) && !discovered) context.addIssue({ code: 'custom', path, message: `"${backend}" is not a configured backend; a tenant can be granted only a backend listed under backends: (${[...backendNames].join(', ') || 'none configured'})` });
      else if (owner !== undefined && owner !== name) context.addIssue({ code: 'custom', path, message: `"${backend}" is owned by tenant "${owner}"; only a backend no tenant owns can be shared: remove it from tenant "${owner}"'s backends to share it` });
    });
  });
  const unassigned = (section as Record<string, unknown>).unassigned;
  if (typeof unassigned === 'string' && unassigned !== 'refuse' && !names.has(unassigned)) {
    context.addIssue({ code: 'custom', path: ['tenants', 'unassigned'], message: `"${unassigned}" is not a tenant; expected "refuse" or one of ${[...names.keys()].map((tenant) => `"${tenant}"`).join(', ')}` });
  }
  checkDirectoryTenants(file, names, context);
}

/** A tenant's policy names are unique within the tenant, as global ones are (decisions and audit name them). */
function checkPolicyNames(policies: unknown, tenantIndex: number, context: z.RefinementCtx): void {
  if (!Array.isArray(policies)) return;
  const seen = new Map<string, number>();
  policies.forEach((policy: unknown, index) => {
    const name = isMapping(policy) ? (policy as { name?: unknown }).name : undefined;
    if (typeof name !== 'string') return;
    const first = seen.get(name);
    if (first === undefined) seen.set(name, index);
    else context.addIssue({ code: 'custom', path: ['tenants', 'list', tenantIndex, 'policies', index, 'name'], message: `"${name}" is already the name of tenants.list[${tenantIndex}].policies[${first}]; a tenant's policy names must be unique` });
  });
}

/** The embedded provider's directory issues the tenant claim; a tenant it names must exist. */
function checkDirectoryTenants(file: Record<string, unknown>, tenants: ReadonlyMap<string, number>, context: z.RefinementCtx): void {
  const authentication = file.authentication;
  if (!isMapping(authentication)) return;
  const idp = (authentication as Record<string, unknown>).embedded_idp;
  if (!isMapping(idp)) return;
  for (const kind of ['agents', 'users'] as const) {
    const entries = (idp as Record<string, unknown>)[kind];
    if (!Array.isArray(entries)) continue;
    entries.forEach((entry: unknown, index) => {
      const tenant = isMapping(entry) ? (entry as { tenant?: unknown }).tenant : undefined;
      if (typeof tenant === 'string' && !tenants.has(tenant)) {
        context.addIssue({ code: 'custom', path: ['authentication', 'embedded_idp', kind, index, 'tenant'], message: `"${tenant}" is not a tenant; expected one of ${[...tenants.keys()].map((name) => `"${name}"`).join(', ')} (tenants.list)` });
      }
    });
  }
}

/** A directory entry's tenant without a tenants section would issue a claim nothing reads: refused at load. */
export function checkTenantlessDirectory(file: Record<string, unknown>, context: z.RefinementCtx): void {
  if (isMapping(file.tenants)) return;
  const authentication = file.authentication;
  const idp = isMapping(authentication) ? (authentication as Record<string, unknown>).embedded_idp : undefined;
  if (!isMapping(idp)) return;
  for (const kind of ['agents', 'users'] as const) {
    const entries = (idp as Record<string, unknown>)[kind];
    if (!Array.isArray(entries)) continue;
    entries.forEach((entry: unknown, index) => {
      if (isMapping(entry) && (entry as { tenant?: unknown }).tenant !== undefined) {
        context.addIssue({ code: 'custom', path: ['authentication', 'embedded_idp', kind, index, 'tenant'], message: 'names a tenant, but this file has no tenants: section; add tenants.list with that tenant, or remove this key' });
      }
    });
  }
}
