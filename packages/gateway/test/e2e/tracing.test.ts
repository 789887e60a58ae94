// Traces from the client's request to the backend's work: a real OTLP/HTTP
// receiver gets the gateway's span tree for a tool call, and the backend
// receives the same trace in its HTTP headers and in `_meta`, continuing the
// trace context the client sent.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { createTracing, type GatewayTracing } from '../../src/telemetry/tracing.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { gatewayConfig, httpBackend } from '../fixtures/gateway-config.ts';
import { modernRequest, post } from '../fixtures/raw-http.ts';
import { startOtlpReceiver, SPAN_KIND, type OtlpReceiver } from '../telemetry/otlp-receiver.ts';
import type { RecordingServer } from '../upstream/fixtures/recording-server.ts';
import { startModernEchoBackend } from '../fixtures/modern-echo-backend.ts';

const CLIENT_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_PARENT = `00-${CLIENT_TRACE_ID}-00f067aa0ba902b7-01`;


describe('tracing through the gateway', () => {
  let receiver: OtlpReceiver;
  let backend: RecordingServer;
  let tracing: GatewayTracing;
  let gateway: RunningGateway;

  before(async () => {
    receiver = await startOtlpReceiver();
    backend = await startModernEchoBackend();
    tracing = await createTracing({ isEnabled: true, protocol: 'http/json', endpoint: receiver.url, exportDelayMs: 50 });
    gateway = await startGateway(gatewayConfig([httpBackend('crm', backend.url)]), { logger: silentLogger, hasAdmin: false, tracing });
  });
  after(async () => {
    await gateway?.close();
    await backend?.close();
    await receiver?.close();
  });

  it('continues the client\'s trace through the gateway to the backend, with a backend span', async () => {
    const { body, headers } = modernRequest(1, 'tools/call', { name: 'crm__echo', arguments: { message: 'traced' } });
    const response = await post(gateway.url, body, { ...headers, traceparent: CLIENT_PARENT });
    assert.equal(response.body.result.content[0].text, 'traced');
    await tracing.forceFlush();

    const spans = receiver.spans.filter((span) => span.traceId === CLIENT_TRACE_ID);
    const server = spans.find((span) => span.kind === SPAN_KIND.server);
    const client = spans.find((span) => span.kind === SPAN_KIND.client);
    assert.ok(server !== undefined, `a server span for the message: ${JSON.stringify(receiver.spans.map((span) => span.name))}`);
    assert.ok(client !== undefined, 'a client span for the backend call');
    assert.equal(server.parentSpanId, '00f067aa0ba902b7', 'the message span continues the client\'s span');
    assert.equal(client.parentSpanId, server.spanId, 'the backend call is a child of the message span');

    const call = backend.requests.find((request) => request.body?.method === 'tools/call');
    assert.ok(call !== undefined);
    const forwardedHeader = String(call.headers.traceparent);
    assert.ok(forwardedHeader.includes(CLIENT_TRACE_ID), `traceparent header carries the trace: ${forwardedHeader}`);
    assert.ok(forwardedHeader.includes(client.spanId), 'and names the backend call span as parent');
    assert.equal(call.body.params._meta.traceparent, forwardedHeader, '_meta carries the same context (2026-07-28)');
  });
});

describe('tracing the policy chain and the audit write', () => {
  let receiver: OtlpReceiver;
  let backend: RecordingServer;
  let tracing: GatewayTracing;
  let gateway: RunningGateway;
  let directory: string;

  before(async () => {
    receiver = await startOtlpReceiver();
    backend = await startModernEchoBackend();
    tracing = await createTracing({ isEnabled: true, protocol: 'http/protobuf', endpoint: receiver.url, exportDelayMs: 50 });
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-tracing-e2e-'));
    const configPath = join(directory, 'gatehouse.yaml');
    await writeFile(configPath, [
      'gateway:', '  port: 0', '  admin_port: 0',
      'audit:', '  store: sqlite', '  path: audit.db',
      'policies:', '  - name: argument_validation', '    type: argument_validation', '    settings: {}',
      'backends:', '  - name: crm', `    url: ${backend.url}`, '',
    ].join('\n'));
    const loaded = await loadConfig(configPath);
    gateway = await startGateway(loaded.config, { logger: silentLogger, hasAdmin: false, configPath, tracing });
  });
  after(async () => {
    await gateway?.close();
    await backend?.close();
    await receiver?.close();
    if (directory !== undefined) await rm(directory, { recursive: true, force: true });
  });

  it('gives a tool call children for the policy chain and the audit write under its message span', async () => {
    const { body, headers } = modernRequest(2, 'tools/call', { name: 'crm__echo', arguments: { message: 'policed' } });
    const response = await post(gateway.url, body, { ...headers, traceparent: CLIENT_PARENT });
    assert.equal(response.body.result.content[0].text, 'policed');
    await tracing.forceFlush();

    const spans = receiver.spans.filter((span) => span.traceId === CLIENT_TRACE_ID);
    const server = spans.find((span) => span.kind === SPAN_KIND.server);
    assert.ok(server !== undefined, `a server span: ${JSON.stringify(spans.map((span) => span.name))}`);
    const children = spans.filter((span) => span.parentSpanId === server.spanId).map((span) => span.name);
    assert.ok(children.includes('policy chain'), `a policy chain span under the message: ${JSON.stringify(children)}`);
    assert.ok(children.includes('audit write'), `an audit write span under the message: ${JSON.stringify(children)}`);
  });
});
