// The kit's tool patterns through the official SDK client, in both eras:
// scopes, output checks, the three error kinds, dry runs, idempotency keys.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';

import { connectTestClient, type TestClient } from '../../src/testing/index.ts';
import { createOrdersServer, reader, writer } from '../fixtures/orders-server.ts';

const clients: TestClient[] = [];
after(async () => {
  await Promise.all(clients.map((client) => client.close()));
});

async function connect(fixture: ReturnType<typeof createOrdersServer>, identity: typeof reader | undefined, era: 'modern' | 'legacy') {
  const client = await connectTestClient(fixture.kit, { ...(identity !== undefined && { identity }), era });
  clients.push(client);
  return client;
}

function errorMeta(result: { _meta?: Record<string, unknown> }) {
  return result._meta?.['gatehouse.dev/error'] as Record<string, unknown> | undefined;
}

function text(result: { content: unknown[] }): string {
  return (result.content[0] as { text: string }).text;
}

for (const era of ['modern', 'legacy'] as const) {
  describe(`tool patterns (${era} era)`, () => {
    it('speaks the era it was asked for', async () => {
      const client = await connect(createOrdersServer(), reader, era);
      assert.equal(client.era, era);
    });

    it('hands the caller identity to the handler and returns structuredContent matching the output schema', async () => {
      const client = await connect(createOrdersServer(), reader, era);
      const result = await client.callTool('get_order', { order_id: 'O-1' });
      assert.equal(result.isError, undefined);
      assert.deepEqual(result.structuredContent, { order: { id: 'O-1', status: 'open', total_usd: 120 }, read_by: 'alice@example.com' });
    });

    it('refuses a caller without a declared scope with an authorization error naming the scope, audited as denied', async () => {
      const fixture = createOrdersServer();
      const client = await connect(fixture, reader, era);
      const result = await client.callTool('cancel_order', { order_id: 'O-1' });
      assert.equal(result.isError, true);
      assert.deepEqual(errorMeta(result), { code: 'insufficient_scope', retry: 'authorization', scope: 'orders:write' });
      assert.match(text(result), /orders:write/);
      assert.equal(fixture.orders.get('O-1')?.status, 'open');
      const record = fixture.audit.records.at(-1)!;
      assert.equal(record.result.status, 'denied');
      assert.equal(record.caller.identity, 'alice@example.com');
      assert.match(await fixture.kit.runtime.metrics.exposition(), /mcp_scope_check_failures_total\{scope="orders:write"\} 1/);
    });

    it('answers a dry run with what would change and an estimate, changing nothing', async () => {
      const fixture = createOrdersServer();
      const client = await connect(fixture, writer, era);
      const result = await client.callTool('cancel_order', { order_id: 'O-1', dry_run: true });
      assert.equal(result.isError, undefined);
      assert.deepEqual(result.structuredContent, { dry_run: true, would: 'cancel O-1 and refund 120 USD', estimate: { orders_cancelled: 1, refund_usd: 120 } });
      assert.equal(fixture.orders.get('O-1')?.status, 'open');
      assert.equal(fixture.cancellations.count, 0);
    });

    it('returns the first result to a retry with the same idempotency key, acting once', async () => {
      const fixture = createOrdersServer();
      const client = await connect(fixture, writer, era);
      const first = await client.callTool('cancel_order', { order_id: 'O-2', idempotency_key: 'k-1' });
      const retry = await client.callTool('cancel_order', { order_id: 'O-2', idempotency_key: 'k-1' });
      assert.equal(fixture.cancellations.count, 1);
      assert.deepEqual(retry.structuredContent, first.structuredContent);
      assert.equal(retry._meta?.['gatehouse.dev/idempotent-replay'], true);
      assert.deepEqual((first.structuredContent as { refunded_usd: number }).refunded_usd, 80);
    });

    it('refuses a reused idempotency key with other arguments as a permanent error', async () => {
      const fixture = createOrdersServer();
      const client = await connect(fixture, writer, era);
      await client.callTool('cancel_order', { order_id: 'O-2', idempotency_key: 'k-2' });
      const reused = await client.callTool('cancel_order', { order_id: 'O-1', idempotency_key: 'k-2' });
      assert.equal(reused.isError, true);
      assert.equal(errorMeta(reused)?.code, 'idempotency_key_reused');
      assert.equal(errorMeta(reused)?.retry, 'permanent');
      assert.equal(fixture.orders.get('O-1')?.status, 'open');
    });

    it('keeps idempotency keys apart per caller', async () => {
      const fixture = createOrdersServer();
      const bob = await connect(fixture, writer, era);
      const carol = await connect(fixture, { subject: 'carol@example.com', scopes: writer.scopes }, era);
      await bob.callTool('cancel_order', { order_id: 'O-1', idempotency_key: 'shared' });
      const other = await carol.callTool('cancel_order', { order_id: 'O-2', idempotency_key: 'shared' });
      assert.equal(other.isError, undefined);
      assert.equal(fixture.cancellations.count, 2);
    });

    it('describes each error kind so an agent can act: retry after, instead, scope', async () => {
      const client = await connect(createOrdersServer(), reader, era);
      const transient = await client.callTool('fail', { kind: 'transient' });
      assert.deepEqual(errorMeta(transient), { code: 'database_failover', retry: 'transient', retry_after_ms: 2000 });
      assert.match(text(transient), /retry the same call after 2 s/);
      const permanent = await client.callTool('fail', { kind: 'permanent' });
      assert.deepEqual(errorMeta(permanent), { code: 'archived', retry: 'permanent', instead: 'use search_archive' });
      assert.match(text(permanent), /instead: use search_archive/);
      const authorization = await client.callTool('fail', { kind: 'authorization' });
      assert.deepEqual(errorMeta(authorization), { code: 'insufficient_scope', retry: 'authorization', scope: 'orders:admin' });
    });

    it('never sends output that breaks the declared schema, nor an internal error message', async () => {
      const fixture = createOrdersServer();
      const client = await connect(fixture, reader, era);
      const bad = await client.callTool('fail', { kind: 'bad_output' });
      assert.equal(bad.isError, true);
      assert.equal(bad.structuredContent, undefined);
      assert.equal(errorMeta(bad)?.code, 'invalid_output');
      const crash = await client.callTool('fail', { kind: 'crash' });
      assert.equal(errorMeta(crash)?.code, 'internal_error');
      assert.doesNotMatch(text(crash), /postgres:\/\//);
    });

    it('reports progress to a client that asked for it', async () => {
      const client = await connect(createOrdersServer(), reader, era);
      const seen: number[] = [];
      const result = await client.client.callTool(
        { name: 'export_orders', arguments: { step_ms: 5 } },
        { onprogress: (progress) => seen.push(progress.progress) },
      );
      assert.deepEqual(result.structuredContent, { exported: 2 });
      assert.deepEqual(seen, [1, 2, 3, 4, 5]);
    });

    it('stops long work when the client cancels, audited as cancelled', async () => {
      const fixture = createOrdersServer();
      const client = await connect(fixture, reader, era);
      const abort = new AbortController();
      const call = client.client.callTool({ name: 'export_orders', arguments: { step_ms: 200 } }, { signal: abort.signal });
      setTimeout(() => abort.abort('user changed their mind'), 100);
      await assert.rejects(call);
      for (let waited = 0; waited < 2000 && fixture.audit.records.length === 0; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(fixture.audit.records.at(-1)?.result.status, 'cancelled');
    });
  });
}
