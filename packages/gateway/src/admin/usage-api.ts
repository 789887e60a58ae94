// Usage on the admin listener: `gatehouse usage` as JSON, for dashboards and
// the console. Admin scope required (admin-guard.ts; fails closed when
// authentication is off). A sibling of audit-api.ts, reading the same store.

import { writeJson } from '../transport/http-io.ts';
import type { AdminHandler } from './approval-queue-api.ts';
import { withAdmin, type AdminAuthentication } from './admin-guard.ts';
import type { AuditStore } from '../audit/sink.ts';
import type { GatewayConfig } from '../config/schema.ts';
import { USAGE_DIMENSIONS, type UsageDimension } from '../usage/aggregate.ts';
import { isUsageError, UsageError } from '../usage/usage-error.ts';
import { usageJson } from '../usage/usage-format.ts';
import { parseUsagePeriod } from '../usage/usage-period.ts';
import { buildUsageReport } from '../usage/usage-report.ts';
import { adminTenantScope, tenantFilterOf } from './tenant-scope.ts';

const USAGE_PATH = '/admin/usage';

const PARAMETERS = ['by', 'period', 'per'];

export interface UsageApiOptions extends AdminAuthentication {
  store: AuditStore;
  /** Read per request, so a reloaded config's teams and prices apply at once. */
  config: () => Pick<GatewayConfig, 'policies' | 'usage'>;
  now?: () => Date;
}

/**
 * GET /admin/usage?by=team&period=last-month[&per=session]
 *   200 {"by", "since", "until", "rows": [{key, calls, failed, cost_usd[, sessions, cost_per_session_usd]}], "total"}
 *   400 {"error", "code": "usage_query_invalid"}
 */
export function createUsageApi(options: UsageApiOptions): AdminHandler {
  const now = options.now ?? (() => new Date());
  return (request, response) => {
    const url = new URL(request.url ?? '/', 'http://admin.invalid');
    if (url.pathname !== USAGE_PATH && url.pathname !== `${USAGE_PATH}/`) return false;
    void withAdmin(options, request, response, async (caller) => {
      if (request.method !== 'GET') return writeJson(response, 405, { error: 'GET reads usage' }, { allow: 'GET' });
      try {
        const unknown = [...url.searchParams.keys()].filter((key) => !PARAMETERS.includes(key));
        if (unknown.length > 0) throw new UsageError('usage_query_invalid', `unknown query parameter ${unknown.map((key) => `"${key}"`).join(', ')}; use ${PARAMETERS.join(', ')}`);
        const by = url.searchParams.get('by') ?? 'team';
        if (!(USAGE_DIMENSIONS as readonly string[]).includes(by)) throw new UsageError('usage_query_invalid', `"${by}" is not a usage dimension; use one of ${USAGE_DIMENSIONS.join(', ')}`);
        const per = url.searchParams.get('per');
        if (per !== null && per !== 'session') throw new UsageError('usage_query_invalid', `per=${per} is not supported; use per=session`);
        const range = parseUsagePeriod(url.searchParams.get('period') ?? 'this-month', now());
        // A tenant admin's report counts its tenant's calls only (docs/tenants.md).
        const tenant = tenantFilterOf(adminTenantScope(caller, options.tenants));
        const report = await buildUsageReport(options.store, options.config(), { by: by as UsageDimension, range, perSession: per === 'session', tenant });
        return writeJson(response, 200, usageJson(report));
      } catch (error) {
        if (isUsageError(error)) return writeJson(response, 400, { error: error.message, code: error.code });
        throw error;
      }
    });
    return true;
  };
}
