// A gateway whose Redis session store goes away: /readyz says not ready,
// a new session is refused with 503 and a JSON-RPC error that names the
// session store (fail closed), and both recover by themselves when Redis
// returns. Uses a private redis-server the test kills and restarts.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { gatewayConfig } from '../fixtures/gateway-config.ts';
import { post } from '../fixtures/raw-http.ts';
import { PrivateRedis, redisSkipReason, uniquePrefix } from '../fixtures/redis.ts';

const skip = await redisSkipReason();

const INITIALIZE = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'outage-test', version: '1' } } };

async function readiness(gateway: RunningGateway): Promise<{ status: number; body: { status: string; sessionStore?: { kind: string; available: boolean } } }> {
  const response = await fetch(`${gateway.adminUrl}/readyz`);
  return { status: response.status, body: (await response.json()) as never };
}

async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 8_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('a gateway whose Redis session store goes down and comes back', { skip }, () => {
  let redis: PrivateRedis;
  let gateway: RunningGateway;

  before(async () => {
    redis = await PrivateRedis.start();
    const config = gatewayConfig([]);
    config.session = { ...config.session, store: redis.url, keyPrefix: uniquePrefix('outage') };
    gateway = await startGateway(config, { logger: silentLogger });
  });
  after(async () => {
    await gateway?.close();
    await redis?.kill();
  });

  it('is ready and opens sessions while Redis is up', async () => {
    const ready = await eventually(() => readiness(gateway), (value) => value.status === 200);
    assert.deepEqual(ready.body.sessionStore, { kind: 'redis', available: true });
    assert.equal((await post(gateway.url, INITIALIZE)).status, 200);
  });

  it('reports not ready and fails closed for new sessions while Redis is down, then recovers by itself', async () => {
    const session = (await post(gateway.url, INITIALIZE)).headers.get('mcp-session-id')!;
    await redis.kill();
    const down = await eventually(() => readiness(gateway), (value) => value.status === 503);
    assert.equal(down.status, 503);
    assert.equal(down.body.status, 'session_store_unavailable');

    const refused = await post(gateway.url, INITIALIZE);
    assert.equal(refused.status, 503);
    assert.equal(refused.body.error.data.reason, 'session_store_unavailable');
    assert.equal(refused.headers.get('retry-after'), '2', 'the wait is in the Retry-After header, not only in the body');
    assert.match(refused.body.error.message, new RegExp(`Session store unavailable.*Redis at redis://127\\.0\\.0\\.1:${redis.port}`));
    const existing = await post(gateway.url, { jsonrpc: '2.0', id: 2, method: 'ping' }, { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' });
    assert.equal(existing.status, 503, 'an existing session cannot be checked either: refused, not guessed');
    assert.equal(existing.headers.get('retry-after'), '2');

    await redis.restart();
    const up = await eventually(() => readiness(gateway), (value) => value.status === 200);
    assert.equal(up.body.status, 'ready');
    assert.equal((await post(gateway.url, INITIALIZE)).status, 200);
  });
});
