// Usage figures from the audit store's grouped rows: calls, failures and
// cost per team, agent, user, backend, tool or tenant, and per session for
// the `cost_per_user_session` question (docs/usage.md). Pure: usage-report.ts reads the rows,
// this folds them; the stores group by the raw columns and this maps teams.

import { DEFAULT_TENANT, type TeamDirectory } from './teams.ts';
import { MICRO_USD } from './call-cost.ts';

export const USAGE_DIMENSIONS = ['team', 'agent', 'user', 'backend', 'tool', 'tenant'] as const;
export type UsageDimension = (typeof USAGE_DIMENSIONS)[number];

/** One group of tool calls as the store returns it: same caller, backend, tool (and session when asked). */
export interface UsageRow {
  agent: string | null;
  identity: string | null;
  /** The record's `caller.tenant`; null on a gateway without tenants (reported as the default tenant). */
  tenant?: string | null;
  server: string | null;
  tool: string | null;
  /** Only when grouped per session. */
  sessionId?: string | null;
  calls: number;
  /** Calls whose answer was not a success (error, timeout, cancelled). */
  failed: number;
  /** Calls no cost policy charged on the record: priced from the config's `tool_costs` instead. */
  unpriced: number;
  /** What the cost policy charged the other calls, in micro-dollars. */
  chargedMicro: number;
}

export interface UsageLine {
  key: string;
  calls: number;
  failed: number;
  costUsd: number;
  /** With `perSession`: distinct sessions among the calls, and the cost of the calls made in one, per session. */
  sessions?: number;
  costPerSessionUsd?: number | null;
}

interface UsageTotals {
  calls: number;
  failed: number;
  costUsd: number;
  /** Calls priced from the config because their record carries no charge. */
  pricedFromConfig: number;
}

export interface UsageAggregate {
  lines: UsageLine[];
  totals: UsageTotals;
}

export interface AggregateOptions {
  by: UsageDimension;
  teams: TeamDirectory;
  /** The configured price of one call, in micro-dollars (cost-ceiling.ts compileToolCosts). */
  priceOf: (backend: string, tool: string) => number;
  perSession?: boolean;
  /** Joins backend and tool in the `tool` key; `/` as in `tool_costs` patterns. */
  toolSeparator?: string;
}

const NONE = '(none)';

function keyOf(row: UsageRow, by: UsageDimension, teams: TeamDirectory, toolSeparator = '/'): string {
  switch (by) {
    case 'team':
      return teams.teamOf(row.agent, row.identity);
    case 'agent':
      return row.agent ?? NONE;
    case 'user':
      // A call without a user is its agent's: `agent:<client>`, as the record names it.
      return row.identity ?? NONE;
    case 'backend':
      return row.server ?? NONE;
    case 'tool':
      return `${row.server ?? NONE}${toolSeparator}${row.tool ?? NONE}`;
    case 'tenant':
      return row.tenant ?? DEFAULT_TENANT;
  }
}

/** The row's cost in micro-dollars: what was charged, plus the configured price of the calls nothing charged. */
function costMicroOf(row: UsageRow, priceOf: (backend: string, tool: string) => number): number {
  const configured = row.unpriced === 0 || row.server === null || row.tool === null ? 0 : row.unpriced * priceOf(row.server, row.tool);
  return row.chargedMicro + configured;
}

interface Accumulator {
  calls: number;
  failed: number;
  costMicro: number;
  sessions: Set<string>;
  sessionCostMicro: number;
}

/** Lines most expensive first, then most calls, then by key; totals over all rows. */
export function aggregateUsage(rows: Iterable<UsageRow>, options: AggregateOptions): UsageAggregate {
  const groups = new Map<string, Accumulator>();
  const totals = { calls: 0, failed: 0, costMicro: 0, pricedFromConfig: 0 };
  for (const row of rows) {
    const key = keyOf(row, options.by, options.teams, options.toolSeparator);
    let group = groups.get(key);
    if (group === undefined) {
      group = { calls: 0, failed: 0, costMicro: 0, sessions: new Set(), sessionCostMicro: 0 };
      groups.set(key, group);
    }
    const cost = costMicroOf(row, options.priceOf);
    group.calls += row.calls;
    group.failed += row.failed;
    group.costMicro += cost;
    if (row.sessionId !== undefined && row.sessionId !== null) {
      group.sessions.add(row.sessionId);
      group.sessionCostMicro += cost;
    }
    totals.calls += row.calls;
    totals.failed += row.failed;
    totals.costMicro += cost;
    if (row.server !== null && row.tool !== null) totals.pricedFromConfig += row.unpriced;
  }
  const lines: UsageLine[] = [];
  for (const [key, group] of groups) {
    const line: UsageLine = { key, calls: group.calls, failed: group.failed, costUsd: group.costMicro / MICRO_USD };
    if (options.perSession === true) {
      line.sessions = group.sessions.size;
      line.costPerSessionUsd = group.sessions.size === 0 ? null : Math.round(group.sessionCostMicro / group.sessions.size) / MICRO_USD;
    }
    lines.push(line);
  }
  lines.sort((a, b) => b.costUsd - a.costUsd || b.calls - a.calls || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { lines, totals: { calls: totals.calls, failed: totals.failed, costUsd: totals.costMicro / MICRO_USD, pricedFromConfig: totals.pricedFromConfig } };
}

/** Rows of several time chunks (days) merged by their grouping key, so per-session counts span chunk edges. */
export function mergeRows(into: Map<string, UsageRow>, rows: Iterable<UsageRow>): void {
  for (const row of rows) {
    const key = JSON.stringify([row.agent, row.identity, row.tenant ?? null, row.server, row.tool, row.sessionId ?? null]);
    const existing = into.get(key);
    if (existing === undefined) into.set(key, { ...row });
    else {
      existing.calls += row.calls;
      existing.failed += row.failed;
      existing.unpriced += row.unpriced;
      existing.chargedMicro += row.chargedMicro;
    }
  }
}
