// Audit queries: the filters auditors use (time range, identity, agent,
// session, server, tool glob, target value, type, status, policy decision),
// keyset pagination newest first, and their SQL for SQLite and PostgreSQL.
// Pure; the stores run the SQL. Formats are in query-format.ts.

import { AuditError } from './errors.ts';
import { AUDIT_CATEGORIES, isSecurityOperationType, OPERATION_TYPES, type AuditCategory, type AuditRecord, type OperationType } from './record.ts';

export interface AuditQuery {
  /** Inclusive. */
  since?: Date | undefined;
  /** Exclusive. */
  until?: Date | undefined;
  identity?: string | undefined;
  agent?: string | undefined;
  sessionId?: string | undefined;
  server?: string | undefined;
  /** A glob (`*`, `?`) over the tool/prompt name or resource URI, alone or as `{server}{separator}{name}`. */
  tool?: string | undefined;
  /** An argument value (or resource URI segment) such as a customer id. */
  target?: string | undefined;
  types?: readonly OperationType[] | undefined;
  status?: string | undefined;
  /** The strongest policy decision on the record: `deny` finds every denial. */
  decision?: string | undefined;
  category?: AuditCategory | undefined;
  /** The tenant the records ran for (`caller.tenant`, docs/tenants.md); a tenant admin's queries always carry theirs. */
  tenant?: string | undefined;
  /** The catalog's name separator, for `--tool crm__get_*`; `__` unless configured otherwise. */
  nameSeparator?: string | undefined;
}

export interface QueryItem {
  logId: string;
  seq: number;
  record: AuditRecord;
}

export interface QueryPage {
  items: QueryItem[];
  /** Pass back as `cursor` for the next (older) page; undefined on the last page. */
  nextCursor: string | undefined;
}

export const DEFAULT_QUERY_LIMIT = 100;
export const MAX_QUERY_LIMIT = 10_000;

// --- cursor: the sort key of the last row shown (ts, log_id, seq), opaque to the caller

interface CursorKey {
  timestampMs: number;
  logId: string;
  seq: number;
}

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify([key.timestampMs, key.logId, key.seq]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): CursorKey {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 3 && Number.isFinite(parsed[0]) && typeof parsed[1] === 'string' && Number.isSafeInteger(parsed[2])) {
      return { timestampMs: parsed[0] as number, logId: parsed[1], seq: parsed[2] as number };
    }
  } catch {
    // reported below
  }
  throw new AuditError('audit_query_invalid', `the cursor "${cursor}" is not one this command printed; copy it from the last page's "next page" line`);
}

// --- SQL

export type SqlDialect = 'sqlite' | 'postgres';

export interface SqlStatement {
  text: string;
  values: unknown[];
}

export interface QueryTables {
  /** SQLite: audit_entries; PostgreSQL: the schema-qualified partitioned audit_records. */
  entries: string;
  /** SQLite only: the targets side table. */
  targets?: string;
}

const DAY_MS = 86_400_000;

