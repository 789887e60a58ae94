// The CRM's own failures, each a kit ToolError (permanent: retrying the same
// call cannot help) with a stable code and a message that already says what
// to do next, so the kit sends it as written. The kit's `_meta` carries the
// code and retry kind for programs.

import { permanentError, type ToolError } from '@gatehouse/server-kit';

export type CrmErrorCode = 'customer_not_found' | 'empty_update' | 'idempotency_key_reused' | 'recipient_count_mismatch';

function crmError(code: CrmErrorCode, message: string): ToolError {
  return permanentError(message, { code });
}

export function customerNotFound(customerId: string): ToolError {
  return crmError('customer_not_found', `Customer ${customerId} not found in active records; try search_customers with part of the name or email`);
}

export function emptyUpdate(): ToolError {
  return crmError('empty_update', 'updates is empty; pass at least one of email, phone, tier or notes, e.g. {"updates": {"tier": "pro"}}');
}

/** A declared count that is not the segment's: the number a reviewer or policy saw would not be the number emailed. */
export function recipientCountMismatch(segment: string, declared: number, size: number): ToolError {
  return crmError(
    'recipient_count_mismatch',
    `recipient_count is ${declared}, but segment "${segment}" has ${size} recipients, so nothing was queued. ` +
      `Tell the user the campaign reaches ${size} recipients and, if they still want it, call again with recipient_count ${size} ` +
      '(a dry_run true call shows the count and cost first)',
  );
}

/** The same key with a different email: answering with another email's result would hide a bug in the caller. */
export function idempotencyKeyReused(key: string, first: { message_id?: string | undefined; to: string; subject: string } | undefined): ToolError {
  const previous = first === undefined ? 'a call still in progress' : `message ${first.message_id} to ${first.to}, subject "${first.subject}"`;
  return crmError(
    'idempotency_key_reused',
    `idempotency_key "${key}" was already used for a different email (${previous}); ` +
      'use a new idempotency_key for a new email, or repeat the original arguments to get the first result',
  );
}
