// Wraps any Backend (http or stdio) with the backend's circuit breaker,
// retries of idempotent reads and its periodic health check, so the router,
// the catalog and subscriptions all get them without knowing. Timeouts stay
// with the backend itself (`timeout_ms`), which cancels the upstream call;
// a timeout counts as a breaker failure. Built by the registry's factory.

import type { ResilienceSettings } from '../config/resilience-settings.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Backend, UpstreamCall } from './backend.ts';
import { BackendCircuitBreaker, type CircuitPosition, type CircuitSnapshot } from './circuit-breaker.ts';
import { BackendHealthCheck, type HealthReport } from './backend-health.ts';
import { createReadRetryPolicy, isIdempotentRead } from './retry-policy.ts';

export interface ResilienceReport {
  circuit: CircuitSnapshot | undefined;
  health: HealthReport;
}

export interface ResilienceHooks {
  logger: Logger;
  /** Told on every breaker transition (metrics: `mcp_backend_breaker_state`). */
  onCircuitChange?: (backend: string, state: CircuitPosition) => void;
}

/** A property rather than a WeakMap entry, so it is still found through wrappers such as in-flight-backend.ts's Proxy. */
const REPORT = Symbol.for('gatehouse.resilienceReport');

/** The breaker and health of a backend built by `withResilience`; undefined for a bare one. */
export function resilienceOf(backend: Backend): ResilienceReport | undefined {
  const report = (backend as unknown as Record<symbol, unknown>)[REPORT];
  return typeof report === 'function' ? (report as () => ResilienceReport)() : undefined;
}

export function withResilience(inner: Backend, settings: ResilienceSettings, hooks: ResilienceHooks): Backend {
  const { logger } = hooks;
  const name = inner.name;
  const breaker = settings.circuitBreaker === undefined ? undefined : new BackendCircuitBreaker(name, settings.circuitBreaker, (state) => {
    const log = state === 'open' ? logger.warn.bind(logger) : logger.info.bind(logger);
    log({ backend: name, circuit: state, ...(state === 'open' ? { retryAt: breaker?.snapshot().retryAt } : {}) }, `backend circuit ${state.replace('_', '-')}`);
    hooks.onCircuitChange?.(name, state);
  });
  hooks.onCircuitChange?.(name, 'closed');
  const retryPolicy = createReadRetryPolicy(settings.retry);

  const attempt = breaker === undefined
    ? (call: UpstreamCall) => inner.request(call)
    : (call: UpstreamCall) => breaker.execute(() => inner.request(call), call.signal);

  const health = new BackendHealthCheck({
    backend: name,
    settings: settings.healthCheck,
    ping: (timeoutMs) => attempt({ method: 'ping', timeoutMs }),
    isConnected: () => inner.state === 'ready',
    logger,
  });
  health.start();

  const backend: Backend & { [REPORT]: () => ResilienceReport } = {
    name,
    kind: inner.kind,
    get state() {
      return inner.state;
    },
    get handshake() {
      return inner.handshake;
    },
    connect: () => inner.connect(),
    request(call) {
      if (retryPolicy !== undefined && isIdempotentRead(call.method)) return retryPolicy.execute(() => attempt(call), call.signal);
      return attempt(call);
    },
    notify: (method, params) => inner.notify(method, params),
    onNotification: (listener) => inner.onNotification(listener),
    onStateChange: (listener) => inner.onStateChange(listener),
    respond: (response) => inner.respond(response),
    setResourceSubscriptions: (uris) => inner.setResourceSubscriptions(uris),
    close() {
      health.stop();
      // A removed backend must not leave its gauge at "open" (the breaker-open alert would fire for nothing).
      if (breaker !== undefined && breaker.state !== 'closed') hooks.onCircuitChange?.(name, 'closed');
      return inner.close();
    },
    [REPORT]: () => ({ circuit: breaker?.snapshot(), health: health.report }),
  };
  return backend;
}
