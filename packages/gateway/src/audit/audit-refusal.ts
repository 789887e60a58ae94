// What a client gets when audit refuses its operation: HTTP 503 with a
// Retry-After (the transport writes the header from data.retryAfterSeconds),
// a reason, and a truthful account of whether anything was done.

import { GatewayRpcError, RPC } from '../protocol/errors.ts';
import { isAuditError } from './errors.ts';
import { AUDIT_RETRY_AFTER_SECONDS } from './trail.ts';

/**
 * `done` says what the backend did before the refusal: `nothing` (the call
 * was not forwarded, or a session change was not made), or `read` (a call
 * that changes no data ran, and its answer is withheld).
 */
export function auditRefusal(cause: Error, done: 'nothing' | 'read', what = 'this request'): GatewayRpcError {
  const account = done === 'nothing'
    ? 'it was not carried out: nothing was done, and retrying is safe'
    : 'it changes no data; its answer is withheld, and retrying is safe';
  if (isAuditError(cause) && !cause.isTransient) {
    // The store refused this record for what it holds: the same request would be refused again.
    return new GatewayRpcError(
      RPC.internalError,
      `Audit refused: the audit store cannot keep the record of ${what}, and audit is fail-closed, so ${account.replace(', and retrying is safe', '')}; the same request will be refused again, so report it to the gateway operator (${cause.message})`,
      { httpStatus: 500, data: { reason: 'audit_record_refused', isActionTaken: false }, cause },
    );
  }
  return new GatewayRpcError(
    RPC.internalError,
    `Audit unavailable: the gateway could not keep the audit record of ${what}, and audit is fail-closed, so ${account}. Retry in ${AUDIT_RETRY_AFTER_SECONDS} seconds (${cause.message})`,
    { httpStatus: 503, data: { reason: 'audit_unavailable', retryAfterSeconds: AUDIT_RETRY_AFTER_SECONDS, isActionTaken: false }, cause },
  );
}
