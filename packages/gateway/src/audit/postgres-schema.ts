// The audit tables in PostgreSQL: records in a table partitioned by day
// (`audit_YYYY_MM_DD`), each day split by category (`..._security`,
// `..._routine`) so that retention drops whole partitions per category, with
// the indexes the compliance queries use. DDL and names only.

import { AuditError } from './errors.ts';
import type { AuditCategory } from './record.ts';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function quoteSchema(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new AuditError('audit_store_invalid', `"${schema}" is not a usable PostgreSQL schema name for audit: use lower-case letters, digits and _ (e.g. audit)`);
  }
  return `"${schema}"`;
}

/** `audit_2026_05_19`: the documented one-index-per-day naming (`audit-mcp-2026-05-19`), in SQL identifier form. */
export function dayPartitionName(day: string): string {
  return `audit_${day.replaceAll('-', '_')}`;
}

export function categoryPartitionName(day: string, category: AuditCategory): string {
  return `${dayPartitionName(day)}_${category}`;
}

/** The day of a day partition's name, or undefined for any other table. */
export function dayOfPartition(name: string): string | undefined {
  const match = /^audit_(\d{4})_(\d{2})_(\d{2})$/.exec(name);
  return match === null ? undefined : `${match[1]}-${match[2]}-${match[3]}`;
}

function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

export const SCHEMA_VERSION = '1';

/**
 * Indexes on the partitioned parent are created on every partition. Each
 * serves one compliance question: targets (GIN) for "who accessed C-42",
 * (agent, ts) for "denials for this agent today", (identity, ts) and
 * (session_id, ts) for a person or a session, ts for plain time ranges.
 */
export function schemaStatements(schema: string): string[] {
  const s = quoteSchema(schema);
  return [
    `CREATE SCHEMA IF NOT EXISTS ${s}`,
    `CREATE TABLE IF NOT EXISTS ${s}.audit_meta (key text PRIMARY KEY, value text NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS ${s}.audit_logs (
      log_id text PRIMARY KEY, gateway_id text NOT NULL, category text NOT NULL,
      size bigint NOT NULL, last_hash bytea NOT NULL, frontier bytea NOT NULL, last_day date,
      anchor_size bigint NOT NULL, anchor_hash bytea NOT NULL, anchor_frontier bytea NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now())`,
    `CREATE TABLE IF NOT EXISTS ${s}.audit_records (
      day date NOT NULL, category text NOT NULL, log_id text NOT NULL, seq bigint NOT NULL,
      prev_hash bytea NOT NULL, hash bytea NOT NULL, audit_id text NOT NULL, ts timestamptz NOT NULL,
      op_type text NOT NULL, identity text, agent text, session_id text, server text, name text,
      status text NOT NULL, decision text, targets text[] NOT NULL, record text NOT NULL,
      PRIMARY KEY (log_id, seq, day, category)
    ) PARTITION BY RANGE (day)`,
    `CREATE INDEX IF NOT EXISTS audit_records_ts ON ${s}.audit_records (ts)`,
    `CREATE INDEX IF NOT EXISTS audit_records_identity ON ${s}.audit_records (identity, ts)`,
    `CREATE INDEX IF NOT EXISTS audit_records_agent ON ${s}.audit_records (agent, ts)`,
    `CREATE INDEX IF NOT EXISTS audit_records_session ON ${s}.audit_records (session_id, ts)`,
    `CREATE INDEX IF NOT EXISTS audit_records_targets ON ${s}.audit_records USING gin (targets)`,
    `CREATE TABLE IF NOT EXISTS ${s}.audit_checkpoints (
      log_id text NOT NULL, tree_size bigint NOT NULL, root_hash bytea NOT NULL, timestamp_ms bigint NOT NULL,
      key_id text NOT NULL, signature bytea NOT NULL, PRIMARY KEY (log_id, tree_size))`,
    `CREATE TABLE IF NOT EXISTS ${s}.audit_keys (key_id text PRIMARY KEY, public_key text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`,
    `CREATE TABLE IF NOT EXISTS ${s}.audit_export_offsets (
      exporter text NOT NULL, log_id text NOT NULL, next_seq bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (exporter, log_id))`,
    `INSERT INTO ${s}.audit_meta (key, value) VALUES ('schema_version', '${SCHEMA_VERSION}') ON CONFLICT (key) DO NOTHING`,
  ];
}

/** A day's partition and its two category partitions; IF NOT EXISTS, run under an advisory lock so replicas do not race. */
export function dayPartitionStatements(schema: string, day: string): string[] {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new AuditError('audit_store_invalid', `"${day}" is not a day (YYYY-MM-DD)`);
  const s = quoteSchema(schema);
  const dayTable = `${s}.${dayPartitionName(day)}`;
  return [
    `CREATE TABLE IF NOT EXISTS ${dayTable} PARTITION OF ${s}.audit_records FOR VALUES FROM ('${day}') TO ('${nextDay(day)}') PARTITION BY LIST (category)`,
    `CREATE TABLE IF NOT EXISTS ${s}.${categoryPartitionName(day, 'security')} PARTITION OF ${dayTable} FOR VALUES IN ('security')`,
    `CREATE TABLE IF NOT EXISTS ${s}.${categoryPartitionName(day, 'routine')} PARTITION OF ${dayTable} FOR VALUES IN ('routine')`,
  ];
}
