// GET /admin/catalog on the admin listener: every tool of the federated
// catalog with its backend, pinned hash and pin state, and for a
// quarantined tool the pinned and the current definition side by side, so
// the console shows the change as a diff. Read-only (permission pins.read):
// accepting a definition stays POST /admin/tools/{backend}/{tool}/accept
// (admin/tool-pins-api.ts).

import { writeJson } from '../transport/http-io.ts';
import type { AdminHandler } from './approval-queue-api.ts';
import { adminTenantScope } from './tenant-scope.ts';
import { withAdmin, type AdminAuthentication } from './admin-guard.ts';
import type { Catalog } from '../catalog/catalog.ts';
import { pinnedPart, type ToolPins } from '../policy/tool-pinning.ts';
import type { ToolDefinition } from '../policy/tool-definitions.ts';

const CATALOG_PATH = '/admin/catalog';

export interface CatalogApiOptions extends AdminAuthentication {
  catalog: Catalog;
  /** The tool pins serving now; undefined without a tool_pinning policy (no pin fields then). */
  pins: () => ToolPins | undefined;
}

/**
 * GET /admin/catalog
 *   200 {"pinning": bool, "tools": [{name, backend, tool, title, description, state, pinned_hash, current_hash, pinned_at, pinned_by, changes, pinned_definition?, current_definition?}]}
 */
export function createCatalogApi(options: CatalogApiOptions): AdminHandler {
  return (request, response) => {
    const path = new URL(request.url ?? '/', 'http://admin.invalid').pathname;
    if (path !== CATALOG_PATH && path !== `${CATALOG_PATH}/`) return false;
    void withAdmin(options, request, response, (caller) => {
      if (request.method !== 'GET') return writeJson(response, 405, { error: 'GET lists the catalog' }, { allow: 'GET' });
      // A tenant admin sees the tools of its tenant's backends only (docs/tenants.md).
      const scope = adminTenantScope(caller, options.tenants);
      const pins = options.pins();
      const federated = options.catalog.view(undefined);
      const visible = [...federated.toolsByName.values()].filter((entry) => scope.isPlatform || options.tenants === undefined || options.tenants.sees(scope.tenant, entry.backend));
      const tools = visible.map((entry) => {
        // The backend's own view carries the definition under the backend's name, as the pins hash it.
        const definition = (options.catalog.view(entry.backend).toolsByName.get(entry.name)?.definition ?? entry.definition) as unknown as ToolDefinition;
        const base = { name: entry.clientName, backend: entry.backend, tool: entry.name, title: stringOrNull(definition.title), description: stringOrNull(definition.description) };
        if (pins === undefined) return { ...base, state: null, pinned_hash: null, current_hash: null, pinned_at: null, pinned_by: null, changes: [] };
        const status = pins.status(entry.backend, entry.name);
        const pin = pins.store.get(entry.backend, entry.name);
        const isChanged = status.state === 'quarantined';
        return {
          ...base,
          state: status.state,
          pinned_hash: status.pinnedHash ?? null,
          current_hash: status.currentHash ?? null,
          pinned_at: pin === undefined ? null : new Date(pin.pinnedAt).toISOString(),
          pinned_by: pin?.pinnedBy ?? null,
          changes: status.changes,
          // Both sides only where they differ: the console diffs them; an unchanged tool needs neither.
          ...(isChanged ? { pinned_definition: pin?.definition ?? null, current_definition: pinnedPart(definition) } : {}),
          ...(status.state === 'unreviewed' ? { current_definition: pinnedPart(definition) } : {}),
        };
      });
      writeJson(response, 200, { pinning: pins !== undefined, tools });
    });
    return true;
  };
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
