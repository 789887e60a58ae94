// The node:http host: it serves the handler on /mcp only, and on a loopback
// bind refuses requests whose Host names another site (DNS rebinding).

import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';

import { createDemoCrmHandler, serveOverHttp, type RunningHttpServer } from '../src/index.ts';

const initialize = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'http-test', version: '1.0.0' } },
});

/** node:http rather than fetch, because fetch does not let a caller set the Host header. */
function post(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(initialize);
  });
}

describe('serveOverHttp', () => {
  let running: RunningHttpServer;
  before(async () => {
    running = await serveOverHttp(createDemoCrmHandler(), { port: 0 });
  });
  after(() => running.close());

  it('answers an initialize request on /mcp', async () => {
    assert.equal(await post(running.url, {}), 200);
  });

  it('refuses a request whose Host header names another site', async () => {
    assert.equal(await post(running.url, { host: 'evil.example.com' }), 403);
  });

  it('refuses a request from a non-local Origin', async () => {
    assert.equal(await post(running.url, { origin: 'http://evil.example.com' }), 403);
  });

  it('answers 404 outside the MCP path', async () => {
    assert.equal(await post(running.url.replace(/\/mcp$/, '/other'), {}), 404);
  });
});
