// Audit records in the gateway's own shape (packages/gateway/src/audit/
// record.ts, version "audit_v1"), so that one query covers a call as the
// gateway saw it and as the server saw it; the trace id joins the two. The
// sink is a seam: memory for tests, the structured log by default, or the
// team's own pipeline.

import { randomUUID } from 'node:crypto';

import type { Logger } from 'pino';

export const AUDIT_RECORD_VERSION = 'audit_v1';

export type AuditOperationType = 'tool_invocation' | 'resource_read' | 'prompt_get' | 'auth_failure';
export type AuditStatus = 'success' | 'error' | 'denied' | 'timeout' | 'cancelled';

export interface AuditPolicyDecision {
  policy: string;
  decision: string;
  [fact: string]: unknown;
}

/** The gateway's AuditRecord, field for field. */
export interface AuditRecord {
  audit_id: string;
  timestamp: string;
  version: typeof AUDIT_RECORD_VERSION;
  caller: {
    identity: string | null;
    agent: string | null;
    session_id: string | null;
    trace_id: string | null;
    client_ip: string | null;
    user_agent: string | null;
  };
  operation: {
    type: AuditOperationType;
    server: string | null;
    name: string | null;
    arguments: Record<string, unknown> | null;
    scope_used: string | null;
  };
  result: {
    status: AuditStatus;
    duration_ms: number;
    output_size_bytes: number;
    redactions: string[];
    error: { code: string | number; message: string } | null;
  };
  context: {
    /** The gateway's field name; here it names the server instance that wrote the record. */
    gateway_id: string;
    policy_decisions: AuditPolicyDecision[];
  };
}

export interface AuditFacts {
  type: AuditOperationType;
  startedAt: number;
  durationMs: number;
  instanceId: string;
  status: AuditStatus;
  identity?: string | undefined;
  /** The service acting for the identity (the gateway, under token exchange). */
  agent?: string | undefined;
  sessionId?: string | undefined;
  traceId?: string | undefined;
  userAgent?: string | undefined;
  server: string;
  name: string;
  arguments?: Record<string, unknown> | undefined;
  scopeUsed?: string | undefined;
  outputSizeBytes?: number | undefined;
  error?: { code: string | number; message: string } | undefined;
  /** Kit decisions worth a query: scope checks, idempotent replays, dry runs. */
  decisions?: readonly AuditPolicyDecision[] | undefined;
}

/** Pure apart from the generated id; keys in sorted order like the gateway's, so canonical JSON hashes alike. */
export function buildAuditRecord(facts: AuditFacts): AuditRecord {
  return {
    audit_id: `audit_${new Date(facts.startedAt).toISOString().slice(0, 10).replaceAll('-', '_')}_${randomUUID().replaceAll('-', '')}`,
    caller: {
      agent: facts.agent ?? null,
      client_ip: null,
      identity: facts.identity ?? null,
      session_id: facts.sessionId ?? null,
      trace_id: facts.traceId ?? null,
      user_agent: facts.userAgent ?? null,
    },
    context: {
      gateway_id: facts.instanceId,
      policy_decisions: (facts.decisions ?? []).map((decision) => sortedKeys(decision) as AuditPolicyDecision),
    },
    operation: {
      arguments: facts.arguments ?? null,
      name: facts.name,
      scope_used: facts.scopeUsed ?? null,
      server: facts.server,
      type: facts.type,
    },
    result: {
      duration_ms: Math.max(0, Math.round(facts.durationMs)),
      error: facts.error ?? null,
      output_size_bytes: Math.max(0, Math.round(facts.outputSizeBytes ?? 0)),
      redactions: [],
      status: facts.status,
    },
    timestamp: new Date(facts.startedAt).toISOString(),
    version: AUDIT_RECORD_VERSION,
  };
}

function sortedKeys(value: Record<string, unknown>): Record<string, unknown> {
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) sorted[key] = value[key];
  return sorted;
}

export interface AuditSink {
  write(record: AuditRecord): void | Promise<void>;
}

/** Keeps records in memory, for tests and the in-process test client. */
export class MemoryAuditSink implements AuditSink {
  readonly records: AuditRecord[] = [];
  write(record: AuditRecord): void {
    this.records.push(record);
  }
}

/** Writes each record as one structured log line (`"audit": {...}`), for a log pipeline to ship. */
export class LogAuditSink implements AuditSink {
  readonly #logger: Logger;
  constructor(logger: Logger) {
    this.#logger = logger;
  }
  write(record: AuditRecord): void {
    this.#logger.info({ audit: record }, 'audit');
  }
}
