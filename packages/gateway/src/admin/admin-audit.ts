// Audit records of the admin API: each change an operator makes (a tool pin
// accepted, an approval decided) and each refused admin request, recorded
// with who before the answer is written. The routes and the guard call it
// with the AuditTrail the gateway passes in AdminAuthentication.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Caller } from '../identity/caller.ts';
import { writeJson } from '../transport/http-io.ts';
import { isAuditError } from '../audit/errors.ts';
import { adminActionFacts, authFailureFacts } from '../audit/gateway-events.ts';
import type { AdminAuthentication } from './admin-guard.ts';
import { requiredPermission, roleScopesOf, scopeUsedFor } from './admin-permissions.ts';

export interface AdminChange {
  type: 'admin_action' | 'approval_decision';
  caller: Caller;
  startedAt: number;
  server?: string | undefined;
  name: string;
  arguments: Record<string, unknown>;
  status: 'success' | 'error' | 'denied';
  error?: { code: string; message: string } | undefined;
}

/**
 * Records an admin change (or a refused attempt at one) before its answer is
 * written. True when the caller may be answered; false when fail-closed
 * audit could not keep the record, in which case a 503 has been written
 * saying so (the change itself, when `isDone`, has happened).
 */
export async function recordAdmin(options: AdminAuthentication, request: IncomingMessage, response: ServerResponse, change: AdminChange, isDone: boolean): Promise<boolean> {
  const audit = options.audit;
  if (audit === undefined) return true;
  try {
    const permission = requiredPermission(request.method ?? 'GET', new URL(request.url ?? '/', 'http://admin.invalid').pathname);
    const scopeUsed = scopeUsedFor(change.caller, permission, roleScopesOf(options));
    await audit.record(adminActionFacts({ ...change, gatewayId: audit.gatewayId, request, scopeUsed }));
    return true;
  } catch (error) {
    if (!isAuditError(error)) throw error;
    const done = isDone ? 'the change was made, but ' : '';
    writeJson(response, 503, { error: `${done}its audit record could not be kept (${error.message}); ask the gateway operator to check the audit store`, code: error.code });
    return false;
  }
}

/** A refused admin request as an auth_failure (the refusal is answered either way). */
export async function recordAdminRefusal(options: AdminAuthentication, request: IncomingMessage, caller: Caller | undefined, code: string, message: string): Promise<void> {
  const audit = options.audit;
  if (audit === undefined) return;
  await audit.record(authFailureFacts({ error: { code, message }, request, gatewayId: audit.gatewayId, caller })).catch(() => undefined);
}
