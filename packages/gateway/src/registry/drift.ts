// Drift between the config file (the seed: which backends exist and what
// their owners declared) and the registry store (lifecycle state and the
// spec as reviewed). Pure: `gatehouse registry diff` and
// GET /admin/registry/diff both hand it the backends and the entries.

import type { BackendConfig } from '../config/backend-schema.ts';
import type { LifecycleState, RegistryEntry } from './entry.ts';
import { routability } from './lifecycle.ts';

export const DRIFT_KINDS = ['missing_in_store', 'not_configured', 'field_differs', 'unrouted'] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

export interface DriftItem {
  backend: string;
  kind: DriftKind;
  /** For field_differs: the spec field, `links.repo` for a link. */
  field?: string;
  /** What the config file says (field_differs), or its lifecycle key (unrouted). */
  configured?: unknown;
  /** What the store holds: the field's value, or the entry's state. */
  stored?: unknown;
  state?: LifecycleState;
  message: string;
}

export interface DriftReport {
  isDrifted: boolean;
  items: DriftItem[];
}

export interface DriftInput {
  /** The config file's backends, enabled or not. */
  configured: readonly BackendConfig[];
  entries: readonly RegistryEntry[];
  /** Names a discovery source reports: their entries are not "no longer configured". */
  discovered?: ReadonlySet<string>;
  /** The tenant a backend belongs to by the config (`tenants`), as the routing gate enrols it. */
  tenantOf?: (backend: string) => string | undefined;
}

/** Entries whose backend may be gone from the file without it being drift: the lifecycle already ended them. */
const ENDED: ReadonlySet<LifecycleState> = new Set(['retired', 'rejected']);

/**
 * Every difference, sorted by backend then kind. Only the spec fields the
 * file declares are compared: an undeclared field was seeded with a default
 * and belongs to the store from then on.
 */
export function registryDrift(input: DriftInput): DriftReport {
  const items: DriftItem[] = [];
  const entries = new Map(input.entries.map((entry) => [entry.spec.name, entry]));
  const configuredNames = new Set(input.configured.map((backend) => backend.name));
  for (const backend of input.configured) {
    const entry = entries.get(backend.name);
    if (entry === undefined) {
      if (backend.enabled) items.push({ backend: backend.name, kind: 'missing_in_store', message: `${backend.name} is configured but has no registry entry; the gateway enrols it at its next start or reload` });
      continue;
    }
    items.push(...fieldDrift(backend, entry, input.tenantOf?.(backend.name) ?? 'default'));
    if (backend.enabled && !routability(entry).isRoutable) {
      items.push({
        backend: backend.name, kind: 'unrouted', configured: backend.registry?.lifecycle ?? 'pre_approved', stored: entry.status.state, state: entry.status.state,
        message: `${backend.name} is enabled in the config but ${entry.status.state} in the store, so it is not routed; review it, or disable it in the file`,
      });
    }
  }
  for (const entry of input.entries) {
    const name = entry.spec.name;
    if (configuredNames.has(name) || input.discovered?.has(name) === true || ENDED.has(entry.status.state)) continue;
    items.push({
      backend: name, kind: 'not_configured', stored: entry.status.state, state: entry.status.state,
      message: `${name} is ${entry.status.state} in the store but no longer in the config; retire it, or add it back to the file`,
    });
  }
  items.sort((a, b) => a.backend.localeCompare(b.backend) || DRIFT_KINDS.indexOf(a.kind) - DRIFT_KINDS.indexOf(b.kind) || (a.field ?? '').localeCompare(b.field ?? ''));
  return { isDrifted: items.length > 0, items };
}

/** The declared registry keys of one backend against its entry's spec. */
function fieldDrift(backend: BackendConfig, entry: RegistryEntry, tenant: string): DriftItem[] {
  const declared = backend.registry ?? {};
  const spec = entry.spec;
  const pairs: [string, unknown, unknown][] = [
    ['description', declared.description, spec.description],
    ['owner', declared.owner, spec.owner],
    ['team', declared.team, spec.team],
    ['riskTier', declared.riskTier, spec.riskTier],
    ['dataClassification', declared.dataClassification, spec.dataClassification],
    ['scopes', declared.scopes === undefined ? undefined : [...declared.scopes].sort(), [...spec.scopes].sort()],
    ['links.repo', declared.links?.repo, spec.links.repo],
    ['links.runbook', declared.links?.runbook, spec.links.runbook],
    ['version', declared.version, spec.version],
    // The tenant always follows the file's `tenants` section (absent: default), as the gate enrols it.
    ['tenant', tenant, spec.tenant],
  ];
  return pairs
    .filter(([, configured, stored]) => configured !== undefined && JSON.stringify(configured) !== JSON.stringify(stored))
    .map(([field, configured, stored]) => ({
      backend: backend.name, kind: 'field_differs' as const, field, configured, stored: stored ?? null, state: entry.status.state,
      message: `${backend.name}: ${field} is ${JSON.stringify(configured)} in the config but ${stored === undefined ? 'unset' : JSON.stringify(stored)} in the store; revise the entry (PATCH /admin/registry/${backend.name}) or the file`,
    }));
}

