// An audit record as GET /admin/audit/records answers it (the documented record shape, docs/audit.md,
// audit_v1; AuditRecord in admin/openapi.yaml), plus any chain fields a newer
// API adds beside them.

export interface AuditRecord {
  audit_id: string;
  timestamp: string;
  caller: { identity: string | null; agent: string | null; session_id: string | null; trace_id: string | null; client_ip: string | null; user_agent: string | null };
  operation: { type: string; server: string | null; name: string | null; arguments: Record<string, unknown> | null; scope_used: string | null };
  result: { status: string; duration_ms: number; output_size_bytes: number; redactions: string[]; error: { code: string | number; message: string } | null };
  context: { gateway_id: string; policy_decisions: Array<{ policy: string; decision: string }> };
  [chainField: string]: unknown;
}

/** The operation types the gateway records (its audit/record.ts OPERATION_TYPES; test/audit-types.test.ts keeps them equal). */
export const OPERATION_TYPES = ['tool_invocation', 'resource_read', 'prompt_get', 'completion', 'list', 'discovery', 'session_start', 'session_end', 'auth_failure', 'policy_denial', 'approval_decision', 'admin_action', 'server_request', 'task_operation', 'other'] as const;
