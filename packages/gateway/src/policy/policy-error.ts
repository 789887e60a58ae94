// Why a policy stopped a call, as a value with a stable code: the message an
// agent reads (what happened, why, what to do next, so that an agent can act
// on it without a human), whether retrying helps, and how the error travels: an
// `isError` tool result for tools/call, a JSON-RPC error for anything else.

import { GatewayRpcError, RPC } from '../protocol/errors.ts';

export type PolicyErrorCode =
  | 'insufficient_scope'
  | 'tool_denied'
  | 'invalid_arguments'
  | 'input_too_large'
  | 'input_blocked'
  | 'rate_limited'
  | 'budget_exhausted'
  | 'cost_exhausted'
  | 'approval_required'
  | 'approval_pending'
  | 'approval_denied'
  | 'tool_quarantined'
  | 'estimate_unavailable'
  | 'policy_failed';

/**
 * Three failure families an agent can act on (docs/policies.md), plus approval:
 * transient: the same call may succeed later (`retryAfterMs` says when);
 * permanent: change the call (arguments, tool) before trying again;
 * authorization: ask the user or an administrator;
 * approval: a human must decide; retry the same call after they have.
 */
export type PolicyFailureKind = 'transient' | 'permanent' | 'authorization' | 'approval';

const KIND_OF: Readonly<Record<PolicyErrorCode, PolicyFailureKind>> = {
  insufficient_scope: 'authorization',
  tool_denied: 'authorization',
  invalid_arguments: 'permanent',
  input_too_large: 'permanent',
  input_blocked: 'permanent',
  rate_limited: 'transient',
  budget_exhausted: 'permanent',
  cost_exhausted: 'permanent',
  approval_required: 'approval',
  approval_pending: 'approval',
  approval_denied: 'authorization',
  tool_quarantined: 'authorization',
  estimate_unavailable: 'transient',
  policy_failed: 'transient',
};

/** `_meta` key of a policy tool error's machine-readable facts (reverse-DNS, MCP `_meta` key rules). */
export const POLICY_ERROR_META_KEY = 'io.gatehouse/policy-error';

const BRAND = Symbol.for('gatehouse.PolicyError');

export interface PolicyErrorOptions {
  retryAfterMs?: number;
  approvalId?: string;
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class PolicyError extends Error {
  readonly [BRAND] = true;
  readonly code: PolicyErrorCode;
  readonly policy: string;
  readonly kind: PolicyFailureKind;
  readonly retryAfterMs: number | undefined;
  readonly approvalId: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(policy: string, code: PolicyErrorCode, message: string, options: PolicyErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'PolicyError';
    this.policy = policy;
    this.code = code;
    this.kind = KIND_OF[code];
    this.retryAfterMs = options.retryAfterMs;
    this.approvalId = options.approvalId;
    this.details = options.details;
  }

  get isTransient(): boolean {
    return this.kind === 'transient';
  }

  /** The facts an agent (or its host) can act on without parsing the message. */
  facts(): Record<string, unknown> {
    const facts: Record<string, unknown> = { code: this.code, policy: this.policy, kind: this.kind };
    if (this.retryAfterMs !== undefined) facts.retry_after_ms = this.retryAfterMs;
    if (this.approvalId !== undefined) facts.approval_id = this.approvalId;
    return facts;
  }

  /**
   * tools/call: an `isError` result, so the model reads the message and can
   * recover (MCP server/tools, Error Handling: tool execution errors belong
   * in the result, protocol errors in JSON-RPC).
   */
  toToolResult(): Record<string, unknown> {
    return {
      content: [{ type: 'text', text: this.message }],
      isError: true,
      _meta: { [POLICY_ERROR_META_KEY]: this.facts() },
    };
  }

  /** Every other method: JSON-RPC error -32012 with the same facts in `data`. */
  toRpcError(): GatewayRpcError {
    return new GatewayRpcError(RPC.policyDenied, this.message, { data: this.facts(), cause: this });
  }
}

export function isPolicyError(value: unknown): value is PolicyError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** "12 s", "3 min": how long to wait, for messages. */
export function describeWait(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 120) return `${seconds} s`;
  const minutes = Math.ceil(seconds / 60);
  return minutes < 120 ? `${minutes} min` : `${Math.ceil(minutes / 60)} h`;
}
