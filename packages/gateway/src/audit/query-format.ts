// How `gatehouse audit query` prints records: `json` (one array of records
// in the documented shape and key order, docs/audit.md), `csv` (RFC 4180, one row per record,
// nested values as JSON) and `table` (aligned columns for a terminal).

import type { AuditRecord } from './record.ts';

export const QUERY_FORMATS = ['table', 'json', 'csv'] as const;
export type QueryFormat = (typeof QUERY_FORMATS)[number];

/** The documented order (audit_id, timestamp, version, caller, operation, result, context): stored records are in canonical (sorted) order. */
export function inDocumentedOrder(record: AuditRecord): AuditRecord {
  const { caller, operation, result, context } = record;
  const shaped: AuditRecord = {
    audit_id: record.audit_id,
    timestamp: record.timestamp,
    version: record.version,
    caller: {
      identity: caller.identity,
      agent: caller.agent,
      session_id: caller.session_id,
      ...(caller.tenant === undefined ? {} : { tenant: caller.tenant }),
      trace_id: caller.trace_id,
      client_ip: caller.client_ip,
      user_agent: caller.user_agent,
    },
    operation: { type: operation.type, server: operation.server, name: operation.name, arguments: operation.arguments, scope_used: operation.scope_used },
    result: {
      status: result.status,
      duration_ms: result.duration_ms,
      output_size_bytes: result.output_size_bytes,
      redactions: result.redactions,
      error: result.error,
      ...(result.output === undefined ? {} : { output: result.output }),
    },
    context: {
      gateway_id: context.gateway_id,
      policy_decisions: context.policy_decisions.map(({ policy, decision, ...facts }) => ({ policy, decision, ...facts })),
      ...(context.attempt_id === undefined ? {} : { attempt_id: context.attempt_id }),
    },
  };
  return shaped;
}

export function formatJson(records: readonly AuditRecord[]): string {
  return JSON.stringify(records.map(inDocumentedOrder), null, 2);
}

const CSV_COLUMNS: readonly [string, (record: AuditRecord) => unknown][] = [
  ['audit_id', (r) => r.audit_id],
  ['timestamp', (r) => r.timestamp],
  ['identity', (r) => r.caller.identity],
  ['agent', (r) => r.caller.agent],
  ['session_id', (r) => r.caller.session_id],
  ['trace_id', (r) => r.caller.trace_id],
  ['client_ip', (r) => r.caller.client_ip],
  ['user_agent', (r) => r.caller.user_agent],
  ['type', (r) => r.operation.type],
  ['server', (r) => r.operation.server],
  ['name', (r) => r.operation.name],
  ['arguments', (r) => r.operation.arguments],
  ['scope_used', (r) => r.operation.scope_used],
  ['status', (r) => r.result.status],
  ['duration_ms', (r) => r.result.duration_ms],
  ['output_size_bytes', (r) => r.result.output_size_bytes],
  ['redactions', (r) => r.result.redactions.join(' ')],
  ['error', (r) => r.result.error],
  ['gateway_id', (r) => r.context.gateway_id],
  ['policy_decisions', (r) => r.context.policy_decisions],
  ['attempt_id', (r) => r.context.attempt_id ?? null],
];

/** Header line first when `withHeader`; each later page of the same query omits it. */
export function formatCsv(records: readonly AuditRecord[], withHeader = true): string {
  const lines = withHeader ? [CSV_COLUMNS.map(([name]) => name).join(',')] : [];
  for (const record of records) lines.push(CSV_COLUMNS.map(([, value]) => csvField(value(record))).join(','));
  return lines.join('\r\n');
}

/** RFC 4180 section 2: quote a field holding a comma, quote or line break; double the quotes inside. */
function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const TABLE_COLUMNS: readonly [string, number, (record: AuditRecord) => string][] = [
  ['TIME (UTC)', 24, (r) => r.timestamp],
  ['IDENTITY', 28, (r) => r.caller.identity ?? '-'],
  ['AGENT', 24, (r) => r.caller.agent ?? '-'],
  ['TYPE', 17, (r) => r.operation.type],
  ['OPERATION', 36, (r) => [r.operation.server, r.operation.name].filter((part) => part !== null).join('/') || '-'],
  ['STATUS', 9, (r) => r.result.status],
  ['DECISIONS', 24, (r) => r.context.policy_decisions.map((entry) => `${entry.policy}:${entry.decision}`).join(' ') || '-'],
  ['ARGUMENTS', 48, (r) => (r.operation.arguments === null ? '-' : JSON.stringify(r.operation.arguments))],
];

export function formatTable(records: readonly AuditRecord[], withHeader = true): string {
  const rows = records.map((record) => TABLE_COLUMNS.map(([, max, value]) => clip(value(record).replaceAll(/\s+/g, ' '), max)));
  const header = TABLE_COLUMNS.map(([name]) => name);
  const widths = header.map((name, column) => Math.max(name.length, ...rows.map((row) => row[column]!.length)));
  const render = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
  return [...(withHeader ? [render(header)] : []), ...rows.map(render)].join('\n');
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
