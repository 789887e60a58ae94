// The registry's schema snapshots on the admin listener (read only): the
// snapshot of each approved version of a backend and of each change seen
// after it, with the schema diff's verdict (registry/definition-snapshot.ts,
// docs/registry.md). Scoped like the entries: a tenant admin sees only its
// tenant's backends; another tenant's are not found.

import type { ServerResponse } from 'node:http';
import { writeJson } from '../transport/http-io.ts';
import { findSnapshot, latestApproved, snapshotSummary } from '../registry/definition-snapshot.ts';
import type { RoutingGate } from '../registry/routing-gate.ts';
import { isInAdminScope, type AdminTenantScope } from './tenant-scope.ts';

/** GET /admin/registry/{name}/snapshots and GET /admin/registry/{name}/snapshots/{reference}. */
export async function getSnapshots(gate: RoutingGate, method: string | undefined, name: string, reference: string | undefined, response: ServerResponse, scope: AdminTenantScope): Promise<void> {
  if (method !== 'GET') return writeJson(response, 405, { error: 'GET lists a backend\'s schema snapshots; GET .../snapshots/{sequence} shows one' }, { allow: 'GET' });
  const entry = await gate.store.get(name);
  if (entry === undefined || !isInAdminScope(scope, entry.spec.tenant)) {
    return writeJson(response, 404, { error: `no registry entry is named ${name}; GET /admin/registry lists them`, code: 'not_found' });
  }
  const records = await gate.store.listSnapshots(name);
  if (reference === undefined) {
    return writeJson(response, 200, { backend: name, approved: latestApproved(records)?.sequence ?? null, snapshots: records.map(snapshotSummary) });
  }
  const record = findSnapshot(records, reference);
  if (record === undefined) {
    const known = records.map((each) => each.sequence).join(', ') || 'none yet';
    return writeJson(response, 404, { error: `${name} has no schema snapshot "${reference}" (sequences: ${known}); name one by sequence, serverInfo.version, "approved" or "latest"`, code: 'not_found' });
  }
  return writeJson(response, 200, { snapshot: record });
}
