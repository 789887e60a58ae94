// Tracing through real HTTP: a client request with W3C trace context reaches
// a stand-in gateway that uses the tracing API the way the transport and the
// router do, which calls a backend that traces with the same library (as a
// backend built with our kit would). Spans are exported over OTLP/HTTP, in
// JSON and in protobuf, to a receiver in the test that decodes both, and are
// checked as a tree.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTracing, type GatewayTracing } from '../../src/telemetry/tracing.ts';
import { NOOP_MESSAGE_TRACE } from '../../src/telemetry/pass-through-tracing.ts';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startOtlpReceiver, SPAN_KIND, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver.ts';

const runFile = promisify(execFile);
const tracingModule = new URL('../../src/telemetry/tracing.ts', import.meta.url).href;

/** The OpenTelemetry packages a fresh process loads to create tracing (on or off) and trace one message. */
async function openTelemetryPackagesLoaded(isEnabled: boolean): Promise<string[]> {
  const script = `
    import { registerHooks } from 'node:module';
    const loaded = new Set();
    registerHooks({ load(url, context, nextLoad) { const name = /node_modules\\/(@opentelemetry\\/[^/]+)/.exec(url)?.[1]; if (name) loaded.add(name); return nextLoad(url, context); } });
    const { createTracing } = await import(${JSON.stringify(tracingModule)});
    const tracing = await createTracing({ isEnabled: ${isEnabled}, endpoint: 'http://127.0.0.1:9/v1/traces' });
    tracing.startMessage({ method: 'ping', id: 1 }, { traceparent: '${CLIENT_TRACEPARENT}' }).end('success');
    console.log(JSON.stringify([...loaded].sort()));
    process.exit(0);`;
  const { stdout } = await runFile(process.execPath, ['--input-type=module', '-e', script]);
  return JSON.parse(stdout.trim()) as string[];
}

const CLIENT_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN_ID = '00f067aa0ba902b7';
const CLIENT_TRACEPARENT = `00-${CLIENT_TRACE_ID}-${CLIENT_SPAN_ID}-01`;

interface BackendSaw {
  headers: IncomingHttpHeaders;
  meta: Record<string, unknown> | undefined;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

async function readJson(request: import('node:http').IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
}

/** A backend that continues the trace it is given, as one built with our kit does, and remembers what it received. */
async function startBackend(tracing: GatewayTracing): Promise<{ url: string; saw: BackendSaw[]; server: Server }> {
  const saw: BackendSaw[] = [];
  const server = createServer(async (request, response) => {
    const body = await readJson(request);
    const params = body.params as Record<string, unknown>;
    // Tool calls only: the gateway's periodic health ping also reaches this backend.
    if (body.method === 'tools/call') saw.push({ headers: request.headers, meta: params._meta as Record<string, unknown> | undefined });
    const trace = tracing.startMessage(body as { method: string; id: number; params: Record<string, unknown> }, request.headers);
    const isFailing = params.name === 'broken';
    const result = isFailing ? { content: [{ type: 'text', text: 'no such customer' }], isError: true } : { content: [{ type: 'text', text: 'C-42' }] };
    trace.end(isFailing ? 'error' : 'success');
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: body.id, result }));
  });
  return { url: await listen(server), saw, server };
}

/** The gateway's request path reduced to its tracing calls: message span, policy chain, backend call, audit write. */
async function startGateway(tracing: GatewayTracing, backendUrl: string): Promise<{ url: string; server: Server }> {
  const server = createServer(async (request, response) => {
    const message = (await readJson(request)) as { method: string; id: number; params: Record<string, unknown> };
    const trace = tracing.startMessage(message, request.headers, '2026-07-28', 'sess-1');
    const policy = trace.startPolicyChain();
    policy.end([
      { policy: 'scope_check', decision: 'allow' },
      { policy: 'rate_limit', decision: 'allow' },
    ]);
    const toolName = String(message.params.name).split('__')[1]!;
    trace.setTarget('crm', toolName);
    const backendCall = trace.startBackendCall('crm', 'tools/call', toolName, 'http');
    const params: Record<string, unknown> = { ...message.params, name: toolName };
    backendCall.injectMeta(params);
    const headers = backendCall.injectHeaders({ 'content-type': 'application/json' });
    const upstream = await fetch(backendUrl, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params }) });
    const answer = (await upstream.json()) as { result: { isError?: boolean } };
    const status = answer.result.isError === true ? 'error' : 'success';
    backendCall.end(status);
    trace.startAuditWrite().end(toolName === 'broken' ? new Error('audit store unreachable') : undefined);
    trace.end(status);
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: answer.result }));
  });
  return { url: await listen(server), server };
}

