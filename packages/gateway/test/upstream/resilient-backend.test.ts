import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BackendError, type Backend, type UpstreamCall } from '../../src/upstream/backend.ts';
import type { ResilienceSettings } from '../../src/config/resilience-settings.ts';
import { resilienceOf, withResilience } from '../../src/upstream/resilient-backend.ts';
import { trackInFlight } from '../../src/upstream/in-flight-backend.ts';
import type { CircuitPosition } from '../../src/upstream/circuit-breaker.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';

const settings: ResilienceSettings = {
  circuitBreaker: { consecutiveFailures: 4, failureRate: 0.9, windowCalls: 50, minimumCalls: 50, halfOpenAfterMs: 60_000 },
  retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2 },
  healthCheck: { intervalSeconds: 0, timeoutMs: 1_000 },
};

/** A backend that cannot be reached, counting the requests that got to it by method. */
function unreachableBackend(): { backend: Backend; attempts: Map<string, number> } {
  const attempts = new Map<string, number>();
  const backend: Backend = {
    name: 'crm',
    kind: 'http',
    state: 'ready',
    handshake: undefined,
    connect: () => Promise.reject(new Error('not used')),
    request: (call: UpstreamCall) => {
      attempts.set(call.method, (attempts.get(call.method) ?? 0) + 1);
      return Promise.reject(new BackendError('backend_unavailable', 'crm', 'Backend "crm" refused the connection'));
    },
    notify: () => Promise.resolve(),
    onNotification: () => () => undefined,
    onStateChange: () => () => undefined,
    respond: () => Promise.resolve(),
    setResourceSubscriptions: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
  return { backend, attempts };
}

describe('resilient backend', () => {
  it('never sends a tools/call twice, and retries a resources/read up to max_attempts', async () => {
    const { backend, attempts } = unreachableBackend();
    const resilient = withResilience(backend, settings, { logger: silentLogger });
    await assert.rejects(resilient.request({ method: 'tools/call', params: { name: 'send_email' } }), { code: 'backend_unavailable' });
    assert.equal(attempts.get('tools/call'), 1);
    await assert.rejects(resilient.request({ method: 'resources/read', params: { uri: 'crm://customers/C-42' } }), { code: 'backend_unavailable' });
    assert.equal(attempts.get('resources/read'), 3);
  });

  it('stops reaching the backend once its circuit opens, reports it, and is found through the in-flight wrapper', async () => {
    const { backend, attempts } = unreachableBackend();
    const changes: Array<[string, CircuitPosition]> = [];
    const resilient = trackInFlight(withResilience(backend, settings, { logger: silentLogger, onCircuitChange: (name, state) => changes.push([name, state]) }));
    for (let index = 0; index < 4; index++) await resilient.request({ method: 'tools/call' }).catch(() => undefined);
    await assert.rejects(resilient.request({ method: 'tools/call' }), { code: 'backend_circuit_open', backend: 'crm' });
    await assert.rejects(resilient.request({ method: 'resources/read' }), { code: 'backend_circuit_open' });
    assert.equal(attempts.get('tools/call'), 4);
    assert.equal(attempts.get('resources/read'), undefined, 'an open circuit is not retried into the backend');
    assert.equal(resilienceOf(resilient)?.circuit?.state, 'open');
    assert.deepEqual(changes, [['crm', 'closed'], ['crm', 'open']]);
    await resilient.close();
    assert.deepEqual(changes.at(-1), ['crm', 'closed'], 'a closed backend leaves no open gauge behind');
  });

  it('passes requests straight through with the breaker off', async () => {
    const { backend, attempts } = unreachableBackend();
    const resilient = withResilience(backend, { ...settings, circuitBreaker: undefined }, { logger: silentLogger });
    for (let index = 0; index < 10; index++) await resilient.request({ method: 'tools/call' }).catch(() => undefined);
    assert.equal(attempts.get('tools/call'), 10);
    assert.equal(resilienceOf(resilient)?.circuit, undefined);
  });
});
