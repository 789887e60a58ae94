import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BackendError } from '../../src/upstream/backend.ts';
import { CircuitOpenError } from '../../src/upstream/circuit-breaker.ts';
import { createReadRetryPolicy, isIdempotentRead, isRetryable } from '../../src/upstream/retry-policy.ts';

describe('read retry policy', () => {
  it('retries only reads that change nothing, never a tool call', () => {
    for (const method of ['ping', 'resources/read', 'prompts/get', 'tools/list', 'prompts/list', 'resources/list', 'resources/templates/list']) assert.equal(isIdempotentRead(method), true, method);
    for (const method of ['tools/call', 'resources/subscribe', 'completion/complete', 'logging/setLevel']) assert.equal(isIdempotentRead(method), false, method);
  });

  it('retries an unreachable backend, not a timeout, an open circuit or a protocol error', () => {
    assert.equal(isRetryable(new BackendError('backend_unavailable', 'a', 'x')), true);
    assert.equal(isRetryable(new BackendError('backend_timeout', 'a', 'x')), false);
    assert.equal(isRetryable(new BackendError('backend_protocol_error', 'a', 'x')), false);
    assert.equal(isRetryable(new CircuitOpenError('a', 5, 1000)), false);
  });

  it('makes at most max_attempts attempts in all, then gives the last error', async () => {
    const policy = createReadRetryPolicy({ maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 5 });
    let attempts = 0;
    await assert.rejects(policy!.execute(async () => {
      attempts++;
      throw new BackendError('backend_unavailable', 'crm', `attempt ${attempts}`);
    }), /attempt 3/);
    assert.equal(attempts, 3);
  });

  it('stops retrying once an attempt succeeds', async () => {
    const policy = createReadRetryPolicy({ maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 5 });
    let attempts = 0;
    const value = await policy!.execute(async () => {
      attempts++;
      if (attempts === 1) throw new BackendError('backend_unavailable', 'crm', 'refused');
      return 'read';
    });
    assert.equal(value, 'read');
    assert.equal(attempts, 2);
  });

  it('is off with max_attempts 1', () => {
    assert.equal(createReadRetryPolicy({ maxAttempts: 1, initialDelayMs: 1, maxDelayMs: 5 }), undefined);
  });
});