async function callTool(url: string, name: string, headers: Record<string, string>, meta?: Record<string, unknown>): Promise<void> {
  const params: Record<string, unknown> = { name, arguments: { customer_id: 'C-42' } };
  if (meta !== undefined) params._meta = meta;
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params }) });
  await response.json();
}

for (const protocol of ['http/json', 'http/protobuf'] as const) describe(`tracing on, exported over OTLP/HTTP (${protocol})`, () => {
  let receiver: OtlpReceiver;
  let gatewayTracing: GatewayTracing;
  let backendTracing: GatewayTracing;
  let backend: Awaited<ReturnType<typeof startBackend>>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;

  before(async () => {
    receiver = await startOtlpReceiver();
    gatewayTracing = await createTracing({ isEnabled: true, protocol, endpoint: receiver.url, serviceInstanceId: 'gw-test', exportDelayMs: 50 });
    backendTracing = await createTracing({ isEnabled: true, protocol, endpoint: receiver.url, serviceName: 'crm-backend', exportDelayMs: 50 });
    backend = await startBackend(backendTracing);
    gateway = await startGateway(gatewayTracing, backend.url);
  });
  after(async () => {
    await Promise.all([close(gateway.server), close(backend.server)]);
    await Promise.all([gatewayTracing.shutdown(), backendTracing.shutdown()]);
    await receiver.close();
  });

  async function spansOf(traceId: string): Promise<ReceivedSpan[]> {
    await Promise.all([gatewayTracing.forceFlush(), backendTracing.forceFlush()]);
    return receiver.spans.filter((span) => span.traceId === traceId);
  }

  it('continues the client\'s trace through the gateway into the backend as one span tree', async () => {
    await callTool(gateway.url, 'crm__get_customer', { traceparent: CLIENT_TRACEPARENT, baggage: 'tenant=acme' });
    const spans = await spansOf(CLIENT_TRACE_ID);
    const byName = (service: string, name: string) => spans.find((span) => span.resource['service.name'] === service && span.name === name);

    const message = byName('gatehouse', 'tools/call crm__get_customer');
    const policy = byName('gatehouse', 'policy chain');
    const backendCall = byName('gatehouse', 'tools/call get_customer');
    const audit = byName('gatehouse', 'audit write');
    const backendServer = byName('crm-backend', 'tools/call get_customer');
    assert.ok(message && policy && backendCall && audit && backendServer, `spans received: ${spans.map((span) => span.name).join(', ')}`);

    assert.equal(message.kind, SPAN_KIND.server);
    assert.equal(message.parentSpanId, CLIENT_SPAN_ID, 'the message span is a child of the client span');
    for (const child of [policy, backendCall, audit]) assert.equal(child.parentSpanId, message.spanId, `${child.name} is a child of the message span`);
    assert.equal(backendCall.kind, SPAN_KIND.client);
    assert.equal(backendServer.kind, SPAN_KIND.server);
    assert.equal(backendServer.parentSpanId, backendCall.spanId, 'the backend continues from the gateway\'s backend-call span');

    assert.deepEqual(
      { ...message.attributes },
      {
        'mcp.method.name': 'tools/call',
        'network.transport': 'tcp',
        'network.protocol.name': 'http',
        'jsonrpc.request.id': '1',
        'mcp.protocol.version': '2026-07-28',
        'mcp.session.id': 'sess-1',
        'gen_ai.tool.name': 'crm__get_customer',
        'gen_ai.operation.name': 'execute_tool',
        'gatehouse.backend': 'crm',
        'gatehouse.status': 'success',
      },
    );
    assert.equal(backendCall.attributes['gen_ai.tool.name'], 'get_customer');
    assert.equal(backendCall.attributes['gatehouse.backend'], 'crm');
    assert.deepEqual(
      policy.events.map((event) => [event.attributes['gatehouse.policy.name'], event.attributes['gatehouse.policy.decision']]),
      [
        ['scope_check', 'allow'],
        ['rate_limit', 'allow'],
      ],
    );
    assert.equal(message.resource['service.instance.id'], 'gw-test');
    const contentType = protocol === 'http/json' ? 'application/json' : 'application/x-protobuf';
    assert.ok(receiver.contentTypes.every((type) => type.startsWith(contentType)), `exported as ${contentType}`);

    assert.ok(message.startNanos <= backendCall.startNanos && backendCall.endNanos <= message.endNanos, 'the backend call lies within the message span');
    const nowNanos = BigInt(Date.now()) * 1_000_000n;
    assert.ok(nowNanos - message.startNanos < 60_000_000_000n && message.startNanos <= nowNanos, 'times are Unix epoch nanoseconds');
    assert.equal(message.flags, 0x301, 'sampled, with a remote parent (the client)');
    assert.equal(backendCall.flags, 0x101, 'sampled, with a local parent');

    const saw = backend.saw.at(-1)!;
    const expectedTraceparent = `00-${CLIENT_TRACE_ID}-${backendCall.spanId}-01`;
    assert.equal(saw.headers.traceparent, expectedTraceparent, 'traceparent header names the backend-call span');
    assert.equal(saw.meta?.traceparent, expectedTraceparent, '_meta carries the same traceparent');
    assert.equal(saw.headers.baggage, 'tenant=acme', 'baggage travels on');
    assert.equal(saw.meta?.baggage, 'tenant=acme');
  });

  it('prefers the trace context in _meta over the HTTP headers', async () => {
    const metaTraceId = 'aaaabbbbccccddddeeeeffff00001111';
    await callTool(gateway.url, 'crm__get_customer', { traceparent: CLIENT_TRACEPARENT }, { traceparent: `00-${metaTraceId}-1111222233334444-01`, tracestate: 'vendor=1' });
    const spans = await spansOf(metaTraceId);
    const message = spans.find((span) => span.name === 'tools/call crm__get_customer' && span.resource['service.name'] === 'gatehouse');
    assert.equal(message?.parentSpanId, '1111222233334444');
    const saw = backend.saw.at(-1)!;
    assert.equal(saw.meta?.tracestate, 'vendor=1', 'tracestate from _meta travels on');
    assert.match(String(saw.meta?.traceparent), new RegExp(`^00-${metaTraceId}-`));
  });

  it('starts a new trace when the client sends none', async () => {
    await callTool(gateway.url, 'crm__get_customer', {});
    const saw = backend.saw.at(-1)!;
    const traceId = String(saw.headers.traceparent).split('-')[1]!;
    assert.notEqual(traceId, CLIENT_TRACE_ID);
    const spans = await spansOf(traceId);
    const message = spans.find((span) => span.name === 'tools/call crm__get_customer' && span.resource['service.name'] === 'gatehouse');
    assert.equal(message?.parentSpanId, undefined, 'a root span');
    assert.equal(spans.length, 5);
  });

  it('marks a failed tool call with error.type tool_error and a failed audit write with its error', async () => {
    const traceId = 'ffffeeeeddddccccbbbbaaaa99998888';
    await callTool(gateway.url, 'crm__broken', { traceparent: `00-${traceId}-${CLIENT_SPAN_ID}-01` });
    const spans = await spansOf(traceId);
    const message = spans.find((span) => span.name === 'tools/call crm__broken')!;
    assert.equal(message.attributes['error.type'], 'tool_error');
    assert.equal(message.attributes['rpc.response.status_code'], undefined, 'a tool error is a successful JSON-RPC response');
    assert.equal(message.statusCode, 2);
    const audit = spans.find((span) => span.name === 'audit write')!;
    assert.equal(audit.statusCode, 2);
    assert.equal(audit.attributes['error.type'], 'Error');
    assert.equal(audit.events[0]?.name, 'exception');
  });

  it('records a JSON-RPC error by its code and the policy that denied', async () => {
    const trace = gatewayTracing.startMessage({ method: 'tools/call', id: 'r-9', params: { name: 'crm__delete_customer' } }, { traceparent: `00-${'12'.repeat(16)}-${CLIENT_SPAN_ID}-01` });
    trace.startPolicyChain().end([{ policy: 'tool_allowlist', decision: 'deny' }]);
    trace.end('denied', -32012);
    const spans = await spansOf('12'.repeat(16));
    const message = spans.find((span) => span.kind === SPAN_KIND.server)!;
    assert.equal(message.attributes['error.type'], '-32012');
    assert.equal(message.attributes['rpc.response.status_code'], '-32012');
    assert.equal(message.attributes['jsonrpc.request.id'], 'r-9');
    const policy = spans.find((span) => span.name === 'policy chain')!;
    assert.equal(policy.attributes['gatehouse.policy.denied_by'], 'tool_allowlist');
  });

  it('names a backend that could not answer by its BackendError code', async () => {
    const traceId = '34'.repeat(16);
    const trace = gatewayTracing.startMessage({ method: 'tools/call', id: 3, params: { name: 'crm__get_customer' } }, { traceparent: `00-${traceId}-${CLIENT_SPAN_ID}-01` });
    const call = trace.startBackendCall('crm', 'tools/call', 'get_customer', 'stdio');
    call.end('error', 'backend_unavailable');
    trace.end('error', 'backend_unavailable');
    const spans = await spansOf(traceId);
    const backendCall = spans.find((span) => span.kind === SPAN_KIND.client)!;
    assert.equal(backendCall.attributes['error.type'], 'backend_unavailable');
    assert.equal(backendCall.attributes['network.transport'], 'pipe');
    assert.equal(backendCall.attributes['rpc.response.status_code'], undefined);
    assert.equal(spans.find((span) => span.kind === SPAN_KIND.server)!.attributes['error.type'], 'backend_unavailable');
  });

  it('gives the audit record the trace id of the message', () => {
    const trace = gatewayTracing.startMessage({ method: 'ping', id: 1 }, { traceparent: CLIENT_TRACEPARENT });
    assert.equal(trace.traceId, CLIENT_TRACE_ID);
    assert.equal(trace.isRecording, true);
    trace.end('success');
  });
});

