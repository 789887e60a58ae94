// What operators get from a kit server: audit records in the gateway's
// schema, the playbook's metric names, the caller's trace continued from
// `_meta`, structured logs without secrets, health and readiness, and a
// shutdown that lets calls in flight finish.

import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';

import pino from 'pino';
import * as z from 'zod';

import * as sharedRecord from '@gatehouse/audit-record';
import { buildAuditRecord as buildGatewayAuditRecord } from '../../../gateway/src/audit/record.ts';
import { buildAuditRecord, createKitServer, defineTool, MemoryAuditSink } from '../../src/index.ts';
import { connectTestClient, type TestClient } from '../../src/testing/index.ts';
import { createOrdersServer, reader } from '../fixtures/orders-server.ts';

const clients: TestClient[] = [];
after(async () => {
  await Promise.all(clients.map((client) => client.close()));
});

/** The key paths of a JSON value, for comparing shapes. */
function shape(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([key, item]) => shape(item, prefix === '' ? key : `${prefix}.${key}`));
}

describe('audit', () => {
  it('writes records with exactly the keys, key order and version of the gateway audit record', () => {
    const facts = { startedAt: Date.UTC(2026, 11, 7, 9), durationMs: 12.4, status: 'success' as const };
    const kit = buildAuditRecord({ ...facts, type: 'tool_invocation', instanceId: 'orders-1', identity: 'alice', traceId: 'a'.repeat(32), server: 'orders', name: 'get_order', arguments: { order_id: 'O-1' }, scopeUsed: 'orders:read', outputSizeBytes: 10 });
    const gateway = buildGatewayAuditRecord({ ...facts, type: 'tool_invocation', gatewayId: 'gw-1', caller: { identity: 'alice', traceId: 'a'.repeat(32) }, server: 'orders', name: 'get_order', arguments: { order_id: 'O-1' }, scopeUsed: 'orders:read', outputSizeBytes: 10 });
    assert.deepEqual(shape(kit), shape(gateway));
    assert.equal(kit.version, gateway.version);
    assert.match(kit.audit_id, /^audit_2026_12_07_[0-9a-f]{32}$/);
    assert.equal(kit.timestamp, gateway.timestamp);
  });

  it('has one source for the record: the gateway and the kit both build with @gatehouse/audit-record', () => {
    assert.equal(buildGatewayAuditRecord, sharedRecord.buildAuditRecord, 'the gateway re-exports the shared builder, no copy');
    const facts = { startedAt: Date.UTC(2026, 11, 7, 9), durationMs: 3, status: 'denied' as const };
    const kit = buildAuditRecord({ ...facts, type: 'tool_invocation', instanceId: 'orders-1', identity: 'bob', agent: 'gatehouse', server: 'orders', name: 'cancel_order', decisions: [{ policy: 'scope', decision: 'deny', missing: ['orders:write'] }] });
    const shared = sharedRecord.buildAuditRecord({ ...facts, type: 'tool_invocation', gatewayId: 'orders-1', auditId: kit.audit_id, caller: { identity: 'bob', agent: 'gatehouse' }, server: 'orders', name: 'cancel_order', policyDecisions: [{ policy: 'scope', decision: 'deny', details: { missing: ['orders:write'] } }] });
    assert.equal(JSON.stringify(kit), JSON.stringify(shared), 'same keys, order and values: the two hash alike');
  });

  it('records every call with caller, tool, arguments, declared scopes, status and the kit decisions', async () => {
    const fixture = createOrdersServer();
    const client = await connectTestClient(fixture.kit, { identity: reader });
    clients.push(client);
    await client.callTool('get_order', { order_id: 'O-1' });
    const record = fixture.audit.records.at(-1)!;
    assert.equal(record.operation.type, 'tool_invocation');
    assert.equal(record.operation.server, 'orders');
    assert.equal(record.operation.name, 'get_order');
    assert.deepEqual(record.operation.arguments, { order_id: 'O-1' });
    assert.equal(record.operation.scope_used, 'orders:read');
    assert.equal(record.caller.identity, 'alice@example.com');
    assert.equal(record.result.status, 'success');
    assert.ok(record.result.output_size_bytes > 0);
    assert.deepEqual(record.context.policy_decisions, [{ decision: 'allow', policy: 'scope' }]);
  });
});

