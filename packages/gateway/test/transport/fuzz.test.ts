// Property-based: arbitrary bytes, JSON values and JSON-RPC-like shapes thrown
// at the HTTP edge, with and without 2025 sessions and 2026 headers. The
// gateway must always answer, with a well-formed answer, and keep serving.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { stdioCommand } from '@gatehouse/testing/backends/launch';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { gatewayConfig, stdioBackend } from '../fixtures/gateway-config.ts';
import { initializeLegacy, modernMeta, post, type RawResponse } from '../fixtures/raw-http.ts';

const v2Script = fileURLToPath(import.meta.resolve('@gatehouse/testing/backends/v2-server'));
const RUNS = 120;

function assertWellFormed(response: RawResponse): void {
  assert.ok(response.status >= 200 && response.status < 500, `status ${response.status}: ${response.text}`);
  if (response.status === 202) return assert.equal(response.text, '');
  assert.equal(response.headers.get('content-type'), 'application/json', response.text);
  assert.equal(response.body?.jsonrpc, '2.0', response.text);
  assert.ok('result' in response.body || ('error' in response.body && typeof response.body.error.code === 'number' && typeof response.body.error.message === 'string'), response.text);
}

const method = fc.oneof(
  fc.constantFrom('initialize', 'ping', 'tools/list', 'tools/call', 'resources/read', 'prompts/get', 'completion/complete', 'server/discover', 'logging/setLevel', 'notifications/initialized'),
  fc.string({ maxLength: 20 }),
);
const jsonRpcLike = fc.record(
  {
    jsonrpc: fc.oneof(fc.constant('2.0'), fc.jsonValue()),
    id: fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.constant(null), fc.jsonValue()),
    method: fc.oneof(method, fc.jsonValue()),
    params: fc.oneof(fc.dictionary(fc.constantFrom('name', 'uri', 'arguments', 'cursor', 'ref', 'level', 'protocolVersion', 'capabilities'), fc.jsonValue()), fc.jsonValue()),
    result: fc.jsonValue(),
    error: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

describe('transport under arbitrary input (property-based)', () => {
  let gateway: RunningGateway;
  let url: string;
  let session: string;

  before(async () => {
    const command = stdioCommand(v2Script);
    gateway = await startGateway(gatewayConfig([stdioBackend('v2', command.command, command.args)]), { logger: silentLogger, hasAdmin: false });
    url = gateway.url;
    session = await initializeLegacy(url);
  });
  after(() => gateway?.close());

  it('answers arbitrary bytes with a well-formed response', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), async (bytes) => assertWellFormed(await post(url, Buffer.from(bytes).toString('latin1')))), { numRuns: RUNS });
  });

  it('answers arbitrary JSON values with a well-formed response', async () => {
    await fc.assert(fc.asyncProperty(fc.jsonValue(), async (value) => assertWellFormed(await post(url, JSON.stringify(value)))), { numRuns: RUNS });
  });

  it('answers JSON-RPC-like shapes inside a 2025 session with a well-formed response', async () => {
    await fc.assert(fc.asyncProperty(jsonRpcLike, async (message) => assertWellFormed(await post(url, message, { 'mcp-session-id': session }))), { numRuns: RUNS });
  });

  it('answers JSON-RPC-like shapes with 2026 headers and envelope with a well-formed response', async () => {
    await fc.assert(
      fc.asyncProperty(jsonRpcLike, method, fc.option(fc.string({ maxLength: 30 })), async (message, headerMethod, name) => {
        const params = typeof message.params === 'object' && message.params !== null && !Array.isArray(message.params) ? { ...message.params, _meta: modernMeta() } : message.params;
        const headers: Record<string, string> = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': headerMethod.replace(/[^\x21-\x7e]/g, '') || 'x' };
        if (name !== null) headers['mcp-name'] = name.replace(/[^\x21-\x7e]/g, '') || 'x';
        assertWellFormed(await post(url, { ...message, params }, headers));
      }),
      { numRuns: RUNS },
    );
  });

  it('still serves a normal request afterwards', async () => {
    const response = await post(url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { 'mcp-session-id': session });
    assert.ok(response.body.result.tools.length > 0);
  });
});
