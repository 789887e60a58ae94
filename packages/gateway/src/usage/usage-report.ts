// The usage report over the audit store: the shell around the pure parts. It
// runs the SQL aggregate (usage-sql.ts) one UTC day at a time, merges the
// grouped rows, prices the calls no cost policy charged from the config's
// `tool_costs`, and folds the rows by the asked dimension (aggregate.ts).
// Shared by `gatehouse usage` and `GET /admin/usage`.

import type { GatewayConfig } from '../config/schema.ts';
import type { PostgresAuditStore } from '../audit/postgres-store.ts';
import { SqliteAuditStore } from '../audit/sqlite-store.ts';
import type { AuditStore } from '../audit/sink.ts';
import { compileToolCosts, costCeilingSettings } from '../policy/cost-ceiling.ts';
import { aggregateUsage, mergeRows, type UsageAggregate, type UsageDimension, type UsageRow } from './aggregate.ts';
import { createTeamDirectory } from './teams.ts';
import { daysOf, type UsageRange } from './usage-period.ts';
import { buildUsageSql } from './usage-sql.ts';
import { UsageError } from './usage-error.ts';

export interface UsageRequest {
  by: UsageDimension;
  range: UsageRange;
  perSession?: boolean;
  /** Only this tenant's calls (a tenant admin's report); absent: every tenant's. */
  tenant?: string | undefined;
}

export interface UsageReport extends UsageAggregate {
  by: UsageDimension;
  since: Date;
  until: Date;
  perSession: boolean;
}

/** Told after each day is read: for progress on stderr. */
export type UsageProgress = (daysDone: number, daysTotal: number, callsSoFar: number) => void;

const COST_POLICY_TYPES = new Set(['cost_per_session', 'cost_ceiling']);

/** Days read at once from PostgreSQL: half the store's pool of 4, so the gateway's audit writes keep theirs. */
const PARALLEL_DAYS = 2;

/**
 * The configured price of a call (micro-dollars): the cost policies' `tool_costs`
 * and `default_cost_usd`; with several, the highest, as the charge rule takes
 * the largest charge (call-cost.ts). 0 without a cost policy.
 */
export function configuredPrices(config: Pick<GatewayConfig, 'policies'>): (backend: string, tool: string) => number {
  const prices: ((backend: string, tool: string) => number)[] = [];
  for (const policy of config.policies) {
    if (!COST_POLICY_TYPES.has(policy.type)) continue;
    const settings = costCeilingSettings.safeParse(policy.settings);
    if (settings.success) prices.push(compileToolCosts(settings.data));
  }
  return (backend, tool) => prices.reduce((highest, price) => Math.max(highest, price(backend, tool)), 0);
}

export async function readUsageRows(store: AuditStore, range: UsageRange, perSession: boolean, tenant?: string): Promise<UsageRow[]> {
  if (store instanceof SqliteAuditStore) {
    const sql = buildUsageSql('sqlite', range, { entries: 'audit_entries', perSession, tenant });
    return store.execute(sql.text, ...(sql.values as (string | number)[])).map(usageRowOf);
  }
  // By kind, not instanceof: the PostgreSQL store's module (and pg) stays unloaded unless the config names it.
  if (store.kind === 'postgres') {
    const sql = buildUsageSql('postgres', range, { entries: '{schema}.audit_records', perSession, tenant });
    return (await (store as PostgresAuditStore).execute(sql.text, sql.values)).map(usageRowOf);
  }
  throw new UsageError('usage_query_invalid', `usage reports read a SQLite or PostgreSQL audit store; this one is ${store.kind}`);
}

export async function buildUsageReport(store: AuditStore, config: Pick<GatewayConfig, 'policies' | 'usage'>, request: UsageRequest, onProgress?: UsageProgress): Promise<UsageReport> {
  const perSession = request.perSession === true;
  const merged = new Map<string, UsageRow>();
  const days = daysOf(request.range);
  let calls = 0;
  let done = 0;
  let next = 0;
  // PostgreSQL reads several days at once, each on its own pooled connection (the server's cores); SQLite's reads are synchronous anyway.
  const readers = store.kind === 'postgres' ? Math.min(PARALLEL_DAYS, days.length) : 1;
  await Promise.all(Array.from({ length: readers }, async () => {
    while (next < days.length) {
      const rows = await readUsageRows(store, days[next++]!, perSession, request.tenant);
      for (const row of rows) calls += row.calls;
      mergeRows(merged, rows);
      onProgress?.(++done, days.length, calls);
      // SQLite reads synchronously on this thread: between days, the gateway's own I/O (when the admin API asked) gets its turn.
      if (readers === 1) await new Promise((resolve) => setImmediate(resolve));
    }
  }));
  const aggregate = aggregateUsage(merged.values(), { by: request.by, teams: createTeamDirectory(config.usage), priceOf: configuredPrices(config), perSession });
  return { ...aggregate, by: request.by, since: request.range.since, until: request.range.until, perSession };
}

function usageRowOf(row: Record<string, unknown>): UsageRow {
  const text = (value: unknown) => (value === null || value === undefined ? null : String(value));
  return {
    agent: text(row.agent),
    identity: text(row.identity),
    tenant: text(row.tenant),
    server: text(row.server),
    tool: text(row.name),
    ...('session_id' in row ? { sessionId: text(row.session_id) } : {}),
    calls: Number(row.calls),
    failed: Number(row.failed),
    unpriced: Number(row.unpriced),
    chargedMicro: Number(row.charged_micro),
  };
}
