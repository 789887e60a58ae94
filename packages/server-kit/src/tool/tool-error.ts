// The three kinds of tool failure an agent can act on (the seed's chapter on
// structured errors; STYLE.md "Errors are values with codes"): transient
// (try again after a delay), permanent (do not retry; here is what to do
// instead) and authorization (a person must grant a scope). A handler throws
// one; the kit turns it into an `isError` result whose text says what to do
// and whose `_meta` carries the same facts for programs.

import type { CallToolResult } from '@modelcontextprotocol/server';

export type ToolErrorKind = 'transient' | 'permanent' | 'authorization';

/** The `_meta` key of an error result, the same one the demo CRM and the gateway read. */
export const TOOL_ERROR_META_KEY = 'gatehouse.dev/error';

export interface ToolErrorFacts {
  code: string;
  retry: ToolErrorKind;
  retry_after_ms?: number;
  instead?: string;
  scope?: string;
}

const BRAND = Symbol.for('gatehouse.server-kit.ToolError');

export class ToolError extends Error {
  readonly [BRAND] = true;
  readonly kind: ToolErrorKind;
  readonly code: string;
  readonly retryAfterMs: number | undefined;
  readonly instead: string | undefined;
  readonly scope: string | undefined;

  constructor(kind: ToolErrorKind, code: string, message: string, details: { retryAfterMs?: number; instead?: string; scope?: string } = {}) {
    super(message);
    this.name = 'ToolError';
    this.kind = kind;
    this.code = code;
    this.retryAfterMs = details.retryAfterMs;
    this.instead = details.instead;
    this.scope = details.scope;
  }

  get facts(): ToolErrorFacts {
    return {
      code: this.code,
      retry: this.kind,
      ...(this.retryAfterMs !== undefined && { retry_after_ms: this.retryAfterMs }),
      ...(this.instead !== undefined && { instead: this.instead }),
      ...(this.scope !== undefined && { scope: this.scope }),
    };
  }
}

export function isToolError(value: unknown): value is ToolError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** A failure that may pass: the agent should call again after `retryAfterMs`. */
export function transientError(message: string, options: { retryAfterMs: number; code?: string }): ToolError {
  return new ToolError('transient', options.code ?? 'temporarily_unavailable', message, { retryAfterMs: options.retryAfterMs });
}

/**
 * A failure that will not pass by retrying: `instead` tells the agent what to
 * do. Leave `instead` out only when the message already ends by saying it
 * ("...; try search_customers with part of the name"): it is then sent as is.
 */
export function permanentError(message: string, options: { instead?: string; code?: string }): ToolError {
  return new ToolError('permanent', options.code ?? 'cannot_do', message, { instead: options.instead });
}

/** The caller lacks `scope`: a person has to grant it (or the agent uses a tool it may call). */
export function authorizationError(scope: string, message?: string): ToolError {
  return new ToolError(
    'authorization',
    'insufficient_scope',
    message ?? `This call needs the OAuth scope "${scope}", which the caller's token does not carry`,
    { scope },
  );
}

/** The sentence an agent reads: what happened, then what to do next. */
export function describeToolError(error: ToolError): string {
  switch (error.kind) {
    case 'transient':
      return `${error.message}. This is temporary: retry the same call after ${Math.ceil((error.retryAfterMs ?? 0) / 1000)} s.`;
    case 'permanent':
      return error.instead === undefined ? error.message : `${error.message}. Retrying will not help; instead: ${error.instead}.`;
    case 'authorization':
      return `${error.message}. Ask the user to grant the scope "${error.scope}" (sign in again with it), then retry.`;
  }
}

export function toolErrorResult(error: ToolError): CallToolResult {
  return {
    content: [{ type: 'text', text: describeToolError(error) }],
    isError: true,
    _meta: { [TOOL_ERROR_META_KEY]: error.facts },
  };
}
