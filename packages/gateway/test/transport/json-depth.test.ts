// The nesting limit at the HTTP edge: the byte scan itself (table-driven),
// and over real HTTP that a body nested thousands of levels deep is refused
// with 400 / -32600 on both revisions and both endpoints, where it used to
// reach the stdio child's writer and come back as a 500.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { stdioCommand } from '@gatehouse/testing/backends/launch';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { isDeeperThan, jsonDepth } from '../../src/transport/json-depth.ts';
import { gatewayConfig, stdioBackend } from '../fixtures/gateway-config.ts';
import { initializeLegacy, modernMeta, post } from '../fixtures/raw-http.ts';

const v2Script = fileURLToPath(import.meta.resolve('@gatehouse/testing/backends/v2-server'));
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('jsonDepth', () => {
  const cases: Array<[string, string, number]> = [
    ['a scalar', '42', 0],
    ['an empty object', '{}', 1],
    ['a typical tools/call', '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hi"}}}', 3],
    ['brackets inside a string', JSON.stringify({ text: '[[[[[[[[[[{{{{{{{{{{' }), 1],
    ['an escaped quote before brackets in a string', JSON.stringify({ text: 'a\\"[[[[[[[[[[[["' }), 1],
    ['multi-byte characters around brackets', JSON.stringify({ 'é': ['漢字', { '🙂': [[]] }] }), 5],
    ['twelve levels', nested(12), 12],
  ];
  for (const [label, text, expected] of cases) {
    it(`measures ${label} as ${expected} deep`, () => {
      assert.equal(jsonDepth(Buffer.from(text), 10_000), expected);
    });
  }

  it('stops counting as soon as the limit is passed', () => {
    assert.equal(jsonDepth(Buffer.from(nested(5000)), 64), 65);
  });

  const limits: Array<[string, string, boolean]> = [
    ['64 levels', nested(64), false],
    ['65 levels', nested(65), true],
    ['many brackets side by side but shallow', JSON.stringify(Array.from({ length: 500 }, () => [{}])), false],
    ['brackets only inside strings', JSON.stringify({ text: '['.repeat(500) }), false],
  ];
  for (const [label, text, expected] of limits) {
    it(`${expected ? 'finds' : 'does not find'} ${label} deeper than 64`, () => {
      assert.equal(isDeeperThan(Buffer.from(text), 64), expected);
    });
  }
});

describe('the nesting limit at the edge (max_json_depth)', () => {
  let gateway: RunningGateway;
  let session: string;
  let backendSession: string;
  const endpoints = () => ({ '/mcp': gateway.url, '/servers/v2/mcp': gateway.url.replace(/\/mcp$/, '/servers/v2/mcp') });

  before(async () => {
    const command = stdioCommand(v2Script);
    gateway = await startGateway(gatewayConfig([stdioBackend('v2', command.command, command.args)]), { logger: silentLogger, hasAdmin: false });
    session = await initializeLegacy(endpoints()['/mcp']);
    backendSession = await initializeLegacy(endpoints()['/servers/v2/mcp']);
  });
  after(() => gateway?.close());

  const deepCall = (name: string, depth: number, meta?: Record<string, unknown>) =>
    `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"${name}","arguments":{"message":"x","extra":${nested(depth)}}${meta === undefined ? '' : `,"_meta":${JSON.stringify(meta)}`}}}`;

  function assertRefused(response: { status: number; body: any; text: string }): void {
    assert.equal(response.status, 400, response.text);
    assert.equal(response.body.error.code, -32600);
    assert.match(response.body.error.message, /nests deeper than 64 levels.*max_json_depth/);
  }

  for (const endpoint of ['/mcp', '/servers/v2/mcp'] as const) {
    const tool = endpoint === '/mcp' ? 'v2__echo' : 'echo';

    it(`refuses a 2025 tools/call nested 5,000 deep on ${endpoint} with 400 and -32600`, async () => {
      const sessionId = endpoint === '/mcp' ? session : backendSession;
      assertRefused(await post(endpoints()[endpoint], deepCall(tool, 5000), { 'mcp-session-id': sessionId }));
    });

    it(`refuses a 2026-07-28 tools/call nested 5,000 deep on ${endpoint} with 400 and -32600`, async () => {
      const headers = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': tool };
      assertRefused(await post(endpoints()[endpoint], deepCall(tool, 5000, modernMeta()), headers));
    });

    it(`refuses a 2025 client's answer to a server request nested 5,000 deep on ${endpoint}`, async () => {
      const sessionId = endpoint === '/mcp' ? session : backendSession;
      const answer = `{"jsonrpc":"2.0","id":"gatehouse-1","result":{"content":${nested(5000)}}}`;
      assertRefused(await post(endpoints()[endpoint], answer, { 'mcp-session-id': sessionId }));
    });

    it(`still forwards a call nested within the limit on ${endpoint}`, async () => {
      const sessionId = endpoint === '/mcp' ? session : backendSession;
      const response = await post(endpoints()[endpoint], deepCall(tool, 50), { 'mcp-session-id': sessionId });
      assert.equal(response.status, 200, response.text);
      assert.equal(response.body.result.content[0].text, 'x');
    });
  }

  it('refuses an undecided body (no session, no version header) nested too deep', async () => {
    assertRefused(await post(gateway.url, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":${nested(100)}}}`));
  });
});
