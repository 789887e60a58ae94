// The registry on /metrics: entries by lifecycle state and the entries past
// their review date, both by tenant (bounded by the config's `tenants`, never
// a user or a backend id), read from the routing gate's cache at scrape time.

import { Gauge, type Registry } from 'prom-client';
import type { RegistryEntry } from './entry.ts';
import { isReviewOverdue } from './lifecycle.ts';

export const REGISTRY_METRIC_NAMES = {
  entries: 'mcp_registry_entries',
  reviewsOverdue: 'mcp_registry_reviews_overdue',
} as const;

/** States whose review no longer matters: they are not counted as overdue. */
const ENDED = new Set(['retired', 'rejected']);

export function registerRegistryMetrics(registry: Registry, entries: () => readonly RegistryEntry[], now: () => Date = () => new Date()): void {
  new Gauge({
    name: REGISTRY_METRIC_NAMES.entries,
    help: 'Registry entries by lifecycle state and tenant (docs/registry.md)',
    labelNames: ['state', 'tenant'],
    registers: [registry],
    collect() {
      this.reset();
      for (const entry of entries()) this.inc({ state: entry.status.state, tenant: entry.spec.tenant });
    },
  });
  new Gauge({
    name: REGISTRY_METRIC_NAMES.reviewsOverdue,
    help: 'Registry entries past their next-review date (not retired or rejected), by tenant and risk tier',
    labelNames: ['tenant', 'risk_tier'],
    registers: [registry],
    collect() {
      this.reset();
      const at = now();
      for (const entry of entries()) {
        if (!ENDED.has(entry.status.state) && isReviewOverdue(entry, at)) this.inc({ tenant: entry.spec.tenant, risk_tier: entry.spec.riskTier });
      }
    },
  });
}