/** A SELECT of (log_id, seq, ts, record) newest first, one row more than `limit` to know whether a next page exists. */
export function buildQuerySql(dialect: SqlDialect, query: AuditQuery, tables: QueryTables, limit: number, cursor: string | undefined): SqlStatement {
  const values: unknown[] = [];
  const param = (value: unknown): string => {
    values.push(value);
    // Numbered in both dialects, so a value can be used twice (SQLite's ?NNN binds like PostgreSQL's $n).
    return dialect === 'postgres' ? `$${values.length}` : `?${values.length}`;
  };
  const time = (date: Date): unknown => (dialect === 'postgres' ? date.toISOString() : date.getTime());
  const isTargetJoin = dialect === 'sqlite' && query.target !== undefined;
  // With a target, SQLite walks the targets index (value, ts) and joins entries by key.
  const sortTable = isTargetJoin ? 't' : 'e';
  const conditions: string[] = [];

  if (isTargetJoin) conditions.push(`t.value = ${param(query.target)}`);
  if (dialect === 'postgres' && query.target !== undefined) conditions.push(`e.targets @> ARRAY[${param(query.target)}]::text[]`);
  if (query.since !== undefined) {
    conditions.push(`${sortTable}.ts >= ${param(time(query.since))}`);
    // A record's storage day is never before its timestamp's day (a log's days only move forward, see
    // log-appender.ts), so this prunes partitions safely; it can be later, so `until` prunes nothing.
    if (dialect === 'postgres') conditions.push(`e.day >= ${param(utcDay(query.since))}::date`);
  }
  if (query.until !== undefined) conditions.push(`${sortTable}.ts < ${param(time(query.until))}`);
  if (query.identity !== undefined) conditions.push(`e.identity = ${param(query.identity)}`);
  if (query.agent !== undefined) conditions.push(`e.agent = ${param(query.agent)}`);
  if (query.sessionId !== undefined) conditions.push(`e.session_id = ${param(query.sessionId)}`);
  if (query.server !== undefined) conditions.push(`e.server = ${param(query.server)}`);
  if (query.status !== undefined) conditions.push(`e.status = ${param(query.status)}`);
  if (query.decision !== undefined) conditions.push(`e.decision = ${param(query.decision)}`);
  if (query.tenant !== undefined) conditions.push(`${tenantSql(dialect)} = ${param(query.tenant)}`);
  if (query.category !== undefined) conditions.push(`e.category = ${param(query.category)}`);
  else if (query.types !== undefined && query.types.length > 0 && query.types.every(isSecurityOperationType)) {
    // Records of these types are always security events (record.ts categoryOf): PostgreSQL then skips every
    // routine partition, ~95% of the data (administrative actions on ACCT-7 over 10M records: 1.2 s -> 0.06 s).
    conditions.push(`e.category = ${param('security')}`);
  }
  if (query.types !== undefined && query.types.length > 0) {
    conditions.push(`e.op_type IN (${query.types.map((type) => param(type)).join(', ')})`);
  }
  if (query.tool !== undefined) {
    const separator = query.nameSeparator ?? '__';
    if (dialect === 'sqlite') {
      const pattern = param(globToSqliteGlob(query.tool));
      conditions.push(`(e.name GLOB ${pattern} OR (e.server || ${param(separator)} || e.name) GLOB ${pattern})`);
    } else {
      const pattern = param(globToLike(query.tool));
      conditions.push(`(e.name LIKE ${pattern} OR (e.server || ${param(separator)} || e.name) LIKE ${pattern})`);
    }
  }
  if (cursor !== undefined) {
    const key = decodeCursor(cursor);
    const isPostgres = dialect === 'postgres';
    const ts = isPostgres ? `${param(new Date(key.timestampMs).toISOString())}::timestamptz` : param(key.timestampMs);
    const seq = isPostgres ? `${param(key.seq)}::bigint` : param(key.seq);
    conditions.push(`(${sortTable}.ts, ${sortTable}.log_id, ${sortTable}.seq) < (${ts}, ${param(key.logId)}, ${seq})`);
  }
  const from = isTargetJoin
    ? `${tables.targets} t JOIN ${tables.entries} e ON e.log_id = t.log_id AND e.seq = t.seq`
    : `${tables.entries} e`;
  const tsColumn = dialect === 'postgres' ? `(extract(epoch from e.ts) * 1000)::float8 AS ts_ms` : 'e.ts AS ts_ms';
  const where = conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
  const order = ` ORDER BY ${sortTable}.ts DESC, ${sortTable}.log_id DESC, ${sortTable}.seq DESC`;
  return { text: `SELECT e.log_id, e.seq, ${tsColumn}, e.record FROM ${from}${where}${order} LIMIT ${param(limit + 1)}`, values };
}

/**
 * A record's `caller.tenant`, read from the record itself: no column, so
 * stores written before tenants need no migration and verify's index
 * columns stay as they were. PostgreSQL's jsonb refuses a `\u0000` or lone
 * surrogate escape (which a client's arguments may hold): such a record
 * reads as no tenant, so a tenant filter leaves it out (a platform admin,
 * who filters by no tenant, still sees it).
 */
