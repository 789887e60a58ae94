// One backend's circuit breaker (cockatiel underneath): it opens after too
// many consecutive failures or too high a failure rate over the last calls
// (a timeout counts, so a slow backend trips it too), fails calls fast while
// open, lets one probe through after `halfOpenAfterMs`, and closes when the
// probe succeeds. Used by resilient-backend.ts around every backend request.

import { circuitBreaker, CircuitState, ConsecutiveBreaker, CountBreaker, handleWhen, type CircuitBreakerPolicy, type IBreaker } from 'cockatiel';
import type { CircuitBreakerSettings } from '../config/resilience-settings.ts';
import { BackendError, isBackendError } from './backend.ts';

export type CircuitPosition = 'closed' | 'half_open' | 'open';

export interface CircuitSnapshot {
  state: CircuitPosition;
  /** Failures since the last success. */
  consecutiveFailures: number;
  /** When an open breaker lets its next probe through (ISO 8601); absent unless open. */
  retryAt: string | undefined;
  /** What opened it last (the backend error's message), if it ever opened. */
  lastFailure: string | undefined;
}

/**
 * A call refused without reaching the backend because its breaker is open
 * (or half-open with its one probe already under way). Transient: retry at
 * `retryAt`; other backends are unaffected.
 */
export class CircuitOpenError extends BackendError {
  readonly retryAfterMs: number;
  readonly retryAt: string;
  readonly failures: number;
  constructor(backend: string, failures: number, retryAfterMs: number, now = Date.now()) {
    const retryAt = new Date(now + retryAfterMs).toISOString();
    super('backend_circuit_open', backend,
      `Backend '${backend}' is unavailable (circuit open after ${failures} failure${failures === 1 ? '' : 's'}); retry after ${retryAt}`);
    this.name = 'CircuitOpenError';
    this.retryAfterMs = retryAfterMs;
    this.retryAt = retryAt;
    this.failures = failures;
  }
}

/** What trips a breaker: the backend could not be reached, timed out, or did not speak MCP. Never the gateway's own doing. */
export function isBreakerFailure(error: unknown): boolean {
  return isBackendError(error) && (error.code === 'backend_unavailable' || error.code === 'backend_timeout' || error.code === 'backend_protocol_error');
}

/** Opens when either breaker says so: a run of failures (a dead backend) or a high rate (a flaky or slow one). */
class EitherBreaker implements IBreaker {
  readonly #consecutive: ConsecutiveBreaker;
  readonly #rate: CountBreaker;
  constructor(settings: CircuitBreakerSettings) {
    this.#consecutive = new ConsecutiveBreaker(settings.consecutiveFailures);
    this.#rate = new CountBreaker({ threshold: settings.failureRate, size: settings.windowCalls, minimumNumberOfCalls: settings.minimumCalls });
  }
  get state(): unknown {
    return { consecutive: this.#consecutive.state, rate: this.#rate.state };
  }
  set state(value: unknown) {
    const saved = value as { consecutive: number; rate: unknown };
    this.#consecutive.state = saved.consecutive;
    this.#rate.state = saved.rate;
  }
  success(state: CircuitState): void {
    this.#consecutive.success();
    this.#rate.success(state);
  }
  failure(state: CircuitState): boolean {
    // Both must see every failure, so no short-circuit.
    const byRun = this.#consecutive.failure();
    const byRate = this.#rate.failure(state);
    return byRun || byRate;
  }
}

export class BackendCircuitBreaker {
  readonly backend: string;
  readonly #settings: CircuitBreakerSettings;
  readonly #policy: CircuitBreakerPolicy;
  #failures = 0;
  /** Failures since the circuit last closed: what the open-circuit message reports, whichever rule tripped it. */
  #recentFailures = 0;
  #openedAt = 0;
  #openedAfter = 0;
  #lastFailure: string | undefined;

  constructor(backend: string, settings: CircuitBreakerSettings, onStateChange?: (state: CircuitPosition) => void) {
    this.backend = backend;
    this.#settings = settings;
    this.#policy = circuitBreaker(handleWhen(isBreakerFailure), { halfOpenAfter: settings.halfOpenAfterMs, breaker: new EitherBreaker(settings) });
    this.#policy.onBreak(() => {
      this.#openedAt = Date.now();
      // Emitted before execute() below counts the failure that tripped it.
      this.#openedAfter = this.#recentFailures + 1;
    });
    this.#policy.onReset(() => {
      this.#recentFailures = 0;
    });
    if (onStateChange !== undefined) this.#policy.onStateChange((state) => onStateChange(positionOf(state)));
  }

  get state(): CircuitPosition {
    return positionOf(this.#policy.state);
  }

  /**
   * Runs `call` through the breaker. While open, and while half-open with
   * its probe under way, rejects at once with a CircuitOpenError (cockatiel
   * would park the call behind the probe, which can take a whole timeout).
   */
  execute<T>(call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const state = this.#policy.state;
    if (state === CircuitState.HalfOpen) return Promise.reject(this.#openError(Math.min(1000, this.#settings.halfOpenAfterMs)));
    if (state === CircuitState.Open) {
      const remainingMs = this.#openedAt + this.#settings.halfOpenAfterMs - Date.now();
      if (remainingMs > 0) return Promise.reject(this.#openError(remainingMs));
    }
    // A call its client cancelled says nothing about the backend: carried past the breaker uncounted.
    const guarded = signal === undefined ? call : () => call().catch((error: unknown) => {
      throw signal.aborted ? new CancelledCall(error) : error;
    });
    return this.#policy.execute(guarded).then((value) => {
      this.#failures = 0;
      return value;
    }, (error: unknown) => {
      if (error instanceof CancelledCall) throw error.reason;
      if (isBreakerFailure(error)) {
        this.#failures += 1;
        this.#recentFailures += 1;
        this.#lastFailure = (error as Error).message;
      }
      throw error;
    });
  }

  snapshot(): CircuitSnapshot {
    const state = this.state;
    return {
      state,
      consecutiveFailures: this.#failures,
      retryAt: state === 'open' ? new Date(this.#openedAt + this.#settings.halfOpenAfterMs).toISOString() : undefined,
      lastFailure: this.#lastFailure,
    };
  }

  #openError(retryAfterMs: number): CircuitOpenError {
    return new CircuitOpenError(this.backend, this.#openedAfter, Math.max(0, Math.ceil(retryAfterMs)));
  }
}

class CancelledCall {
  readonly reason: unknown;
  constructor(reason: unknown) {
    this.reason = reason;
  }
}

function positionOf(state: CircuitState): CircuitPosition {
  if (state === CircuitState.Closed) return 'closed';
  if (state === CircuitState.HalfOpen) return 'half_open';
  return 'open';
}
