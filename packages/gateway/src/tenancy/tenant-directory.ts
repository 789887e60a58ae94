// The tenants of one gateway, as the rest of the request path asks about
// them: which backends a tenant sees (its own and the shared ones granted to
// it), who administers it, and what a caller without a tenant gets. Built
// once from the `tenants` section (config/tenants-schema.ts); pure lookups.

import type { TenantConfig, TenantsConfig } from '../config/tenants-schema.ts';

export class TenantDirectory {
  /** The token claim that names a caller's tenant. */
  readonly claim: string;
  /** Configuration order: bounded, so metrics may use these as label values. */
  readonly names: readonly string[];
  readonly #tenants: ReadonlyMap<string, TenantConfig>;
  readonly #visible: ReadonlyMap<string, ReadonlySet<string>>;
  readonly #unassigned: string | undefined;

  constructor(config: TenantsConfig) {
    this.claim = config.claim;
    this.names = config.tenants.map((tenant) => tenant.name);
    this.#tenants = new Map(config.tenants.map((tenant) => [tenant.name, tenant]));
    this.#visible = new Map(config.tenants.map((tenant) => [tenant.name, new Set([...tenant.backends, ...tenant.shared])]));
    this.#unassigned = config.unassigned === 'refuse' ? undefined : config.unassigned;
  }

  has(tenant: string): boolean {
    return this.#tenants.has(tenant);
  }

  /** The backends a tenant's callers see and call: its own, then the shared ones granted to it. */
  backendsOf(tenant: string): ReadonlySet<string> {
    return this.#visible.get(tenant) ?? EMPTY;
  }

  /** Whether `tenant` may see and call `backend`. */
  sees(tenant: string, backend: string): boolean {
    return this.#visible.get(tenant)?.has(backend) ?? false;
  }

  /** The tenant owning `backend`, undefined for a shared (or unknown) one. */
  ownerOf(backend: string): string | undefined {
    for (const tenant of this.#tenants.values()) if (tenant.backends.includes(backend)) return tenant.name;
    return undefined;
  }

  /** The tenant a caller whose token names none is placed in (`tenants.unassigned`); undefined: refused. */
  get unassigned(): string | undefined {
    return this.#unassigned;
  }

  /** The tenant an admin listed under some tenant's `admins` administers (by agent, then by user). */
  administeredBy(agent: string, user: string | undefined): string | undefined {
    for (const tenant of this.#tenants.values()) {
      if (tenant.admins.includes(agent) || (user !== undefined && tenant.admins.includes(user))) return tenant.name;
    }
    return undefined;
  }
}

const EMPTY: ReadonlySet<string> = new Set();
