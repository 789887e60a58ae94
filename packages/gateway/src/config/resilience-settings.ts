// What a backend's `circuit_breaker`, `retry` and `health_check` keys resolve
// to, and their defaults: the config schema (backend-schema.ts) fills them in,
// upstream/resilient-backend.ts and its breaker, retry policy and health
// check act on them. Kept in config/ so the schema needs nothing from upstream/.

export interface CircuitBreakerSettings {
  /** Opens after this many failures in a row. */
  consecutiveFailures: number;
  /** Opens when at least this share (0-1) of the last `windowCalls` calls failed... */
  failureRate: number;
  windowCalls: number;
  /** ...once the window holds at least this many calls. */
  minimumCalls: number;
  /** How long an open breaker fails calls before letting one probe through. */
  halfOpenAfterMs: number;
}

export const DEFAULT_CIRCUIT_BREAKER: Readonly<CircuitBreakerSettings> = Object.freeze({
  consecutiveFailures: 5,
  failureRate: 0.5,
  windowCalls: 20,
  minimumCalls: 10,
  // Short, as Polly's default break is: the health ping probes as soon as it passes, so a recovered backend is back within seconds.
  halfOpenAfterMs: 5_000,
});

export interface RetrySettings {
  /** Attempts in all, the first included; 1 turns retries off. */
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: Readonly<RetrySettings> = Object.freeze({ maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 1_000 });

export interface HealthCheckSettings {
  /** 0 turns health checks off. */
  intervalSeconds: number;
  timeoutMs: number;
}

export const DEFAULT_HEALTH_CHECK: Readonly<HealthCheckSettings> = Object.freeze({ intervalSeconds: 10, timeoutMs: 5_000 });

/** A backend's resilience settings; `circuitBreaker: undefined` turns its breaker off. */
export interface ResilienceSettings {
  circuitBreaker: CircuitBreakerSettings | undefined;
  retry: RetrySettings;
  healthCheck: HealthCheckSettings;
}

export const DEFAULT_RESILIENCE: Readonly<ResilienceSettings> = Object.freeze({
  circuitBreaker: DEFAULT_CIRCUIT_BREAKER,
  retry: DEFAULT_RETRY,
  healthCheck: DEFAULT_HEALTH_CHECK,
});
