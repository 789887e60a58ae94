// The columns a store keeps beside each record so that compliance queries use
// indexes: who, through which agent, what, when, outcome, and the "targets"
// (argument values such as a customer id). Verify recomputes them from the
// record, so editing a column to hide a record from a query is detected too.

import { categoryOf, type AuditCategory, type AuditRecord } from './record.ts';

export interface IndexColumns {
  auditId: string;
  timestampMs: number;
  category: AuditCategory;
  operationType: string;
  identity: string | null;
  agent: string | null;
  sessionId: string | null;
  server: string | null;
  name: string | null;
  status: string;
  /** The strongest policy verdict on the record: deny, then rewrite, then allow; null with none. */
  decision: string | null;
  /** Distinct argument values (and resource URI segments), sorted. */
  targets: string[];
}

export function indexColumns(record: AuditRecord): IndexColumns {
  return {
    auditId: storable(record.audit_id),
    timestampMs: timestampMsOf(record.timestamp),
    category: categoryOf(record),
    operationType: storable(record.operation.type),
    identity: nullableStorable(record.caller.identity),
    agent: nullableStorable(record.caller.agent),
    sessionId: nullableStorable(record.caller.session_id),
    server: nullableStorable(record.operation.server),
    name: nullableStorable(record.operation.name),
    status: storable(record.result.status),
    decision: strongestDecision(record),
    targets: targetsOf(record),
  };
}

/** Date.parse, remembered for the last timestamp: records built together mostly share one (buildAuditRecord gives them the very same string). */
function timestampMsOf(timestamp: string): number {
  if (typeof timestamp !== 'string') return Date.parse(timestamp);
  if (timestamp !== lastParsed.timestamp) lastParsed = { timestamp, ms: Date.parse(timestamp) };
  return lastParsed.ms;
}

let lastParsed = { timestamp: '', ms: Number.NaN };

/**
 * A column value both stores keep byte for byte: PostgreSQL text refuses NUL
 * and UTF-8 has no lone surrogates, so a caller-supplied name holding either
 * would fail the whole batch or read back different. The record itself keeps
 * the original (JSON escapes both); verify recomputes this same projection.
 */
function storable(value: string): string {
  const text = String(value);
  return text.isWellFormed() && !text.includes('\u0000') ? text : text.toWellFormed().replaceAll('\u0000', '');
}

function nullableStorable(value: string | null): string | null {
  return value === null ? null : storable(value);
}

// A flag (input screening's suspected injection) outranks a redaction: `--decision flag` finds every flagged call.
const DECISION_RANK: Readonly<Record<string, number>> = { allow: 1, rewrite: 2, flag: 3, deny: 4 };

function strongestDecision(record: AuditRecord): string | null {
  let strongest: string | null = record.result.status === 'denied' ? 'deny' : null;
  for (const entry of record.context.policy_decisions) {
    if (DECISION_RANK[entry.decision] === undefined) continue;
    if ((DECISION_RANK[entry.decision] ?? 0) > (strongest === null ? 0 : (DECISION_RANK[strongest] ?? 0))) strongest = entry.decision;
  }
  return strongest;
}

/** Bounds that keep one record's index rows small whatever its arguments hold. */
export const MAX_TARGETS = 32;
const MAX_TARGET_LENGTH = 200;
const MAX_TARGET_DEPTH = 4;
/** The unit separator joins targets into one column value (PostgreSQL) and may not appear inside one. */
export const TARGET_SEPARATOR = '\u001f';

/**
 * Scalar argument values, at any depth up to 4: "who accessed customer C-42"
 * does not know whether the tool named it customer_id, id or filter.id. A
 * resource read adds its URI's path segments (crm://customers/C-42).
 */
function targetsOf(record: AuditRecord): string[] {
  const found = new Set<string>();
  collect(record.operation.arguments, 0, found);
  if (record.operation.type === 'resource_read' && record.operation.name !== null) {
    for (const segment of uriSegments(record.operation.name)) add(segment, found);
  }
  return [...found].sort();
}

function collect(value: unknown, depth: number, found: Set<string>): void {
  if (found.size >= MAX_TARGETS || value === null || value === undefined) return;
  if (typeof value === 'string') return add(value, found);
  if (typeof value === 'number' || typeof value === 'bigint') return add(String(value), found);
  if (typeof value !== 'object' || depth >= MAX_TARGET_DEPTH) return;
  const items = Array.isArray(value) ? value : Object.values(value as Record<string, unknown>);
  for (const item of items) collect(item, depth + 1, found);
}

function add(value: string, found: Set<string>): void {
  const target = storable(value).replaceAll(TARGET_SEPARATOR, '').trim();
  if (target.length === 0 || target.length > MAX_TARGET_LENGTH || found.size >= MAX_TARGETS) return;
  found.add(target);
}

function uriSegments(uri: string): string[] {
  const schemeEnd = uri.indexOf('://');
  const rest = schemeEnd === -1 ? uri : uri.slice(schemeEnd + 3);
  const segments: string[] = [];
  for (const segment of rest.split(/[/?#]/)) {
    if (segment === '') continue;
    try {
      segments.push(decodeURIComponent(segment));
    } catch {
      segments.push(segment);
    }
  }
  return segments;
}
