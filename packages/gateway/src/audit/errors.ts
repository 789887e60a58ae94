// Errors of the audit subsystem: a stable string `code`, a message that says
// what to do next, and whether retrying can help. Checked by brand or code,
// never by instanceof (two loaded copies of this module must agree).

export type AuditErrorCode =
  /** The store could not keep a record; in fail-closed mode the call fails with this. */
  | 'audit_unavailable'
  /** More records wait for the store than `max_pending_records` allows. */
  | 'audit_backlog_full'
  /** Another process appended to this replica's log: two replicas share a gateway id. */
  | 'audit_log_conflict'
  /** The sink was closed before the record reached it. */
  | 'audit_closed'
  /** The store's tables are missing or from another version. */
  | 'audit_store_invalid'
  /** A signing key file exists but cannot be read as an Ed25519 key. */
  | 'audit_key_invalid'
  /** An export destination refused or failed a batch. */
  | 'audit_export_failed'
  /** A query filter or cursor cannot be used. */
  | 'audit_query_invalid'
  /** Retention found records whose hashes do not match the signed checkpoints. */
  | 'audit_retention_refused';

const BRAND = Symbol.for('gatehouse.AuditError');

export class AuditError extends Error {
  readonly [BRAND] = true;
  readonly code: AuditErrorCode;
  /** True when the same operation may succeed later (a store that is down, a full backlog). */
  readonly isTransient: boolean;
  constructor(code: AuditErrorCode, message: string, options: { cause?: unknown; isTransient?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.name = 'AuditError';
    this.code = code;
    this.isTransient = options.isTransient ?? false;
  }
}

export function isAuditError(value: unknown): value is AuditError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** A short, single-line description of any thrown value, for wrapping causes into messages. */
export function describeCause(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n', 1)[0] ?? error.name;
  return String(error);
}

/** A database URL fit for messages and logs: the password masked (the audit and registry stores name where they write). */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the configured PostgreSQL URL';
  }
}
