import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { BackendError } from '../../src/upstream/backend.ts';
import type { CircuitBreakerSettings } from '../../src/config/resilience-settings.ts';
import { BackendCircuitBreaker, CircuitOpenError, isBreakerFailure, type CircuitPosition } from '../../src/upstream/circuit-breaker.ts';

const settings: CircuitBreakerSettings = { consecutiveFailures: 3, failureRate: 0.5, windowCalls: 10, minimumCalls: 6, halfOpenAfterMs: 100 };
const unavailable = () => Promise.reject(new BackendError('backend_unavailable', 'crm', 'Backend "crm" refused the connection'));
const timedOut = () => Promise.reject(new BackendError('backend_timeout', 'crm', 'Backend "crm" did not answer within 50 ms'));
const answered = () => Promise.resolve('ok');

async function failTimes(breaker: BackendCircuitBreaker, times: number, call: () => Promise<unknown> = unavailable): Promise<void> {
  for (let index = 0; index < times; index++) await breaker.execute(call).catch(() => undefined);
}

describe('backend circuit breaker', () => {
  it('opens after the configured failures in a row and then refuses without calling the backend', async () => {
    const breaker = new BackendCircuitBreaker('crm', settings);
    await failTimes(breaker, 3);
    assert.equal(breaker.state, 'open');
    let isCalled = false;
    const error = await breaker.execute(async () => { isCalled = true; }).catch((caught: unknown) => caught);
    assert.equal(isCalled, false);
    assert.ok(error instanceof CircuitOpenError);
    assert.equal(error.code, 'backend_circuit_open');
    assert.equal(error.backend, 'crm');
    assert.equal(error.failures, 3);
    assert.ok(error.retryAfterMs > 0 && error.retryAfterMs <= 100, String(error.retryAfterMs));
    assert.match(error.message, /^Backend 'crm' is unavailable \(circuit open after 3 failures\); retry after \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('counts timeouts as failures, so a backend that became slow trips it too', async () => {
    const breaker = new BackendCircuitBreaker('crm', settings);
    await failTimes(breaker, 3, timedOut);
    assert.equal(breaker.state, 'open');
  });

  it('opens on a high failure rate even when failures never come three in a row', async () => {
    const breaker = new BackendCircuitBreaker('crm', settings);
    for (let index = 0; index < 4 && breaker.state === 'closed'; index++) {
      await breaker.execute(answered);
      await failTimes(breaker, 2);
    }
    assert.equal(breaker.state, 'open');
    assert.equal(breaker.snapshot().consecutiveFailures, 2);
    const error = await breaker.execute(answered).catch((caught: unknown) => caught as Error);
    assert.match(String(error), /circuit open after 4 failures/);
  });

  it('is not tripped by the backend answering with its own JSON-RPC error, nor by a cancelled call', async () => {
    const breaker = new BackendCircuitBreaker('crm', settings);
    for (let index = 0; index < 5; index++) await breaker.execute(() => Promise.resolve({ jsonrpc: '2.0', id: index, error: { code: -32602, message: 'bad' } }));
    const controller = new AbortController();
    controller.abort();
    for (let index = 0; index < 5; index++) await breaker.execute(unavailable, controller.signal).catch(() => undefined);
    assert.equal(breaker.state, 'closed');
    assert.equal(breaker.snapshot().consecutiveFailures, 0);
  });

  it('lets one probe through after half_open_after_ms, fails others fast meanwhile, and closes when the probe succeeds', async () => {
    const changes: CircuitPosition[] = [];
    const breaker = new BackendCircuitBreaker('crm', settings, (state) => changes.push(state));
    await failTimes(breaker, 3);
    await sleep(120);
    let release!: () => void;
    const probe = breaker.execute(() => new Promise<string>((resolve) => { release = () => resolve('probe ok'); }));
    assert.equal(breaker.state, 'half_open');
    await assert.rejects(breaker.execute(answered), CircuitOpenError);
    release();
    assert.equal(await probe, 'probe ok');
    assert.equal(breaker.state, 'closed');
    assert.deepEqual(changes, ['open', 'half_open', 'closed']);
  });

  it('opens again when the probe fails, with a new retry time', async () => {
    const breaker = new BackendCircuitBreaker('crm', settings);
    await failTimes(breaker, 3);
    const firstRetryAt = breaker.snapshot().retryAt;
    await sleep(120);
    await failTimes(breaker, 1);
    assert.equal(breaker.state, 'open');
    assert.notEqual(breaker.snapshot().retryAt, firstRetryAt);
  });

  it('tells breaker failures from the gateway\'s own errors', () => {
    assert.equal(isBreakerFailure(new BackendError('backend_unavailable', 'a', 'x')), true);
    assert.equal(isBreakerFailure(new BackendError('backend_timeout', 'a', 'x')), true);
    assert.equal(isBreakerFailure(new BackendError('backend_protocol_error', 'a', 'x')), true);
    assert.equal(isBreakerFailure(new BackendError('backend_closed', 'a', 'x')), false);
    assert.equal(isBreakerFailure(new CircuitOpenError('a', 3, 100)), false);
    assert.equal(isBreakerFailure(new Error('not a backend error')), false);
  });
});