describe('tracing sampling', () => {
  it('records nothing at ratio 0 for new traces but still hands the backend a trace context', async () => {
    const receiver = await startOtlpReceiver();
    const tracing = await createTracing({ isEnabled: true, protocol: 'http/json', endpoint: receiver.url, samplingRatio: 0 });
    try {
      const trace = tracing.startMessage({ method: 'tools/call', id: 1, params: { name: 'crm__get_customer' } }, {});
      assert.equal(trace.isRecording, false);
      const headers = trace.startBackendCall('crm', 'tools/call', 'get_customer', 'http').injectHeaders(undefined);
      assert.match(headers?.traceparent ?? '', new RegExp(`^00-${trace.traceId}-[0-9a-f]{16}-00$`), 'unsampled flag');
      trace.end('success');

      const followed = tracing.startMessage({ method: 'tools/call', id: 2, params: { name: 'crm__get_customer' } }, { traceparent: CLIENT_TRACEPARENT });
      assert.equal(followed.isRecording, true, 'the client sampled it, so the gateway records it');
      followed.end('success');
      await tracing.forceFlush();
      assert.deepEqual(receiver.spans.map((span) => span.traceId), [CLIENT_TRACE_ID]);
    } finally {
      await tracing.shutdown();
      await receiver.close();
    }
  });

  it('exports OTLP protobuf by default', async () => {
    const receiver = await startOtlpReceiver();
    const tracing = await createTracing({ isEnabled: true, endpoint: receiver.url });
    try {
      const trace = tracing.startMessage({ method: 'tools/call', id: 1, params: { name: 'crm__get_customer' } }, { traceparent: CLIENT_TRACEPARENT });
      trace.end('success');
      await tracing.forceFlush();
      assert.deepEqual(receiver.contentTypes, ['application/x-protobuf']);
      const body = receiver.protobufBodies[0]!;
      assert.ok(body.includes(Buffer.from(CLIENT_TRACE_ID, 'hex')), 'the trace id travels as its 16 bytes');
      assert.ok(body.includes(Buffer.from('tools/call crm__get_customer')), 'the span name is in the export');
    } finally {
      await tracing.shutdown();
      await receiver.close();
    }
  });

  it('does not fail shutdown when the collector cannot be reached, and reports why', async () => {
    const errors: unknown[] = [];
    const tracing = await createTracing({ isEnabled: true, endpoint: 'http://127.0.0.1:9/v1/traces', shutdownTimeoutMs: 200, exportTimeoutMs: 300, onExportError: (error) => errors.push(error) });
    tracing.startMessage({ method: 'ping', id: 1 }, { traceparent: CLIENT_TRACEPARENT }).end('success');
    await tracing.shutdown();
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]), /ECONNREFUSED|within 200 ms/);
  });

  it('waits in forceFlush for a batch the export timer already sent', async () => {
    // A collector that takes 200 ms to read each export, so the timer's batch is still in flight.
    let received = 0;
    const slow = createServer((request, response) => {
      setTimeout(() => {
        request.resume();
        request.on('end', () => {
          received++;
          response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
        });
      }, 200);
    });
    const url = await listen(slow);
    const tracing = await createTracing({ isEnabled: true, endpoint: `${url}/v1/traces`, exportDelayMs: 1 });
    try {
      tracing.startMessage({ method: 'ping', id: 1 }, { traceparent: CLIENT_TRACEPARENT }).end('success');
      await new Promise((resolve) => setTimeout(resolve, 50));
      await tracing.forceFlush();
      assert.equal(received, 1);
    } finally {
      await tracing.shutdown();
      await close(slow);
    }
  });

  it('drops spans past the queue bound, never the message, and says so once', async () => {
    const errors: unknown[] = [];
    // A long export delay: nothing leaves the queue during the test.
    const tracing = await createTracing({ isEnabled: true, endpoint: 'http://127.0.0.1:9/v1/traces', maxQueueSize: 2, exportDelayMs: 60_000, shutdownTimeoutMs: 100, onExportError: (error) => errors.push(error) });
    try {
      for (let id = 1; id <= 5; id++) {
        const trace = tracing.startMessage({ method: 'ping', id }, { traceparent: CLIENT_TRACEPARENT });
        assert.equal(trace.isRecording, true);
        trace.end('success');
      }
      assert.equal(errors.length, 1);
      assert.match(String(errors[0]), /queue is full \(2 spans waiting for http:\/\/127\.0\.0\.1:9\); new spans are dropped/);
      assert.equal((errors[0] as { code?: string }).code, 'trace_export_failed');
    } finally {
      await tracing.shutdown();
    }
  });

  it('refuses an unknown export protocol with a coded error', async () => {
    await assert.rejects(createTracing({ isEnabled: true, protocol: 'grpc' as 'http/json' }), { code: 'tracing_config_invalid' });
  });

  it('refuses a sampling ratio outside 0 to 1 with a coded error', async () => {
    await assert.rejects(createTracing({ isEnabled: true, samplingRatio: 1.5 }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'tracing_config_invalid');
      assert.match(error.message, /between 0 and 1/);
      return true;
    });
  });
});

