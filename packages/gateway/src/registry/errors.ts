// Errors of the server registry: a stable string `code` the admin API maps to
// an HTTP status (conflict → 409, not_permitted → 403, ...), a message that
// says what to do next, and field-precise problems for an invalid spec.

export type RegistryErrorCode =
  /** No row of the lifecycle table leads from the entry's state to the requested one. */
  | 'illegal_transition'
  /** The row exists but the actor holds none of the roles it names. */
  | 'not_permitted'
  /** The reviewer is the entry's proposer (separation of duties). */
  | 'self_review'
  /** The reviewer already reviewed this round. */
  | 'already_reviewed'
  /** The row needs a review of a given decision and the request carries none, or another. */
  | 'review_required'
  /** The entry's risk tier needs more distinct approving reviewers than it has. */
  | 'insufficient_reviews'
  /** The entry's next review date has passed: it must be reviewed again first. */
  | 'review_overdue'
  /** The review's fields are unusable (a next review date in the past). */
  | 'invalid_review'
  /** Every transition says why; the request's reason is empty. */
  | 'reason_required'
  /** `pre_approved` was set by someone who may not skip the review. */
  | 'pre_approval_not_permitted'
  /** A field that names the entry (its `name`) cannot change. */
  | 'immutable_field'
  /** The spec does not validate; `problems` names each field. */
  | 'invalid_spec'
  /** The entry changed since the caller read it (a stale If-Match): read it again and retry. */
  | 'conflict'
  | 'not_found'
  | 'already_exists'
  /** The store cannot be reached or refused the write; retrying may help. */
  | 'registry_unavailable'
  /** The store's tables are from a newer gatehouse, or the schema name is unusable. */
  | 'registry_store_invalid';

export interface SpecProblem {
  /** `spec.links.repo`, `spec.scopes[2]`. */
  path: string;
  message: string;
}

const BRAND = Symbol.for('gatehouse.RegistryError');

export class RegistryError extends Error {
  readonly [BRAND] = true;
  readonly code: RegistryErrorCode;
  readonly isTransient: boolean;
  readonly problems: readonly SpecProblem[];
  constructor(code: RegistryErrorCode, message: string, options: { cause?: unknown; isTransient?: boolean; problems?: readonly SpecProblem[] } = {}) {
    super(message, { cause: options.cause });
    this.name = 'RegistryError';
    this.code = code;
    this.isTransient = options.isTransient ?? false;
    this.problems = options.problems ?? [];
  }
}

/** Checked by brand, not instanceof, so two loaded copies of this module agree. */
export function isRegistryError(value: unknown): value is RegistryError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}
