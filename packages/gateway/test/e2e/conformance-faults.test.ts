// The gateway faults the official conformance suite exposed (docs/conformance.md), over
// real HTTP in front of the conformance fixtures of both SDK generations
// (SDK v1 speaking 2025-11-25, SDK v2 speaking 2026-07-28):
//
// - a request that needs a capability the 2026 client did not declare fails
//   with -32021 and HTTP 400, whether the gateway decides it (bridging a
//   2025 backend's request) or the 2026 backend does (relayed);
// - a backend's list changes reach 2026 listen streams;
// - SEP-2243: a header that disagrees with its body is -32020 with 400, even
//   when the header names an unknown method or tool; bad header values are 400;
// - SEP-2106: a tool's JSON Schema 2020-12 keywords reach the client untouched.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startConformanceHttp } from '@gatehouse/testing/backends/conformance-server';
import { startConformanceV2Http } from '@gatehouse/testing/backends/conformance-v2-server';
import { jsonSchema2020Tool } from '@gatehouse/testing/backends/conformance-catalog';
import type { RunningBackend } from '@gatehouse/testing/backends/node-http';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { gatewayConfig, httpBackend } from '../fixtures/gateway-config.ts';
import { initializeLegacy, modernMeta, modernRequest, post } from '../fixtures/raw-http.ts';
import { messageOf, readEvents } from '../fixtures/sse.ts';

let v1: RunningBackend;
let v2: RunningBackend;
let gateway: RunningGateway;
let base: string;

const endpointOf = (backend: 'v1' | 'v2') => `${base}/servers/${backend}/mcp`;

before(async () => {
  v1 = await startConformanceHttp({ port: 0, host: '127.0.0.1' });
  v2 = await startConformanceV2Http({ port: 0, host: '127.0.0.1' });
  gateway = await startGateway(gatewayConfig([httpBackend('v1', v1.url), httpBackend('v2', v2.url)]), { logger: silentLogger, hasAdmin: false });
  base = gateway.url.replace(/\/mcp$/, '');
});

after(async () => {
  await gateway?.close();
  await Promise.allSettled([v1?.close(), v2?.close()]);
});

describe('MissingRequiredClientCapability (-32021) reaches a 2026 client with HTTP 400', () => {
  for (const backend of ['v1', 'v2'] as const) {
    const how = backend === 'v1' ? 'decided by the gateway bridging a 2025 backend' : 'relayed from a 2026 backend';
    it(`${how}`, async () => {
      const call = modernRequest(1, 'tools/call', { name: 'test_missing_capability', arguments: {} });
      const response = await post(endpointOf(backend), call.body, call.headers);
      assert.equal(response.status, 400, response.text);
      assert.equal(response.body.id, 1);
      assert.equal(response.body.error.code, -32021, response.text);
      assert.deepEqual(response.body.error.data?.requiredCapabilities?.sampling, {}, response.text);

      // The refused call left nothing behind: the backend serves the next call at once.
      const next = modernRequest(2, 'tools/call', { name: 'test_simple_text', arguments: {} });
      const served = await post(endpointOf(backend), next.body, next.headers);
      assert.equal(served.status, 200, served.text);
      assert.equal(served.body.result.content[0].text, 'This is a simple text response for testing.');
    });
  }

  it('a 2025 client gets the same error inside a 200 response, as its revision reads errors', async () => {
    const sessionId = await initializeLegacy(endpointOf('v2'));
    const response = await post(
      endpointOf('v2'),
      { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'test_missing_capability', arguments: {} } },
      { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
    );
    assert.equal(response.status, 200, response.text);
    const message = response.body ?? JSON.parse(/^data: (.*)$/m.exec(response.text)?.[1] ?? '{}');
    assert.equal(message.error?.code, -32021, response.text);
  });

  it('a client that declared the capability is asked instead (input_required, HTTP 200)', async () => {
    const call = modernRequest(3, 'tools/call', { name: 'test_missing_capability', arguments: {} });
    (call.body.params as Record<string, any>)._meta = modernMeta({ 'io.modelcontextprotocol/clientCapabilities': { sampling: {} } });
    const response = await post(endpointOf('v1'), call.body, call.headers);
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.result.resultType, 'input_required');
    const [request] = Object.values(response.body.result.inputRequests) as Array<{ method: string }>;
    assert.equal(request?.method, 'sampling/createMessage');
  });
});

