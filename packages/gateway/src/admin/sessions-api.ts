// The gateway's 2025-era MCP sessions on the admin listener: list them, a
// page at a time, from the session store (memory or Redis, so with Redis
// every replica's sessions), and end one. Ending deletes it from the store
// (its next message anywhere is answered 404, and the client re-initializes)
// and releases what each replica holds for it through the replica bus, the
// path a client's own DELETE takes. Each end is an audited admin change.

import { writeJson } from '../transport/http-io.ts';
import type { AdminHandler } from './approval-queue-api.ts';
import { withAdmin, type AdminAuthentication } from './admin-guard.ts';
import { adminTenantScope, isInAdminScope, withinAdminScope } from './tenant-scope.ts';
import type { Caller } from '../identity/caller.ts';
import { recordAdmin } from './admin-audit.ts';
import type { SessionStore } from '../session/store.ts';
import { MAX_SESSION_PAGE } from '../session/store.ts';
import type { LegacySession } from '../session/session.ts';
import { isSessionStoreUnavailable } from '../session/session-errors.ts';

const SESSIONS_PATH = '/admin/sessions';

const DEFAULT_LIMIT = 100;

export interface SessionsApiOptions extends AdminAuthentication {
  store: SessionStore;
  /** Releases the session's streams, subscriptions and events on this replica and, through the replica bus, on every other. */
  endEverywhere: (sessionId: string) => void;
  now?: () => number;
}

/**
 * GET    /admin/sessions?limit=&cursor=   200 {"sessions": [...], "next_cursor"}
 * DELETE /admin/sessions/{id}             200 {"id", "ended": true} | 404 not_found
 */
export function createSessionsApi(options: SessionsApiOptions): AdminHandler {
  const now = options.now ?? Date.now;
  return (request, response) => {
    const url = new URL(request.url ?? '/', 'http://admin.invalid');
    const path = url.pathname;
    if (path !== SESSIONS_PATH && path !== `${SESSIONS_PATH}/` && !path.startsWith(`${SESSIONS_PATH}/`)) return false;
    void withAdmin(options, request, response, async (caller) => {
      try {
        await serve(caller);
      } catch (error) {
        if (!isSessionStoreUnavailable(error)) throw error;
        writeJson(response, 503, { error: `${error instanceof Error ? error.message : String(error)}; try again once /readyz reports the session store available`, code: 'session_store_unavailable' });
      }
    });
    async function serve(caller: Caller): Promise<void> {
      const scope = adminTenantScope(caller, options.tenants);
      const rest = path.slice(SESSIONS_PATH.length).replace(/^\/|\/$/g, '');
      if (rest === '') {
        if (request.method !== 'GET') return writeJson(response, 405, { error: 'GET lists sessions' }, { allow: 'GET' });
        const unknown = [...url.searchParams.keys()].filter((key) => key !== 'limit' && key !== 'cursor');
        if (unknown.length > 0) return writeJson(response, 400, { error: `unknown query parameter ${unknown.map((key) => `"${key}"`).join(', ')}; use limit, cursor`, code: 'invalid_request' });
        const limitText = url.searchParams.get('limit');
        const limit = limitText === null ? DEFAULT_LIMIT : Number(limitText);
        if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SESSION_PAGE) return writeJson(response, 400, { error: `limit must be a whole number from 1 to ${MAX_SESSION_PAGE}`, code: 'invalid_request' });
        const cursor = url.searchParams.get('cursor') || undefined;
        const page = await options.store.list({ limit, cursor }, now());
        // A tenant admin sees its tenant's sessions only; a page may then hold fewer than `limit`, and next_cursor still goes on.
        const sessions = withinAdminScope(scope, page.sessions, (session) => session.tenant);
        return writeJson(response, 200, { store: options.store.kind, sessions: sessions.map(sessionView), next_cursor: page.nextCursor ?? null }, { 'cache-control': 'no-store' });
      }
      if (rest.includes('/')) return writeJson(response, 404, { error: 'expected /admin/sessions or /admin/sessions/{id}' });
      if (request.method !== 'DELETE') return writeJson(response, 405, { error: 'DELETE /admin/sessions/{id} ends a session' }, { allow: 'DELETE' });
      const id = decodeURIComponent(rest);
      const startedAt = Date.now();
      if (!scope.isPlatform) {
        // Another tenant's session is "not found" to a tenant admin, as if absent (docs/tenants.md).
        const session = await options.store.load(id, now());
        if (session === undefined || !isInAdminScope(scope, session.tenant)) return writeJson(response, 404, { error: `no session "${id}" in tenant "${scope.tenant}"; GET /admin/sessions lists them`, code: 'not_found' });
      }
      const existed = await options.store.delete(id);
      // Released everywhere even when the store no longer had it: a replica may still hold a stream for it.
      options.endEverywhere(id);
      const change = { type: 'admin_action', caller, startedAt, name: 'session.end', arguments: { session_id: id } } as const;
      if (!existed) {
        const recorded = await recordAdmin(options, request, response, { ...change, status: 'error', error: { code: 'not_found', message: 'no such session' } }, false);
        if (recorded) writeJson(response, 404, { error: `no session "${id}" (it ended, expired, or never existed); GET /admin/sessions lists them`, code: 'not_found' });
        return;
      }
      const recorded = await recordAdmin(options, request, response, { ...change, status: 'success' }, true);
      if (recorded) writeJson(response, 200, { id, ended: true });
    }
    return true;
  };
}

function sessionView(session: LegacySession): Record<string, unknown> {
  const info = session.clientInfo;
  return {
    id: session.id,
    subject: session.subject ?? null,
    client_id: session.agent ?? null,
    tenant: session.tenant ?? null,
    client_info: info === undefined ? null : { name: typeof info.name === 'string' ? info.name : null, version: typeof info.version === 'string' ? info.version : null },
    protocol_version: session.protocolVersion,
    endpoint: session.endpointBackend ?? null,
    initialized: session.isInitialized,
    created_at: new Date(session.createdAt).toISOString(),
    last_seen_at: new Date(session.lastSeenAt).toISOString(),
  };
}
