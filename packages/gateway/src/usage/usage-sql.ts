// The usage aggregate in SQL, for SQLite and PostgreSQL: the tool calls of a
// time range grouped by caller, backend and tool (and session), with their
// count, failures and the cost policy's charges summed in the database, so
// a month of millions of records comes back as a few thousand rows. Pure;
// usage-report.ts runs it. call-cost.ts states the same charge rule in code.

import { tenantSql, utcDay, type SqlDialect, type SqlStatement } from '../audit/query.ts';
import type { UsageRange } from './usage-period.ts';

export interface UsageSqlOptions {
  /** SQLite: audit_entries; PostgreSQL: the schema-qualified audit_records. */
  entries: string;
  perSession: boolean;
  /** Only this tenant's calls (a tenant admin's report, docs/tenants.md); absent: every tenant's. */
  tenant?: string | undefined;
}

/**
 * A record's charge in dollars (null when no cost policy charged it): per
 * policy the sum of its `output_cost_usd` and its `cost_usd` where
 * `spent_usd` says it was counted, over `allow` verdicts; the largest policy.
 */
function chargeSql(dialect: SqlDialect): string {
  if (dialect === 'sqlite') {
    const number = (field: string) => `json_type(d.value, '$.${field}') IN ('integer', 'real')`;
    return `(SELECT max(charged) FROM (SELECT sum(CASE WHEN ${number('output_cost_usd')} THEN json_extract(d.value, '$.output_cost_usd')
        WHEN ${number('cost_usd')} AND ${number('spent_usd')} THEN json_extract(d.value, '$.cost_usd') END) AS charged
      FROM json_each(e.record, '$.context.policy_decisions') d WHERE json_extract(d.value, '$.decision') = 'allow'
      GROUP BY json_extract(d.value, '$.policy')))`;
  }
  const number = (field: string) => `jsonb_typeof(d -> '${field}') = 'number'`;
  return `(SELECT max(charged) FROM (SELECT sum(CASE WHEN ${number('output_cost_usd')} THEN (d ->> 'output_cost_usd')::numeric
        WHEN ${number('cost_usd')} AND ${number('spent_usd')} THEN (d ->> 'cost_usd')::numeric END) AS charged
      FROM jsonb_array_elements(e.record::jsonb -> 'context' -> 'policy_decisions') d WHERE d ->> 'decision' = 'allow'
      GROUP BY d ->> 'policy') AS p)`;
}

/**
 * Only records that mention a cost are parsed. PostgreSQL's jsonb refuses a
 * `\u0000` or a lone surrogate escape, which a client's arguments may hold
 * (the record keeps them, RFC 8785 escapes them): such a record is not parsed
 * in SQL, its call counts as unpriced and is priced from the config.
 */
function parseGuard(dialect: SqlDialect): string {
  // strpos first: most records hold no \u escape at all, and the regex is the slower test.
  return dialect === 'sqlite' ? `instr(e.record, 'cost_usd') > 0` : `strpos(e.record, 'cost_usd') > 0 AND (strpos(e.record, '\\u') = 0 OR e.record !~ '\\\\u(0000|[dD][89a-fA-F])')`;
}

/** Rows: agent, identity, tenant, server, name, [session_id,] calls, failed, unpriced, charged_micro. */
export function buildUsageSql(dialect: SqlDialect, range: UsageRange, options: UsageSqlOptions): SqlStatement {
  const values: unknown[] = [];
  const param = (value: unknown): string => {
    values.push(value);
    return dialect === 'postgres' ? `$${values.length}` : `?${values.length}`;
  };
  const time = (date: Date): unknown => (dialect === 'postgres' ? date.toISOString() : date.getTime());
  const conditions = [`e.ts >= ${param(time(range.since))}`, `e.ts < ${param(time(range.until))}`, `e.op_type = 'tool_invocation'`, `e.status <> 'attempted'`];
  // A record's storage day is never before its timestamp's day (query.ts): prunes older partitions.
  if (dialect === 'postgres') conditions.push(`e.day >= ${param(utcDay(range.since))}::date`);
  if (options.tenant !== undefined) conditions.push(`${tenantSql(dialect)} = ${param(options.tenant)}`);
  const session = options.perSession ? ', session_id' : '';
  const micro = dialect === 'sqlite' ? 'CAST(round(charged * 1000000) AS INTEGER)' : 'round(charged * 1000000)::bigint';
  const count = dialect === 'sqlite' ? 'count(*)' : 'count(*)::bigint';
  const text = `SELECT agent, identity, tenant, server, name${session}, ${count} AS calls,
    sum(CASE WHEN status <> 'success' THEN 1 ELSE 0 END) AS failed,
    sum(CASE WHEN charged IS NULL THEN 1 ELSE 0 END) AS unpriced,
    coalesce(sum(${micro}), 0) AS charged_micro
  FROM (SELECT e.agent, e.identity, ${tenantSql(dialect)} AS tenant, e.server, e.name, e.session_id, e.status,
      CASE WHEN ${parseGuard(dialect)} THEN ${chargeSql(dialect)} END AS charged
    FROM ${options.entries} e WHERE ${conditions.join(' AND ')}) AS calls
  GROUP BY agent, identity, tenant, server, name${session}`;
  return { text, values };
}
