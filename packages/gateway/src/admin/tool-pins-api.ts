// The tool pins on the admin listener: which tools are pinned, which are
// quarantined and what changed, and accepting a reviewed definition (admin
// scope; every acceptance reported for audit by ToolPins). A sibling of
// admin/approval-queue-api.ts, mounted beside it.

import { describeCaller } from '../identity/caller.ts';
import { writeJson } from '../transport/http-io.ts';
import type { AdminHandler } from './approval-queue-api.ts';
import { withAdmin, type AdminAuthentication } from './admin-guard.ts';
import { recordAdmin } from './admin-audit.ts';
import { isPinError, type ToolPins } from '../policy/tool-pinning.ts';
import { adminTenantScope, isInAdminScope, tenantFilterOf, withinAdminScope } from './tenant-scope.ts';

export interface ToolPinsApiOptions extends AdminAuthentication {
  pins: ToolPins;
}

/**
 * GET  /admin/tools/pins                          every pin
 * GET  /admin/tools/quarantined                   quarantined and unreviewed tools, with the changed fields
 * GET  /admin/tools/{backend}/{tool}              one tool's pin status
 * POST /admin/tools/{backend}/{tool}/accept       pin the current definition
 */
export function createToolPinsApi(options: ToolPinsApiOptions): AdminHandler {
  const { pins } = options;
  return (request, response) => {
    const path = new URL(request.url ?? '/', 'http://admin.invalid').pathname;
    if (!path.startsWith('/admin/tools/')) return false;
    void withAdmin(options, request, response, async (caller) => {
      // A tenant admin reviews the pins of its tenant's own backends only (docs/tenants.md); shared backends are the platform's.
      const scope = adminTenantScope(caller, options.tenants);
      const ownerOf = (backend: string) => options.tenants?.ownerOf(backend);
      const parts = path.slice('/admin/tools/'.length).split('/').map(decodeURIComponent);
      if (parts.length === 1 && (parts[0] === 'pins' || parts[0] === 'quarantined')) {
        if (request.method !== 'GET') return writeJson(response, 405, { error: 'GET only' }, { allow: 'GET' });
        if (parts[0] === 'quarantined') return writeJson(response, 200, { tools: withinAdminScope(scope, pins.quarantined(), (status) => ownerOf(status.backend)).map(statusView) });
        return writeJson(response, 200, {
          pins: withinAdminScope(scope, pins.store.list(), (pin) => ownerOf(pin.backend)).map((pin) => ({ backend: pin.backend, tool: pin.tool, hash: pin.hash, pinned_at: new Date(pin.pinnedAt).toISOString(), pinned_by: pin.pinnedBy, state: pins.status(pin.backend, pin.tool).state })),
        });
      }
      const [backend, tool, action] = parts;
      if (backend === undefined || tool === undefined || parts.length > 3 || (action !== undefined && action !== 'accept')) {
        return writeJson(response, 404, { error: 'expected /admin/tools/pins, /admin/tools/quarantined, /admin/tools/{backend}/{tool} or /admin/tools/{backend}/{tool}/accept' });
      }
      if (!isInAdminScope(scope, ownerOf(backend))) {
        return writeJson(response, 403, { error: `you administer tenant "${tenantFilterOf(scope)}", and backend "${backend}" is not its own; only a platform admin reviews it`, code: 'tenant_out_of_scope' });
      }
      if (action === undefined) {
        if (request.method !== 'GET') return writeJson(response, 405, { error: 'GET shows a tool\'s pin status' }, { allow: 'GET' });
        return writeJson(response, 200, statusView(pins.status(backend, tool)));
      }
      if (request.method !== 'POST') return writeJson(response, 405, { error: 'POST accepts the current definition' }, { allow: 'POST' });
      const who = describeCaller(caller);
      const startedAt = Date.now();
      const previousHash = pins.status(backend, tool).pinnedHash ?? null;
      // One admin_action per attempt (tool_pin.accept), with the hashes before and after, before the answer leaves.
      try {
        const pin = pins.accept(backend, tool, who.on_behalf_of === undefined ? `agent:${who.agent}` : `user:${who.on_behalf_of} via agent:${who.agent}`);
        const change = { type: 'admin_action', caller, startedAt, server: backend, name: 'tool_pin.accept', arguments: { tool, previous_hash: previousHash, hash: pin.hash }, status: 'success' } as const;
        if (await recordAdmin(options, request, response, change, true)) writeJson(response, 200, { backend: pin.backend, tool: pin.tool, hash: pin.hash, pinned_by: pin.pinnedBy, state: 'pinned' });
      } catch (error) {
        if (!isPinError(error)) throw error;
        const change = { type: 'admin_action', caller, startedAt, server: backend, name: 'tool_pin.accept', arguments: { tool }, status: 'error', error: { code: error.code, message: error.message } } as const;
        if (await recordAdmin(options, request, response, change, false)) writeJson(response, error.httpStatus, { error: error.message, code: error.code });
      }
    });
    return true;
  };
}

function statusView(status: ReturnType<ToolPins['status']>): Record<string, unknown> {
  return { backend: status.backend, tool: status.tool, state: status.state, pinned_hash: status.pinnedHash ?? null, current_hash: status.currentHash ?? null, changes: status.changes };
}
