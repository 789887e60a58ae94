// 2025-11-25 sessions on a kit server: one per initialize, kept apart per
// caller, and closed once idle so that vanished clients do not pin memory.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import pino from 'pino';

import { createKitServer } from '../../src/index.ts';
import { connectTestClient, testAuthInfo } from '../../src/testing/index.ts';

function initialize(id = 1): Request {
  return new Request('http://kit.test/mcp', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
  });
}

describe('legacy sessions', () => {
  it('refuses a session to a caller other than the one that opened it', async () => {
    const kit = createKitServer({ name: 's', version: '1', logger: pino({ level: 'silent' }) });
    const opened = await kit.serveMcp(initialize(), testAuthInfo({ subject: 'alice', scopes: [] }));
    const sessionId = opened.headers.get('mcp-session-id');
    assert.ok(sessionId !== null);
    const stolen = await kit.serveMcp(
      new Request('http://kit.test/mcp', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
      }),
      testAuthInfo({ subject: 'mallory', scopes: [] }),
    );
    assert.equal(stolen.status, 403);
    await kit.close();
  });

  it('closes sessions left idle past the limit when a new one opens', async () => {
    const kit = createKitServer({ name: 's', version: '1', logger: pino({ level: 'silent' }), sessionIdleMs: 50 });
    const first = await connectTestClient(kit, { era: 'legacy' });
    assert.equal(kit.legacySessions.size, 1);
    await new Promise((resolve) => setTimeout(resolve, 120));
    const second = await connectTestClient(kit, { era: 'legacy' });
    assert.equal(kit.legacySessions.size, 1);
    await Promise.all([first.close(), second.close()]);
    await kit.close();
  });

  it('keeps a session that is in use', async () => {
    const kit = createKitServer({ name: 's', version: '1', logger: pino({ level: 'silent' }), sessionIdleMs: 400 });
    const first = await connectTestClient(kit, { era: 'legacy' });
    await new Promise((resolve) => setTimeout(resolve, 250));
    await first.client.listTools();
    await new Promise((resolve) => setTimeout(resolve, 250));
    const second = await connectTestClient(kit, { era: 'legacy' });
    assert.equal(kit.legacySessions.size, 2);
    await Promise.all([first.close(), second.close()]);
    await kit.close();
  });
});
