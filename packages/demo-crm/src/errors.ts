// Failures of the demo CRM's own operations, as typed values with a stable
// code. Tools turn them into `isError` results whose text tells the agent
// what happened and what to try next; the `retry` field says whether trying
// again can help (transient), cannot (permanent), or needs a person (authorization).

import type { CallToolResult } from '@modelcontextprotocol/server';

export type CrmErrorCode = 'customer_not_found' | 'empty_update' | 'idempotency_key_reused' | 'recipient_count_mismatch';

export type RetryKind = 'transient' | 'permanent' | 'authorization';

const BRAND = Symbol.for('gatehouse.demo-crm.CrmError');

export class CrmError extends Error {
  readonly [BRAND] = true;
  readonly code: CrmErrorCode;
  readonly retry: RetryKind;
  constructor(code: CrmErrorCode, message: string, retry: RetryKind = 'permanent') {
    super(message);
    this.name = 'CrmError';
    this.code = code;
    this.retry = retry;
  }
}

export function isCrmError(value: unknown): value is CrmError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

export function customerNotFound(customerId: string): CrmError {
  return new CrmError(
    'customer_not_found',
    `Customer ${customerId} not found in active records; try search_customers with part of the name or email`,
  );
}

/**
 * The tool-result form of a CRM failure: the model reads `content`, programs
 * read the code from `_meta` without parsing prose.
 */
export function toolErrorResult(error: CrmError): CallToolResult {
  return {
    content: [{ type: 'text', text: error.message }],
    isError: true,
    _meta: { 'gatehouse.dev/error': { code: error.code, retry: error.retry } },
  };
}

/** Runs a tool body, turning a CrmError into an `isError` result; any other error propagates. */
export async function answerOrExplain(body: () => CallToolResult | Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await body();
  } catch (error) {
    if (isCrmError(error)) return toolErrorResult(error);
    throw error;
  }
}
