// The three idempotency stores keep the same contract against real services:
// one claim wins, a completed key replays its result, a released key can be
// claimed again, an expired key is free; and a kit server on Redis or
// PostgreSQL acts once for a retried call.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { IdempotencyStore } from '../../src/index.ts';
import { MemoryIdempotencyStore } from '../../src/idempotency/memory-store.ts';
import { PostgresIdempotencyStore } from '../../src/idempotency/postgres-store.ts';
import { RedisIdempotencyStore } from '../../src/idempotency/redis-store.ts';
import { connectTestClient } from '../../src/testing/index.ts';
import { createOrdersServer, writer } from '../fixtures/orders-server.ts';
import { connectRedis, privateSchema, uniqueName } from '../fixtures/services.ts';

const result = { content: [{ type: 'text' as const, text: 'done' }], structuredContent: { n: 1 } };

let redis: Awaited<ReturnType<typeof connectRedis>>;
let postgres: Awaited<ReturnType<typeof privateSchema>>;

before(async () => {
  redis = await connectRedis();
  postgres = await privateSchema();
});
after(async () => {
  await redis.quit();
  await postgres.drop();
});

const stores: Record<string, () => Promise<IdempotencyStore>> = {
  memory: async () => new MemoryIdempotencyStore(),
  redis: async () => new RedisIdempotencyStore({ client: redis, keyPrefix: `${uniqueName('kit-test')}:` }),
  postgres: async () => {
    const store = new PostgresIdempotencyStore({ pool: postgres.pool, table: `${postgres.schema}.${uniqueName('keys')}` });
    await store.ensureSchema();
    return store;
  },
};

for (const [kind, open] of Object.entries(stores)) {
  describe(`${kind} idempotency store`, () => {
    it('lets exactly one of many concurrent claims win', async () => {
      const store = await open();
      const claims = await Promise.all(Array.from({ length: 8 }, () => store.claim('k', 'fp', 60_000)));
      assert.equal(claims.filter((claim) => claim.state === 'claimed').length, 1);
      assert.ok(claims.filter((claim) => claim.state !== 'claimed').every((claim) => claim.state === 'pending' && claim.fingerprint === 'fp'));
    });

    it('replays the completed result with its fingerprint', async () => {
      const store = await open();
      await store.claim('k', 'fp', 60_000);
      await store.complete('k', 'fp', result, 60_000);
      assert.deepEqual(await store.claim('k', 'other', 60_000), { state: 'completed', fingerprint: 'fp', result });
    });

    it('frees a released key for the next claim', async () => {
      const store = await open();
      await store.claim('k', 'fp', 60_000);
      await store.release('k');
      assert.deepEqual(await store.claim('k', 'fp', 60_000), { state: 'claimed' });
    });

    it('peeks at a key without claiming it: free, pending, then completed', async () => {
      const store = await open();
      assert.equal(await store.peek!('k'), undefined);
      assert.deepEqual(await store.claim('k', 'fp', 60_000), { state: 'claimed' }, 'a peek claims nothing');
      assert.deepEqual(await store.peek!('k'), { state: 'pending', fingerprint: 'fp' });
      await store.complete('k', 'fp', result, 60_000);
      assert.deepEqual(await store.peek!('k'), { state: 'completed', fingerprint: 'fp', result });
    });

    it('frees a key once its time to live has passed', async () => {
      const store = await open();
      await store.claim('k', 'fp', 50);
      await new Promise((resolve) => setTimeout(resolve, 120));
      assert.deepEqual(await store.claim('k', 'fp2', 60_000), { state: 'claimed' });
    });
  });
}

for (const kind of ['redis', 'postgres'] as const) {
  it(`a kit server on the ${kind} store acts once for a call retried with the same key, even from another replica`, async () => {
    const store = await stores[kind]!();
    const replicaA = createOrdersServer({ idempotency: store });
    const replicaB = createOrdersServer({ idempotency: store });
    const clientA = await connectTestClient(replicaA.kit, { identity: writer });
    const clientB = await connectTestClient(replicaB.kit, { identity: writer });
    try {
      const first = await clientA.callTool('cancel_order', { order_id: 'O-1', idempotency_key: 'pay-1' });
      const retried = await clientB.callTool('cancel_order', { order_id: 'O-1', idempotency_key: 'pay-1' });
      assert.equal(replicaA.cancellations.count + replicaB.cancellations.count, 1);
      assert.deepEqual(retried.structuredContent, first.structuredContent);
      assert.equal(retried._meta?.['gatehouse.dev/idempotent-replay'], true);
    } finally {
      await Promise.all([clientA.close(), clientB.close()]);
    }
  });
}
