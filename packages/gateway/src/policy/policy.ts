// The policy seam: an ordered chain of small policies, each with a request
// and/or response hook returning a Decision that the Exchange keeps (audit,
// metrics and traces read `exchange.decisions`). The registry builds the
// built-in policies from config (registry.ts); the chain runs them (chain.ts).

import type { Exchange } from '../exchange/exchange.ts';
import type { PolicyError } from './policy-error.ts';

/**
 * allow: go on. deny: stop, the agent gets `error`. rewrite: go on, the
 * policy changed the message or result (redaction). flag: go on, but the
 * policy saw something worth an audit query (input screening's flag action).
 * hold: stop for now, a human must approve first (`hold` says which approval).
 */
type DecisionKind = 'allow' | 'deny' | 'rewrite' | 'flag' | 'hold';

export interface Decision {
  /** The configured policy name (`rate_limit_per_user`), as audit and metrics show it. */
  policy: string;
  decision: DecisionKind;
  /** For a deny or hold: what happened and what the agent can do next. */
  reason?: string;
  /** Policy-specific facts for audit, flattened beside the verdict (such as a rate limit's `remaining`). */
  details?: Record<string, unknown>;
  /** deny and hold: the error the agent sees if the call goes no further. */
  error?: PolicyError;
  /** hold: the approval the call waits for. */
  hold?: ApprovalHold;
}

/**
 * What a held call needs to become a 2026-07-28 `input_required` result: the
 * URL elicitation to show the user, and the approval id to seal into
 * `requestState` (docs/policies.md, "Approvals for each client era").
 */
export interface ApprovalHold {
  approvalId: string;
  /** The approval page the user is sent to (URL-mode elicitation). */
  url: string;
  /** Epoch ms after which the approval request is void and a retry starts a new one. */
  expiresAt: number;
  /** `elicitation/create` params, URL mode (MCP 2025-11-25 client/elicitation, URL mode). */
  elicitation: { mode: 'url'; url: string; elicitationId: string; message: string };
}

export interface Policy {
  readonly name: string;
  /** The registry's type name (`rate_limit`), for docs and errors; optional for hand-built policies. */
  readonly type?: string;
  /**
   * Whether this policy has anything to say about the exchange (its
   * `applies_to`: methods, backends, tools, roles, a CEL condition). A policy
   * that does not apply is skipped and records no decision.
   */
  appliesTo?(exchange: Exchange): boolean;
  onRequest?(exchange: Exchange): Decision | Promise<Decision>;
  /**
   * Policies backed by a shared store (Redis) start their store work here,
   * for every such policy at once before any request hook runs, so the
   * commands share one pipelined round trip; `onRequest` then awaits it.
   */
  prepare?(exchange: Exchange): void;
  /** The chain stopped before this policy's `onRequest`: undo what `prepare` spent (refund the counter). */
  release?(exchange: Exchange): void;
  /** May change `result` in place (returning a `rewrite` decision) or deny it. */
  onResponse?(exchange: Exchange, result: Record<string, unknown>): Decision | Promise<Decision>;
  /** Releases timers, connections and files at shutdown or reload. */
  close?(): void | Promise<void>;
}

/** An allow decision without details, allocated once per policy and shared by every exchange. */
export function allowOnce(policy: string): Decision {
  return Object.freeze({ policy, decision: 'allow' as const }) as Decision;
}
