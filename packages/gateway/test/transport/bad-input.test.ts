// Every kind of bad input at the HTTP edge, for both revision families: the
// right status, the right JSON-RPC code and a message that says what was
// wrong. Raw HTTP, because no SDK client would send these.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { stdioCommand } from '@gatehouse/testing/backends/launch';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { gatewayConfig, stdioBackend } from '../fixtures/gateway-config.ts';
import { initializeLegacy, modernRequest, post, read } from '../fixtures/raw-http.ts';

const v2Script = fileURLToPath(import.meta.resolve('@gatehouse/testing/backends/v2-server'));

describe('bad input at the transport', () => {
  let gateway: RunningGateway;
  let url: string;

  before(async () => {
    const command = stdioCommand(v2Script);
    gateway = await startGateway(gatewayConfig([stdioBackend('v2', command.command, command.args)], { maxMessageSizeBytes: 64 * 1024 }), { logger: silentLogger, hasAdmin: false });
    url = gateway.url;
  });
  after(() => gateway?.close());

  describe('for every revision', () => {
    it('answers malformed JSON with 400 and -32700', async () => {
      const response = await post(url, '{"jsonrpc": "2.0", "id": 1, "method": ');
      assert.equal(response.status, 400);
      assert.equal(response.body.error.code, -32700);
      assert.match(response.body.error.message, /not valid JSON/);
    });

    it('answers a JSON-RPC batch with 400 and -32600 saying batches are not supported', async () => {
      const response = await post(url, [{ jsonrpc: '2.0', id: 1, method: 'ping' }]);
      assert.equal(response.status, 400);
      assert.equal(response.body.error.code, -32600);
      assert.match(response.body.error.message, /batch/i);
    });

    const shapes: Array<[string, unknown, RegExp]> = [
      ['a wrong jsonrpc version', { jsonrpc: '1.0', id: 1, method: 'initialize' }, /"2\.0"/],
      ['a numeric method', { jsonrpc: '2.0', id: 1, method: 7 }, /method/],
      ['array params', { jsonrpc: '2.0', id: 1, method: 'initialize', params: [1] }, /params/],
      ['a null id', { jsonrpc: '2.0', id: null, method: 'initialize', params: {} }, /id/],
      ['a bare string', '"hello"', /object/],
    ];
    for (const [label, body, message] of shapes) {
      it(`answers ${label} with 400 and -32600`, async () => {
        const response = await post(url, body);
        assert.equal(response.status, 400);
        assert.equal(response.body.error.code, -32600);
        assert.match(response.body.error.message, message);
      });
    }

    it('refuses a body over max_message_size_bytes with 413', async () => {
      const response = await post(url, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { padding: 'x'.repeat(70 * 1024) } });
      assert.equal(response.status, 413);
      assert.match(response.body.error.message, /max_message_size_bytes/);
    });

    it('refuses a foreign Origin with 403 (DNS rebinding protection)', async () => {
      const response = await post(url, { jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }, { origin: 'http://evil.example' });
      assert.equal(response.status, 403);
    });

    it('refuses a POST whose Accept lacks text/event-stream with 406', async () => {
      const response = await post(url, { jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }, { accept: 'application/json' });
      assert.equal(response.status, 406);
    });

    it('refuses a non-JSON content type with 415', async () => {
      const response = await post(url, 'x=1', { 'content-type': 'application/x-www-form-urlencoded' });
      assert.equal(response.status, 415);
    });

    it('answers PUT with 405 and an Allow header', async () => {
      const response = await read(await fetch(url, { method: 'PUT' }));
      assert.equal(response.status, 405);
      assert.match(response.headers.get('allow') ?? '', /POST/);
    });

    it('answers an unknown path with 404 naming the endpoint', async () => {
      const response = await read(await fetch(url.replace('/mcp', '/nope'), { method: 'POST' }));
      assert.equal(response.status, 404);
      assert.match(response.body.error.message, /\/mcp/);
    });

    it('answers an unknown backend endpoint with 404 naming the backend', async () => {
      const response = await post(url.replace('/mcp', '/servers/ghost/mcp'), { jsonrpc: '2.0', id: 1, method: 'initialize', params: {} });
      assert.equal(response.status, 404);
      assert.match(response.body.error.message, /ghost/);
    });
  });

  describe('2025-era sessions', () => {
    it('requires Mcp-Session-Id after initialize (400)', async () => {
      const response = await post(url, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
      assert.equal(response.status, 400);
      assert.match(response.body.error.message, /Mcp-Session-Id/);
    });

    it('answers an unknown session with 404', async () => {
      const response = await post(url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { 'mcp-session-id': 'no-such-session' });
      assert.equal(response.status, 404);
    });

    it('negotiates down to a version it speaks when the client asks for an unknown one', async () => {
      const response = await post(url, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2099-01-01', capabilities: {}, clientInfo: { name: 'x', version: '1' } } });
      assert.equal(response.status, 200);
      assert.equal(response.body.result.protocolVersion, '2025-11-25');
      assert.ok(response.headers.get('mcp-session-id'));
    });

    it('answers 202 to a notification', async () => {
      const session = await initializeLegacy(url);
      const response = await post(url, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 9 } }, { 'mcp-session-id': session });
      assert.equal(response.status, 202);
      assert.equal(response.text, '');
    });

    it('answers an unknown method with -32601 naming it', async () => {
      const session = await initializeLegacy(url);
      const response = await post(url, { jsonrpc: '2.0', id: 5, method: 'tools/frobnicate' }, { 'mcp-session-id': session });
      assert.equal(response.body.error.code, -32601);
      assert.equal(response.body.id, 5);
      assert.match(response.body.error.message, /tools\/frobnicate/);
    });

    it('answers an unknown tool with -32602 and tells the agent to list tools', async () => {
      const session = await initializeLegacy(url);
      const response = await post(url, { jsonrpc: '2.0', id: 6, method: 'tools/call', params: { name: 'v2__nope', arguments: {} } }, { 'mcp-session-id': session });
      assert.equal(response.body.error.code, -32602);
      assert.match(response.body.error.message, /tools\/list/);
    });

    it('refuses an unsupported MCP-Protocol-Version on a session request with 400', async () => {
      const session = await initializeLegacy(url);
      const response = await post(url, { jsonrpc: '2.0', id: 7, method: 'tools/list' }, { 'mcp-session-id': session, 'mcp-protocol-version': '1999-01-01' });
      assert.equal(response.status, 400);
    });

    it('ends a session on DELETE, after which it is unknown (404)', async () => {
      const session = await initializeLegacy(url);
      const deleted = await read(await fetch(url, { method: 'DELETE', headers: { 'mcp-session-id': session } }));
      assert.equal(deleted.status, 200);
      const after = await post(url, { jsonrpc: '2.0', id: 8, method: 'tools/list' }, { 'mcp-session-id': session });
      assert.equal(after.status, 404);
    });

    it('opens one GET stream per session, with the stream headers, and refuses a second (409)', async () => {
      const session = await initializeLegacy(url);
      const controller = new AbortController();
      const first = await fetch(url, { headers: { accept: 'text/event-stream', 'mcp-session-id': session }, signal: controller.signal });
      assert.equal(first.status, 200);
      assert.equal(first.headers.get('content-type'), 'text/event-stream');
      assert.equal(first.headers.get('x-accel-buffering'), 'no');
      const second = await read(await fetch(url, { headers: { accept: 'text/event-stream', 'mcp-session-id': session } }));
      assert.equal(second.status, 409);
      controller.abort();
    });

    it('refuses a GET stream without Accept: text/event-stream (406)', async () => {
      const session = await initializeLegacy(url);
      const response = await read(await fetch(url, { headers: { accept: 'application/json', 'mcp-session-id': session } }));
      assert.equal(response.status, 406);
    });

    it('does not let a session created on one endpoint be used on another (404)', async () => {
      const session = await initializeLegacy(url.replace('/mcp', '/servers/v2/mcp'));
      const response = await post(url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { 'mcp-session-id': session });
      assert.equal(response.status, 404);
    });
  });

  describe('2026-07-28 stateless requests', () => {
    it('answers server/discover with every supported version and caching hints', async () => {
      const { body, headers } = modernRequest(1, 'server/discover');
      const response = await post(url, body, headers);
      assert.equal(response.status, 200);
      assert.deepEqual(response.body.result.supportedVersions, ['2026-07-28', '2025-11-25', '2025-06-18', '2025-03-26']);
      assert.equal(response.body.result.resultType, 'complete');
      assert.equal(typeof response.body.result.ttlMs, 'number');
      assert.ok(['public', 'private'].includes(response.body.result.cacheScope));
      assert.equal(response.body.result._meta['io.modelcontextprotocol/serverInfo'].name, 'gatehouse');
    });

    it('puts resultType, ttlMs and cacheScope on tools/list', async () => {
      const { body, headers } = modernRequest(2, 'tools/list');
      const response = await post(url, body, headers);
      assert.equal(response.body.result.resultType, 'complete');
      assert.equal(typeof response.body.result.ttlMs, 'number');
      assert.equal(response.body.result.cacheScope, 'public');
      assert.ok(response.body.result.tools.some((tool: { name: string }) => tool.name === 'v2__echo'));
    });

    it('calls a tool and marks the result complete', async () => {
      const { body, headers } = modernRequest(3, 'tools/call', { name: 'v2__echo', arguments: { message: 'hi' } });
      const response = await post(url, body, headers);
      assert.equal(response.body.result.resultType, 'complete');
      assert.equal(response.body.result.content[0].text, 'hi');
    });

    it('accepts an Mcp-Name in the Base64 sentinel form', async () => {
      const { body, headers } = modernRequest(4, 'tools/call', { name: 'v2__echo', arguments: { message: 'encoded' } });
      headers['mcp-name'] = `=?base64?${Buffer.from('v2__echo').toString('base64')}?=`;
      const response = await post(url, body, headers);
      assert.equal(response.body.result.content[0].text, 'encoded');
    });

    it('refuses a missing MCP-Protocol-Version header with 400 HeaderMismatch', async () => {
      const { body } = modernRequest(5, 'tools/list');
      const response = await post(url, body, { 'mcp-method': 'tools/list' });
      assert.equal(response.status, 400);
      assert.equal(response.body.error.code, -32020);
    });

    it('refuses an Mcp-Method that differs from the body with 400 HeaderMismatch', async () => {
      const { body, headers } = modernRequest(6, 'tools/list');
      const response = await post(url, body, { ...headers, 'mcp-method': 'prompts/list' });
      assert.equal(response.status, 400);
      assert.equal(response.body.error.code, -32020);
      assert.match(response.body.error.message, /Mcp-Method/);
    });

    it('refuses an Mcp-Name that differs from the body with 400 HeaderMismatch', async () => {
      const { body, headers } = modernRequest(7, 'tools/call', { name: 'v2__echo', arguments: { message: 'x' } });
      const response = await post(url, body, { ...headers, 'mcp-name': 'v2__multiply' });
      assert.equal(response.status, 400);
      assert.equal(response.body.error.code, -32020);
    });

    it('refuses a tools/call without Mcp-Name with 400 HeaderMismatch', async () => {
      const { body, headers } = modernRequest(8, 'tools/call', { name: 'v2__echo', arguments: {} });
      delete headers['mcp-name'];
      const response = await post(url, body, headers);
      assert.equal(response.status, 400);
      assert.equal(response.body.error.code, -32020);
    });

    it('refuses an unsupported version with 400 UnsupportedProtocolVersion listing the supported ones', async () => {
      const { body, headers } = modernRequest(9, 'tools/list');
      const response = await post(url, body, { ...headers, 'mcp-protocol-version': '1900-01-01' });
      assert.equal(response.status, 400);
      assert.equal(response.body.error.code, -32022);
      assert.deepEqual(response.body.error.data.requested, '1900-01-01');
      assert.ok(response.body.error.data.supported.includes('2026-07-28'));
    });

    it('refuses a request without clientCapabilities in _meta with 400 and -32602', async () => {
      const { body, headers } = modernRequest(10, 'tools/list');
      delete (body.params as { _meta: Record<string, unknown> })._meta['io.modelcontextprotocol/clientCapabilities'];
      const response = await post(url, body, headers);
      assert.equal(response.status, 400);
      assert.equal(response.body.error.code, -32602);
    });

    it('answers an unknown method, and the removed ping, with 404 and -32601', async () => {
      for (const method of ['tools/frobnicate', 'ping']) {
        const { body, headers } = modernRequest(11, method);
        const response = await post(url, body, headers);
        assert.equal(response.status, 404, method);
        assert.equal(response.body.error.code, -32601);
        assert.equal(response.body.id, 11);
      }
    });

    it('answers an unknown tool named in Mcp-Name before forwarding anything', async () => {
      const { body, headers } = modernRequest(12, 'tools/call', { name: 'v2__nope', arguments: {} });
      const response = await post(url, body, headers);
      assert.equal(response.body.error.code, -32602);
      assert.equal(response.body.id, 12);
    });

    it('answers GET and DELETE with 405, since 2026-07-28 has no stream or session', async () => {
      for (const method of ['GET', 'DELETE']) {
        const response = await read(await fetch(url, { method, headers: { 'mcp-protocol-version': '2026-07-28', accept: 'text/event-stream' } }));
        assert.equal(response.status, 405, method);
      }
    });

    it('treats a 2026 body without its headers as a header mismatch, not a missing session', async () => {
      const { body } = modernRequest(13, 'tools/list');
      const response = await post(url, body);
      assert.equal(response.status, 400);
      assert.equal(response.body.error.code, -32020);
    });
  });
});