export function tenantSql(dialect: SqlDialect): string {
  if (dialect === 'sqlite') return `json_extract(e.record, '$.caller.tenant')`;
  return `(CASE WHEN strpos(e.record, '"tenant":') > 0 AND (strpos(e.record, '\\u') = 0 OR e.record !~ '\\\\u(0000|[dD][89a-fA-F])') THEN e.record::jsonb -> 'caller' ->> 'tenant' END)`;
}

/** Turns the rows of buildQuerySql (limit + 1 of them at most) into a page. */
export function pageFromRows(rows: readonly { log_id: string; seq: number | string | bigint; ts_ms: number | string; record: string }[], limit: number): QueryPage {
  const items: QueryItem[] = [];
  for (const row of rows.slice(0, limit)) items.push({ logId: row.log_id, seq: Number(row.seq), record: JSON.parse(row.record) as AuditRecord });
  const last = rows.length > limit ? rows[limit - 1] : undefined;
  return { items, nextCursor: last === undefined ? undefined : encodeCursor({ timestampMs: Number(last.ts_ms), logId: last.log_id, seq: Number(last.seq) }) };
}

/** `*` and `?` as in a shell; SQLite's GLOB has `[...]` too, so a literal `[` is escaped as `[[]`. */
function globToSqliteGlob(glob: string): string {
  return glob.replaceAll('[', '[[]');
}

/** `*` → `%`, `?` → `_`, and LIKE's own `%`, `_`, `\` escaped (PostgreSQL's default escape is `\`). */
export function globToLike(glob: string): string {
  let pattern = '';
  for (const character of glob) {
    if (character === '*') pattern += '%';
    else if (character === '?') pattern += '_';
    else if (character === '%' || character === '_' || character === '\\') pattern += `\\${character}`;
    else pattern += character;
  }
  return pattern;
}

export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

// --- time words for the CLI: --since, --until, --period (all in UTC)

export const PERIODS = ['today', 'yesterday', 'this-week', 'last-week', 'this-month', 'last-month', 'this-quarter', 'last-quarter', 'this-year', 'last-year'] as const;
export type Period = (typeof PERIODS)[number];

/** [since, until) of a named calendar period in UTC; weeks start on Monday (ISO 8601). */
export function periodRange(period: Period, now: Date): { since: Date; until: Date } {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  const startOfToday = Date.UTC(year, month, now.getUTCDate());
  const quarterMonth = month - (month % 3);
  const mondayOffset = (now.getUTCDay() + 6) % 7;
  const range = (since: number, until: number) => ({ since: new Date(since), until: new Date(until) });
  switch (period) {
    case 'today':
      return range(startOfToday, startOfToday + DAY_MS);
    case 'yesterday':
      return range(startOfToday - DAY_MS, startOfToday);
    case 'this-week':
      return range(startOfToday - mondayOffset * DAY_MS, startOfToday + (7 - mondayOffset) * DAY_MS);
    case 'last-week':
      return range(startOfToday - (mondayOffset + 7) * DAY_MS, startOfToday - mondayOffset * DAY_MS);
    case 'this-month':
      return range(Date.UTC(year, month, 1), Date.UTC(year, month + 1, 1));
    case 'last-month':
      return range(Date.UTC(year, month - 1, 1), Date.UTC(year, month, 1));
    case 'this-quarter':
      return range(Date.UTC(year, quarterMonth, 1), Date.UTC(year, quarterMonth + 3, 1));
    case 'last-quarter':
      return range(Date.UTC(year, quarterMonth - 3, 1), Date.UTC(year, quarterMonth, 1));
    case 'this-year':
      return range(Date.UTC(year, 0, 1), Date.UTC(year + 1, 0, 1));
    case 'last-year':
      return range(Date.UTC(year - 1, 0, 1), Date.UTC(year, 0, 1));
  }
}

