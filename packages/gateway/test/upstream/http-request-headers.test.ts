import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eraHeaders, normalizeHeaders, requestHeaders } from '../../src/upstream/http-request-headers.ts';

describe('requestHeaders', () => {
  const fixed = eraHeaders(normalizeHeaders({ Authorization: 'Bearer t' }), '2026-07-28', undefined);

  test('mirrors the method and the tool name on a modern tools/call', () => {
    const headers = requestHeaders(fixed, true, 'tools/call', { name: 'get_weather' }, undefined);
    assert.equal(headers['mcp-method'], 'tools/call');
    assert.equal(headers['mcp-name'], 'get_weather');
    assert.equal(headers['mcp-protocol-version'], '2026-07-28');
    assert.equal(headers.authorization, 'Bearer t');
    assert.equal(headers.accept, 'application/json, text/event-stream');
  });

  test('mirrors the uri of resources/read, encoded when it is not plain ASCII', () => {
    const headers = requestHeaders(fixed, true, 'resources/read', { uri: 'file:///straße' }, undefined);
    assert.equal(headers['mcp-name'], `=?base64?${Buffer.from('file:///straße').toString('base64')}?=`);
  });

  test('sends no Mcp-Name for methods that name nothing', () => {
    assert.equal(requestHeaders(fixed, true, 'tools/list', undefined, undefined)['mcp-name'], undefined);
  });

  test('adds neither Mcp-Method nor Mcp-Name for a legacy backend', () => {
    const legacy = eraHeaders({}, '2025-11-25', 'session-1');
    const headers = requestHeaders(legacy, false, 'tools/call', { name: 'echo' }, undefined);
    assert.equal(headers['mcp-method'], undefined);
    assert.equal(headers['mcp-session-id'], 'session-1');
  });

  test('lets a caller add Mcp-Param headers but not override the ones the gateway owns', () => {
    const headers = requestHeaders(fixed, true, 'tools/call', { name: 'sql' }, { 'Mcp-Param-Region': 'us-west1', 'MCP-Protocol-Version': '1999-01-01', 'Mcp-Name': 'other' });
    assert.equal(headers['mcp-param-region'], 'us-west1');
    assert.equal(headers['mcp-protocol-version'], '2026-07-28');
    assert.equal(headers['mcp-name'], 'sql');
  });
});
