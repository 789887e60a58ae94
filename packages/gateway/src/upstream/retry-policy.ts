// Which backend requests the gateway may send again on its own, and how:
// only reads that change nothing (a repeated tools/call could charge, send
// or write twice, so it never is), only after a failure to reach the backend,
// a bounded number of times with exponential backoff. Used by
// resilient-backend.ts; each attempt goes through the circuit breaker.

import { ExponentialBackoff, handleWhen, retry, type RetryPolicy } from 'cockatiel';
import type { RetrySettings } from '../config/resilience-settings.ts';
import { isBackendError } from './backend.ts';

/** Reads without side effects (basic/utilities/ping, server/resources, server/prompts, the lists). */
const IDEMPOTENT_READS: ReadonlySet<string> = new Set([
  'ping',
  'resources/read',
  'prompts/get',
  'tools/list',
  'prompts/list',
  'resources/list',
  'resources/templates/list',
]);

export function isIdempotentRead(method: string): boolean {
  return IDEMPOTENT_READS.has(method);
}

/**
 * Worth another attempt: the backend could not be reached or broke the
 * connection. Not a timeout (the caller already waited the whole
 * `timeout_ms`; retrying would multiply it), not an open circuit (it says
 * when to come back), not a protocol error (it would answer the same).
 */
export function isRetryable(error: unknown): boolean {
  return isBackendError(error) && error.code === 'backend_unavailable';
}

/** One policy per backend, built once; undefined when retries are off. */
export function createReadRetryPolicy(settings: RetrySettings): RetryPolicy | undefined {
  if (settings.maxAttempts <= 1) return undefined;
  return retry(handleWhen(isRetryable), {
    maxAttempts: settings.maxAttempts - 1,
    backoff: new ExponentialBackoff({ initialDelay: settings.initialDelayMs, maxDelay: settings.maxDelayMs }),
  });
}