describe('tracing off', () => {
  it('does not load the OpenTelemetry SDK, which tracing on does', async () => {
    assert.deepEqual(await openTelemetryPackagesLoaded(false), []);
    const whenOn = await openTelemetryPackagesLoaded(true);
    for (const name of ['@opentelemetry/sdk-trace', '@opentelemetry/core', '@opentelemetry/exporter-trace-otlp-proto']) assert.ok(whenOn.includes(name), `${name} loads with tracing on`);
  });

  it('returns one shared no-op for messages without trace context and adds nothing to the backend request', async () => {
    const tracing = await createTracing();
    assert.equal(tracing.isEnabled, false);
    const first = tracing.startMessage({ method: 'tools/call', id: 1, params: { name: 'x' } }, {});
    const second = tracing.startMessage({ method: 'ping', id: 2 }, undefined);
    assert.equal(first, NOOP_MESSAGE_TRACE);
    assert.equal(second, NOOP_MESSAGE_TRACE);
    assert.equal(first.traceId, undefined);
    const headers = { 'content-type': 'application/json' };
    const call = first.startBackendCall('crm', 'tools/call', 'x', 'http');
    assert.equal(call.injectHeaders(headers), headers, 'the same object, unchanged');
    const params: Record<string, unknown> = { name: 'x' };
    call.injectMeta(params);
    assert.deepEqual(params, { name: 'x' });
  });

  it('passes the client\'s trace context on to the backend unchanged', async () => {
    const tracing = await createTracing({ isEnabled: false });
    const trace = tracing.startMessage({ method: 'tools/call', id: 1, params: { name: 'crm__x' } }, { traceparent: CLIENT_TRACEPARENT, tracestate: 'a=1', baggage: 'k=v' });
    assert.equal(trace.traceId, CLIENT_TRACE_ID, 'the audit record still gets the client\'s trace id');
    assert.equal(trace.isRecording, false);
    const call = trace.startBackendCall('crm', 'tools/call', 'x', 'stdio');
    assert.deepEqual(call.injectHeaders({ accept: 'application/json' }), { accept: 'application/json', traceparent: CLIENT_TRACEPARENT, tracestate: 'a=1', baggage: 'k=v' });
    const clientMeta = { 'com.example/flag': true };
    const params: Record<string, unknown> = { name: 'x', _meta: clientMeta };
    call.injectMeta(params);
    assert.deepEqual(params._meta, { 'com.example/flag': true, traceparent: CLIENT_TRACEPARENT, tracestate: 'a=1', baggage: 'k=v' });
    assert.deepEqual(clientMeta, { 'com.example/flag': true }, 'the client\'s _meta object is not changed');
  });

  it('ignores trace context that is not valid W3C', async () => {
    const tracing = await createTracing();
    const trace = tracing.startMessage({ method: 'ping', id: 1, params: { _meta: { traceparent: 42 } } }, { traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' });
    assert.equal(trace, NOOP_MESSAGE_TRACE);
  });
});