describe('trace context', () => {
  for (const era of ['modern', 'legacy'] as const) {
    it(`continues the trace the caller put in _meta (${era} era)`, async () => {
      const fixture = createOrdersServer();
      const client = await connectTestClient(fixture.kit, { identity: reader, era });
      clients.push(client);
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      await client.callTool('get_order', { order_id: 'O-1' }, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
      assert.equal(fixture.audit.records.at(-1)?.caller.trace_id, traceId);
    });
  }

  it('starts a new trace when the caller sent none or an invalid one', async () => {
    const fixture = createOrdersServer();
    const client = await connectTestClient(fixture.kit, { identity: reader });
    clients.push(client);
    await client.callTool('get_order', { order_id: 'O-1' }, { traceparent: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01` });
    const traceId = fixture.audit.records.at(-1)?.caller.trace_id;
    assert.match(traceId ?? '', /^[0-9a-f]{32}$/);
    assert.notEqual(traceId, '0'.repeat(32));
  });
});

describe('metrics and logs', () => {
  it('counts calls under the playbook names with server, tool and status labels', async () => {
    const fixture = createOrdersServer();
    const client = await connectTestClient(fixture.kit, { identity: reader });
    clients.push(client);
    await client.callTool('get_order', { order_id: 'O-1' });
    await client.callTool('fail', { kind: 'transient' });
    const exposition = await fixture.kit.runtime.metrics.exposition();
    assert.match(exposition, /mcp_requests_total\{server="orders",tool="get_order",status="success"\} 1/);
    assert.match(exposition, /mcp_requests_total\{server="orders",tool="fail",status="error"\} 1/);
    assert.match(exposition, /mcp_tool_calls_total\{server="orders",tool="get_order"\} 1/);
    assert.match(exposition, /mcp_request_duration_seconds_bucket\{le="[0-9.]+",server="orders",tool="get_order"\}/);
  });

  it('logs one structured line per call with tool, subject and trace id, never the token', async () => {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    const echo = defineTool({ name: 'echo', description: 'Echoes.', input: z.object({ text: z.string() }), output: z.object({ text: z.string() }), handler: ({ text }) => ({ text }) });
    const kit = createKitServer({ name: 'echoer', version: '1.0.0', tools: [echo], audit: new MemoryAuditSink(), logger: pino({ level: 'info' }, destination) });
    const client = await connectTestClient(kit, { identity: { subject: 'erin', scopes: [] } });
    clients.push(client);
    await client.callTool('echo', { text: 'hi' }, { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    const line = lines.find((entry) => entry.msg === 'tools/call');
    assert.ok(line !== undefined);
    assert.equal(line.tool, 'echo');
    assert.equal(line.subject, 'erin');
    assert.equal(line.trace_id, '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(line.status, 'success');
    assert.doesNotMatch(JSON.stringify(lines), /test-token-for-erin/);
  });
});

describe('health, readiness and shutdown', () => {
  it('answers /healthz, and /readyz from the readiness check', async () => {
    let isDatabaseUp = true;
    const kit = createKitServer({ name: 'h', version: '1', logger: pino({ level: 'silent' }), readiness: () => isDatabaseUp });
    assert.equal((await kit.fetch(new Request('http://x/healthz'))).status, 200);
    assert.equal((await kit.fetch(new Request('http://x/readyz'))).status, 200);
    isDatabaseUp = false;
    assert.equal((await kit.fetch(new Request('http://x/readyz'))).status, 503);
    await kit.close();
  });

  it('lets a call in flight finish on shutdown while refusing new ones and reporting not ready', async () => {
    const fixture = createOrdersServer();
    const running = await fixture.kit.listen({ port: 0, drainMs: 5000 });
    const { Client, StreamableHTTPClientTransport } = await import('@modelcontextprotocol/client');
    const client = new Client({ name: 'shutdown-test', version: '1' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(new StreamableHTTPClientTransport(new URL(running.url)));
    const slow = client.callTool({ name: 'export_orders', arguments: { step_ms: 100 } });
    await new Promise((resolve) => setTimeout(resolve, 150));
    const closing = running.close();
    const readiness = await fixture.kit.fetch(new Request('http://x/readyz'));
    const refused = await fixture.kit.fetch(new Request(`http://x/mcp`, { method: 'POST', body: '{}' }));
    const finished = await slow;
    await closing;
    assert.equal(readiness.status, 503);
    assert.equal(refused.status, 503);
    assert.deepEqual(finished.structuredContent, { exported: 2 });
  });
});
