// Audit records as CSV (RFC 4180): one row per record, the columns an auditor
// filters on in a spreadsheet; a cell that a spreadsheet would run as a
// formula (=, +, -, @) is prefixed with a quote (OWASP CSV injection).

import type { AuditRecord } from './audit-record.ts';

const COLUMNS: Array<[string, (record: AuditRecord) => unknown]> = [
  ['audit_id', (record) => record.audit_id],
  ['timestamp', (record) => record.timestamp],
  ['type', (record) => record.operation.type],
  ['identity', (record) => record.caller.identity],
  ['agent', (record) => record.caller.agent],
  ['session_id', (record) => record.caller.session_id],
  ['server', (record) => record.operation.server],
  ['name', (record) => record.operation.name],
  ['status', (record) => record.result.status],
  ['duration_ms', (record) => record.result.duration_ms],
  ['decisions', (record) => record.context.policy_decisions.map((decision) => `${decision.policy}:${decision.decision}`).join(' ')],
  ['error', (record) => (record.result.error === null ? '' : `${record.result.error.code}: ${record.result.error.message}`)],
  ['arguments', (record) => (record.operation.arguments === null ? '' : JSON.stringify(record.operation.arguments))],
];

export function recordsToCsv(records: readonly AuditRecord[]): string {
  const rows = [COLUMNS.map(([name]) => name), ...records.map((record) => COLUMNS.map(([, read]) => read(record)))];
  return rows.map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';
}

function cell(value: unknown): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
