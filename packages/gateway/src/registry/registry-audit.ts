// The audit record of a registry change the gateway made itself (tool
// pinning sending an entry back to review, the overdue-review sweep
// suspending one): an `admin_action` named `registry_transition` like an
// admin's, its caller the system principal that acted (`system:tool-pinning`).
// A compatible change of definitions moves nothing and is recorded as
// `registry_definitions_changed` (registry/definition-governance.ts).

import type { AuditFacts } from '../audit/record.ts';
import type { RegistryEvent } from './lifecycle.ts';

export function systemRegistryEventFacts(event: RegistryEvent, details: Record<string, unknown>, gatewayId: string, hasTenants: boolean): AuditFacts {
  return {
    type: 'admin_action',
    startedAt: Date.parse(event.at),
    durationMs: 0,
    gatewayId,
    status: 'success',
    // The tenant field exists only on a gateway with tenants, so other chains hash as before (audit/record.ts).
    caller: { identity: event.by, ...(hasTenants ? { tenant: event.tenant } : {}) },
    server: event.entry,
    name: event.type === 'registry_definitions_changed' ? event.type : 'registry_transition',
    arguments: { entry: event.entry, from: event.from, to: event.to, reason: event.reason, by: event.by, at: event.at, resource_version: event.resourceVersion, ...details },
  };
}
