// The delay before the next reconnect attempt: exponential, capped, with
// jitter so that many gateways do not stampede a backend that just came back.
// Shared by the stdio supervisor, the legacy listen stream and the registry.

export interface BackoffPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffPolicy> = Object.freeze({ initialDelayMs: 250, maxDelayMs: 30_000 });

/** Delay before attempt `attempt` (0-based): initial × 2^attempt, capped, minus up to 20% jitter. */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const exponential = policy.initialDelayMs * 2 ** Math.min(attempt, 30);
  const capped = Math.min(exponential, policy.maxDelayMs);
  return Math.round(capped * (1 - 0.2 * random()));
}

export function resolveBackoff(overrides: Partial<BackoffPolicy> | undefined): BackoffPolicy {
  return {
    initialDelayMs: overrides?.initialDelayMs ?? DEFAULT_BACKOFF.initialDelayMs,
    maxDelayMs: overrides?.maxDelayMs ?? DEFAULT_BACKOFF.maxDelayMs,
  };
}
