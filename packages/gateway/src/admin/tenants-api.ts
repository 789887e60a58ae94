// GET /admin/tenants on the admin listener: the gateway's tenants as their
// admins look at them (docs/tenants.md): each tenant's own and shared
// backends with their state, its admins, a summary of its own policies, its
// live MCP sessions, and this month's calls and cost from the usage store. A
// platform admin sees every tenant, a tenant admin its own (tenant-scope.ts).
// Permission tenants.read (admin-permissions.ts). The figures are gathered by
// the thin shell below; tenantViews, which shapes them, is pure.

import { writeJson } from '../transport/http-io.ts';
import type { AdminHandler } from './approval-queue-api.ts';
import { withAdmin, type AdminAuthentication } from './admin-guard.ts';
import { adminTenantScope, describeAdminScope, withinAdminScope } from './tenant-scope.ts';
import type { AuditStore } from '../audit/sink.ts';
import type { GatewayConfig } from '../config/schema.ts';
import type { PolicyConfig } from '../config/policy-schema.ts';
import type { TenantConfig, TenantsConfig } from '../config/tenants-schema.ts';
import type { Backend } from '../upstream/backend.ts';
import { MAX_SESSION_PAGE, type SessionStore } from '../session/store.ts';
import { parseUsagePeriod, type UsageRange } from '../usage/usage-period.ts';
import { buildUsageReport } from '../usage/usage-report.ts';

const TENANTS_PATH = '/admin/tenants';

/** Sessions counted at most, so a huge shared store cannot make one request read it all: past it the counts say so (`sessions_complete: false`). */
const MAX_SESSIONS_COUNTED = 20 * MAX_SESSION_PAGE;

export interface TenantsApiOptions extends AdminAuthentication {
  /**
   * The tenants as the gateway enforces them: ownership, grants and admins
   * are read at start (a reload does not change them), so this is the
   * config the gateway started with.
   */
  tenantsAtStart: TenantsConfig | undefined;
  /** The live config (a reload swaps it): the tenants' policies and the usage prices. */
  config: () => Pick<GatewayConfig, 'policies' | 'usage'>;
  backends: () => readonly Backend[];
  sessions?: SessionStore | undefined;
  /** The audit store the usage figures are read from; absent (audit off): no usage figures. */
  store?: AuditStore | undefined;
  now?: () => Date;
}

interface TenantUsage {
  calls: number;
  failed: number;
  cost_usd: number;
}

interface TenantFigures {
  /** Live sessions per tenant (a session records the tenant it was created for). */
  sessions: ReadonlyMap<string, number> | undefined;
  sessionsComplete: boolean;
  /** This month's usage per tenant; undefined without an audit store. */
  usage: ReadonlyMap<string, TenantUsage> | undefined;
  period: UsageRange;
}

/** One tenant as the API shows it. Pure. */
function tenantView(tenant: TenantConfig, policies: readonly PolicyConfig[], backends: readonly Backend[], figures: TenantFigures): Record<string, unknown> {
  const stateOf = (name: string) => backends.find((backend) => backend.name === name)?.state ?? null;
  return {
    name: tenant.name,
    description: tenant.description ?? null,
    backends: [
      ...tenant.backends.map((name) => ({ name, ownership: 'own', state: stateOf(name) })),
      ...tenant.shared.map((name) => ({ name, ownership: 'shared', state: stateOf(name) })),
    ],
    admins: [...tenant.admins],
    // The tenant's own policies as the live chain has them (named "{tenant}/{name}"), after the global ones.
    policies: policies.filter((policy) => policy.tenant === tenant.name).map((policy) => ({ name: policy.name, type: policy.type })),
    sessions: figures.sessions === undefined ? null : (figures.sessions.get(tenant.name) ?? 0),
    usage: figures.usage === undefined ? null : (figures.usage.get(tenant.name) ?? { calls: 0, failed: 0, cost_usd: 0 }),
  };
}

/**
 * GET /admin/tenants
 *   200 {"tenants_enabled", "tenant", "is_platform_admin", "claim", "unassigned", "period": {since, until}, "sessions_complete", "tenants": [...]}
 */
export function createTenantsApi(options: TenantsApiOptions): AdminHandler {
  const now = options.now ?? (() => new Date());
  return (request, response) => {
    const url = new URL(request.url ?? '/', 'http://admin.invalid');
    if (url.pathname !== TENANTS_PATH && url.pathname !== `${TENANTS_PATH}/`) return false;
    void withAdmin(options, request, response, async (caller) => {
      if (request.method !== 'GET') return writeJson(response, 405, { error: 'GET lists the tenants' }, { allow: 'GET' });
      const unknown = [...url.searchParams.keys()];
      if (unknown.length > 0) return writeJson(response, 400, { error: `unknown query parameter ${unknown.map((key) => `"${key}"`).join(', ')}; GET /admin/tenants takes none`, code: 'invalid_request' });
      const scope = adminTenantScope(caller, options.tenants);
      const configured = options.tenantsAtStart;
      const tenants = configured === undefined ? [] : withinAdminScope(scope, configured.tenants, (tenant) => tenant.name);
      const period = parseUsagePeriod('this-month', now());
      const figures: TenantFigures = { ...(await sessionCounts(options.sessions, now().getTime())), usage: await usageOf(options, period, scope.isPlatform ? undefined : scope.tenant), period };
      const config = options.config();
      const backends = options.backends();
      writeJson(response, 200, {
        tenants_enabled: configured !== undefined,
        ...describeAdminScope(scope),
        claim: configured?.claim ?? null,
        // Which tenant a token naming none lands in is the platform's setting: a tenant admin is not told.
        unassigned: scope.isPlatform ? (configured?.unassigned ?? null) : null,
        period: { name: 'this-month', since: period.since.toISOString(), until: period.until.toISOString() },
        sessions_complete: figures.sessionsComplete,
        tenants: tenants.map((tenant) => tenantView(tenant, config.policies, backends, figures)),
      }, { 'cache-control': 'no-store' });
    });
    return true;
  };
}

/** Live sessions per tenant, from the session store a page at a time, up to MAX_SESSIONS_COUNTED. */
async function sessionCounts(store: SessionStore | undefined, now: number): Promise<Pick<TenantFigures, 'sessions' | 'sessionsComplete'>> {
  if (store === undefined) return { sessions: undefined, sessionsComplete: false };
  const counts = new Map<string, number>();
  let cursor: string | undefined;
  let counted = 0;
  do {
    const page = await store.list({ limit: MAX_SESSION_PAGE, cursor }, now);
    for (const session of page.sessions) if (session.tenant !== undefined) counts.set(session.tenant, (counts.get(session.tenant) ?? 0) + 1);
    counted += page.sessions.length;
    cursor = page.nextCursor;
  } while (cursor !== undefined && counted < MAX_SESSIONS_COUNTED);
  return { sessions: counts, sessionsComplete: cursor === undefined };
}

/** This month's calls and cost per tenant (a tenant admin's: its own tenant's only), or undefined without an audit store. */
async function usageOf(options: TenantsApiOptions, range: UsageRange, tenant: string | undefined): Promise<Map<string, TenantUsage> | undefined> {
  if (options.store === undefined) return undefined;
  const report = await buildUsageReport(options.store, options.config(), { by: 'tenant', range, tenant });
  return new Map(report.lines.map((line) => [line.key, { calls: line.calls, failed: line.failed, cost_usd: line.costUsd }]));
}