const RELATIVE = /^(\d+)(m|h|d|w)$/;
const UNIT_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: DAY_MS, w: 7 * DAY_MS };

/** An ISO 8601 date or date-time, `now`, `today`, `yesterday`, or an age such as `15m`, `24h`, `90d`, `2w`. */
export function parseTimeBound(text: string, now: Date): Date {
  const value = text.trim();
  if (value === 'now') return now;
  if (value === 'today' || value === 'yesterday') return periodRange(value, now).since;
  const relative = RELATIVE.exec(value);
  if (relative !== null) return new Date(now.getTime() - Number(relative[1]) * UNIT_MS[relative[2]!]!);
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) {
    // A date alone, or a time without a zone, is read as UTC.
    const iso = value.length === 10 ? `${value}T00:00:00Z` : /Z|[+-]\d{2}:?\d{2}$/.test(value) ? value : `${value}Z`;
    const parsed = new Date(iso.replace(' ', 'T'));
    if (!Number.isNaN(parsed.getTime())) return parsed;
  }
  throw new AuditError('audit_query_invalid', `"${text}" is not a time: use an ISO date (2026-05-19), a date-time (2026-05-19T14:00:00Z), now, today, yesterday, or an age such as 24h or 90d`);
}

function parseOperationTypes(text: string): OperationType[] {
  const types = text.split(',').map((type) => type.trim()).filter((type) => type !== '');
  for (const type of types) {
    if (!(OPERATION_TYPES as readonly string[]).includes(type)) {
      throw new AuditError('audit_query_invalid', `"${type}" is not an operation type; use one of ${OPERATION_TYPES.join(', ')}`);
    }
  }
  return types as OperationType[];
}

// --- filters as words: the CLI's options and the admin API's query parameters

/** The filters as an auditor types them (`gatehouse audit query --period last-quarter`, `?period=last-quarter`). */
export interface QueryFilters {
  since?: string | undefined;
  until?: string | undefined;
  period?: string | undefined;
  identity?: string | undefined;
  agent?: string | undefined;
  session?: string | undefined;
  server?: string | undefined;
  tool?: string | undefined;
  target?: string | undefined;
  /** Comma-separated operation types. */
  type?: string | undefined;
  status?: string | undefined;
  decision?: string | undefined;
  category?: string | undefined;
  tenant?: string | undefined;
}

export const QUERY_FILTER_NAMES = ['since', 'until', 'period', 'identity', 'agent', 'session', 'server', 'tool', 'target', 'type', 'status', 'decision', 'category', 'tenant'] as const;

/** The AuditQuery of typed filters; an AuditError (audit_query_invalid) names a filter that does not parse. */
export function auditQueryFromFilters(filters: QueryFilters, now: Date, nameSeparator: string | undefined): AuditQuery {
  if (filters.period !== undefined && !(PERIODS as readonly string[]).includes(filters.period)) {
    throw new AuditError('audit_query_invalid', `"${filters.period}" is not a period; use one of ${PERIODS.join(', ')}`);
  }
  if (filters.category !== undefined && !(AUDIT_CATEGORIES as readonly string[]).includes(filters.category)) {
    throw new AuditError('audit_query_invalid', `"${filters.category}" is not a category; use one of ${AUDIT_CATEGORIES.join(', ')}`);
  }
  const period = filters.period === undefined ? undefined : periodRange(filters.period as Period, now);
  return {
    since: filters.since === undefined ? period?.since : parseTimeBound(filters.since, now),
    until: filters.until === undefined ? period?.until : parseTimeBound(filters.until, now),
    identity: filters.identity,
    agent: filters.agent,
    sessionId: filters.session,
    server: filters.server,
    tool: filters.tool,
    target: filters.target,
    types: filters.type === undefined ? undefined : parseOperationTypes(filters.type),
    status: filters.status,
    decision: filters.decision,
    category: filters.category as AuditCategory | undefined,
    tenant: filters.tenant,
    nameSeparator,
  };
}
