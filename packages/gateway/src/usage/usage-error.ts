// The usage report's own failure: a request it cannot answer as asked (an
// unknown dimension or period, an unknown format). Permanent: the same
// request fails again; the message lists what is accepted.

export type UsageErrorCode = 'usage_query_invalid';

export class UsageError extends Error {
  readonly code: UsageErrorCode;
  constructor(code: UsageErrorCode, message: string) {
    super(message);
    this.name = 'UsageError';
    this.code = code;
  }
}

export function isUsageError(error: unknown): error is UsageError {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'UsageError' && (error as { code?: unknown }).code === 'usage_query_invalid';
}