describe('list changes reach 2026 listen streams', () => {
  for (const backend of ['v1', 'v2'] as const) {
    it(`tools/list_changed from the ${backend === 'v1' ? '2025' : '2026'} backend`, async () => {
      const listen = modernRequest(10, 'subscriptions/listen', { notifications: { toolsListChanged: true } });
      const controller = new AbortController();
      const stream = await fetch(endpointOf(backend), {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...listen.headers },
        body: JSON.stringify(listen.body),
        signal: controller.signal,
      });
      assert.equal(stream.status, 200);
      try {
        let hasTriggered = false;
        const events = await readEvents(stream, (seen) => {
          const methods = seen.map((event) => messageOf(event)?.method);
          if (!hasTriggered && methods.includes('notifications/subscriptions/acknowledged')) {
            hasTriggered = true;
            const trigger = modernRequest(11, 'tools/call', { name: 'test_trigger_tool_change', arguments: {} });
            void post(endpointOf(backend), trigger.body, trigger.headers);
          }
          return methods.includes('notifications/tools/list_changed');
        });
        const methods = events.map((event) => messageOf(event)?.method);
        assert.equal(methods[0], 'notifications/subscriptions/acknowledged');
        assert.ok(methods.includes('notifications/tools/list_changed'), `listen stream carried ${JSON.stringify(methods)}`);
      } finally {
        controller.abort();
      }
    });
  }
});

describe('SEP-2243: headers that disagree with the body are 400 / -32020', () => {
  it('an Mcp-Name naming an unknown tool while the body names a known one', async () => {
    const call = modernRequest(20, 'tools/call', { name: 'test_simple_text', arguments: {} });
    const response = await post(endpointOf('v2'), call.body, { ...call.headers, 'mcp-name': 'wrong_tool_name' });
    assert.equal(response.status, 400, response.text);
    assert.equal(response.body.error.code, -32020);
    assert.equal(response.body.id, 20);
  });

  it('an Mcp-Method in the wrong case (values are case-sensitive)', async () => {
    const call = modernRequest(21, 'tools/list');
    const response = await post(endpointOf('v1'), call.body, { ...call.headers, 'mcp-method': 'TOOLS/LIST' });
    assert.equal(response.status, 400, response.text);
    assert.equal(response.body.error.code, -32020);
  });

  it('an Mcp-Name that is no valid header value or Base64 sentinel', async () => {
    const call = modernRequest(22, 'tools/call', { name: 'test_simple_text', arguments: {} });
    const response = await post(endpointOf('v2'), call.body, { ...call.headers, 'mcp-name': '=?base64?SGVs!!!bG8=?=' });
    assert.equal(response.status, 400, response.text);
    assert.equal(response.body.error.code, -32020);
  });

  for (const [label, value] of [['bad Base64 padding', '=?base64?SGVsbG8?='], ['non-alphabet Base64', '=?base64?SGVs!!!bG8=?=']] as const) {
    it(`an Mcp-Param-* header with ${label}`, async () => {
      const call = modernRequest(23, 'tools/call', { name: 'test_header_param', arguments: { region: 'Hello' } });
      const response = await post(endpointOf('v1'), call.body, { ...call.headers, 'mcp-param-region': value });
      assert.equal(response.status, 400, response.text);
      assert.equal(response.body.error.code, -32020);
    });
  }

  it('a custom header omitted while the body sets its argument', async () => {
    const call = modernRequest(24, 'tools/call', { name: 'test_header_param', arguments: { region: 'Hello' } });
    const response = await post(endpointOf('v2'), call.body, call.headers);
    assert.equal(response.status, 400, response.text);
    assert.equal(response.body.error.code, -32020);
  });

  it('headers that agree with the body still get the plain refusals: unknown tool -32602, unknown method 404', async () => {
    const unknownTool = modernRequest(25, 'tools/call', { name: 'no_such_tool', arguments: {} });
    const refused = await post(endpointOf('v2'), unknownTool.body, unknownTool.headers);
    assert.equal(refused.body.error.code, -32602, refused.text);
    const unknownMethod = modernRequest(26, 'no/such-method');
    const missing = await post(endpointOf('v2'), unknownMethod.body, unknownMethod.headers);
    assert.equal(missing.status, 404, missing.text);
    assert.equal(missing.body.error.code, -32601);
  });
});

describe('SEP-2106: JSON Schema 2020-12 keywords pass through untouched', () => {
  const listedSchema = (tools: Array<{ name: string; inputSchema: unknown }>, name: string) => tools.find((tool) => tool.name === name)?.inputSchema;

  for (const backend of ['v1', 'v2'] as const) {
    it(`to a 2026 client, from the ${backend} backend, on its endpoint and federated on /mcp`, async () => {
      const list = modernRequest(30, 'tools/list');
      const own = await post(endpointOf(backend), list.body, list.headers);
      assert.deepEqual(listedSchema(own.body.result.tools, jsonSchema2020Tool.name), jsonSchema2020Tool.inputSchema);
      const federated = await post(gateway.url, list.body, list.headers);
      assert.deepEqual(listedSchema(federated.body.result.tools, `${backend}__${jsonSchema2020Tool.name}`), jsonSchema2020Tool.inputSchema);
    });

    it(`to a 2025 client, from the ${backend} backend`, async () => {
      const sessionId = await initializeLegacy(endpointOf(backend));
      const listed = await post(endpointOf(backend), { jsonrpc: '2.0', id: 31, method: 'tools/list' }, { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' });
      assert.deepEqual(listedSchema(listed.body.result.tools, jsonSchema2020Tool.name), jsonSchema2020Tool.inputSchema);
    });
  }
});
