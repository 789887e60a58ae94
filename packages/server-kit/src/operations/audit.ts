// Audit records in the gateway's own shape: the record and its builder are
// @gatehouse/audit-record, the one definition the gateway writes too
// (packages/gateway/src/audit/record.ts re-exports it), so one query covers a
// call as the gateway saw it and as the server saw it; the trace id joins
// the two. The sink is a seam: memory for tests, the structured log by
// default, or the team's own pipeline.

import { buildAuditRecord as buildSharedAuditRecord, type AuditPolicyDecision, type AuditRecord, type OperationType, type ResultStatus } from '@gatehouse/audit-record';
import type { Logger } from 'pino';

export { AUDIT_RECORD_VERSION, type AuditPolicyDecision, type AuditRecord } from '@gatehouse/audit-record';

/** The operations a kit server records: a subset of the gateway's. */
export type AuditOperationType = Extract<OperationType, 'tool_invocation' | 'resource_read' | 'prompt_get' | 'auth_failure'>;
export type AuditStatus = Extract<ResultStatus, 'success' | 'error' | 'denied' | 'timeout' | 'cancelled'>;

/** What a kit server knows about one operation, in its own terms. */
export interface AuditFacts {
  type: AuditOperationType;
  startedAt: number;
  durationMs: number;
  /** Names this server instance; written as the record's `context.gateway_id`. */
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

/** The shared builder, fed a kit server's facts; pure apart from the generated id. */
export function buildAuditRecord(facts: AuditFacts): AuditRecord {
  return buildSharedAuditRecord({
    type: facts.type,
    startedAt: facts.startedAt,
    durationMs: facts.durationMs,
    gatewayId: facts.instanceId,
    status: facts.status,
    caller: { identity: facts.identity, agent: facts.agent, sessionId: facts.sessionId, traceId: facts.traceId, userAgent: facts.userAgent },
    server: facts.server,
    name: facts.name,
    arguments: facts.arguments,
    scopeUsed: facts.scopeUsed,
    outputSizeBytes: facts.outputSizeBytes,
    error: facts.error,
    policyDecisions: (facts.decisions ?? []).map(({ policy, decision, ...details }) => ({ policy, decision, details })),
  });
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
