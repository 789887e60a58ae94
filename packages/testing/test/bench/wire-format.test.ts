// Checks of the raw JSON-RPC the bench sends for each era and of its echo
// verification, which must reject anything but the exact text sent back.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { echoCallBody, echoCallHeaders, echoMessage, findReply, verifyEchoReply } from '../../../../bench/wire-format.ts';

function echoResult(id: number, text: string) {
  return { jsonrpc: '2.0', id, result: { content: [{ type: 'text', text }] } };
}

describe('bench wire format', () => {
  it('puts the 2026-07-28 _meta envelope in the body and the Mcp-Method and Mcp-Name headers on the call', () => {
    const body = JSON.parse(echoCallBody('2026-07-28', 7, 'bench__echo'));
    assert.equal(body.params._meta['io.modelcontextprotocol/protocolVersion'], '2026-07-28');
    assert.deepEqual(body.params.arguments, { message: echoMessage(7) });
    const headers = echoCallHeaders('2026-07-28', 'bench__echo', undefined);
    assert.equal(headers['mcp-method'], 'tools/call');
    assert.equal(headers['mcp-name'], 'bench__echo');
    assert.equal(headers['mcp-session-id'], undefined);
  });

  it('sends a 2025-11-25 call without _meta, with the session id when one was issued', () => {
    const body = JSON.parse(echoCallBody('2025-11-25', 8, 'echo'));
    assert.equal(body.params._meta, undefined);
    const headers = echoCallHeaders('2025-11-25', 'echo', 'session-1');
    assert.equal(headers['mcp-session-id'], 'session-1');
    assert.equal(headers['mcp-protocol-version'], '2025-11-25');
    assert.equal(headers['mcp-method'], undefined);
  });

  it('finds the reply with the request id among the data lines of an SSE body', () => {
    const body = [
      'event: message',
      `data: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: {} })}`,
      '',
      'event: message',
      `data: ${JSON.stringify(echoResult(3, echoMessage(3)))}`,
      '',
    ].join('\n');
    assert.doesNotThrow(() => verifyEchoReply(findReply('text/event-stream', body, 3), 3));
  });

  it('skips the empty priming event a resumable server sends before the reply', () => {
    const body = ['id: stream-1_0', 'data: ', '', 'event: message', 'id: stream-1_1', `data: ${JSON.stringify(echoResult(4, echoMessage(4)))}`, ''].join('\n');
    assert.doesNotThrow(() => verifyEchoReply(findReply('text/event-stream; charset=utf-8', body, 4), 4));
  });

  it('accepts a JSON reply carrying the text sent', () => {
    const body = JSON.stringify(echoResult(4, echoMessage(4)));
    assert.doesNotThrow(() => verifyEchoReply(findReply('application/json', body, 4), 4));
  });

  const rejected: Array<[what: string, reply: unknown]> = [
    ['a different text', echoResult(5, 'bench-6')],
    ['a different id', echoResult(6, echoMessage(5))],
    ['a JSON-RPC error', { jsonrpc: '2.0', id: 5, error: { code: -32602, message: 'Unknown tool' } }],
    ['an isError result', { jsonrpc: '2.0', id: 5, result: { isError: true, content: [{ type: 'text', text: echoMessage(5) }] } }],
    ['no reply at all', undefined],
  ];
  for (const [what, reply] of rejected) {
    it(`counts ${what} as an error`, () => {
      assert.throws(() => verifyEchoReply(reply as Parameters<typeof verifyEchoReply>[0], 5), { code: 'echo_mismatch' });
    });
  }
});
