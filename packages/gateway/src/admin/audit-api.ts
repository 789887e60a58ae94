// Audit queries on the admin listener: the filters of `gatehouse audit
// query` as query parameters, newest first, paginated by an opaque cursor,
// records in the seed's shape. Admin scope required (admin-guard.ts; the
// API fails closed when authentication is off). A sibling of
// approvals-api.ts, mounted beside it.

import { writeJson } from '../transport/http-io.ts';
import type { AdminHandler } from './approvals-api.ts';
import { withAdmin, type AdminAuthentication } from './admin-guard.ts';
import { isAuditError } from '../audit/errors.ts';
import { auditQueryFromFilters, DEFAULT_QUERY_LIMIT, MAX_QUERY_LIMIT, QUERY_FILTER_NAMES, type QueryFilters } from '../audit/query.ts';
import { inSeedOrder } from '../audit/query-format.ts';
import type { AuditStore } from '../audit/sink.ts';
import { adminTenantScope, tenantFilterOf } from './tenant-scope.ts';

export const AUDIT_RECORDS_PATH = '/admin/audit/records';

export interface AuditApiOptions extends AdminAuthentication {
  store: AuditStore;
  /** The catalog's name separator, for `tool=crm__get_*`. */
  nameSeparator?: string;
  now?: () => Date;
}

/**
 * GET /admin/audit/records?target=C-42&period=last-quarter&limit=100&cursor=...
 *   200 {"records": [...], "next_cursor": "..." | null}
 *   400 {"error", "code": "audit_query_invalid"} for a filter that does not parse
 */
export function createAuditApi(options: AuditApiOptions): AdminHandler {
  const now = options.now ?? (() => new Date());
  return (request, response) => {
    const url = new URL(request.url ?? '/', 'http://admin.invalid');
    if (url.pathname !== AUDIT_RECORDS_PATH && url.pathname !== `${AUDIT_RECORDS_PATH}/`) return false;
    void withAdmin(options, request, response, async (caller) => {
      if (request.method !== 'GET') return writeJson(response, 405, { error: 'GET queries audit records' }, { allow: 'GET' });
      const unknown = [...url.searchParams.keys()].filter((key) => !(QUERY_FILTER_NAMES as readonly string[]).includes(key) && key !== 'limit' && key !== 'cursor');
      if (unknown.length > 0) {
        return writeJson(response, 400, { error: `unknown query parameter ${unknown.map((key) => `"${key}"`).join(', ')}; filters: ${QUERY_FILTER_NAMES.join(', ')}, and limit, cursor`, code: 'audit_query_invalid' });
      }
      const limitText = url.searchParams.get('limit');
      const limit = limitText === null ? DEFAULT_QUERY_LIMIT : Number(limitText);
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) {
        return writeJson(response, 400, { error: `limit must be a whole number from 1 to ${MAX_QUERY_LIMIT}`, code: 'audit_query_invalid' });
      }
      const filters: QueryFilters = {};
      for (const name of QUERY_FILTER_NAMES) {
        const value = url.searchParams.get(name);
        if (value !== null && value !== '') filters[name] = value;
      }
      // A tenant admin reads its tenant's records only (docs/tenants.md); asking for another's is refused, not silently narrowed.
      const scopedTenant = tenantFilterOf(adminTenantScope(caller, options.tenants));
      if (scopedTenant !== undefined && filters.tenant !== undefined && filters.tenant !== scopedTenant) {
        return writeJson(response, 403, { error: `you administer tenant "${scopedTenant}" and cannot read tenant "${filters.tenant}"'s records; only a platform admin reads every tenant`, code: 'tenant_out_of_scope' });
      }
      if (scopedTenant !== undefined) filters.tenant = scopedTenant;
      try {
        const query = auditQueryFromFilters(filters, now(), options.nameSeparator);
        const cursor = url.searchParams.get('cursor') ?? undefined;
        const page = await options.store.query(query, { limit, cursor: cursor === '' ? undefined : cursor });
        return writeJson(response, 200, { records: page.items.map((item) => inSeedOrder(item.record)), next_cursor: page.nextCursor ?? null });
      } catch (error) {
        if (isAuditError(error) && error.code === 'audit_query_invalid') return writeJson(response, 400, { error: error.message, code: error.code });
        throw error;
      }
    });
    return true;
  };
}
