// get-stream-watch.ts: a test learns whether a 2025 session's GET stream
// opened, against a real HTTP server on 127.0.0.1.

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';

import { watchGetStream } from '../../src/clients/get-stream-watch.ts';

describe('watchGetStream', () => {
  let server: Server;
  let base: string;
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/sse') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(': keep-alive\n\n');
        return;
      }
      res.writeHead(req.method === 'GET' ? 405 : 202).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('reports true once a GET answers with an event stream', async () => {
    const watch = watchGetStream();
    await (await watch.fetch(`${base}/mcp`, { method: 'POST', body: '{}' })).text();
    await (await watch.fetch(`${base}/sse`, { method: 'GET' })).text();
    assert.equal(await watch.opened, true);
  });

  it('reports false when the server refuses the GET', async () => {
    const watch = watchGetStream();
    await (await watch.fetch(`${base}/mcp`)).text();
    assert.equal(await watch.opened, false);
  });
});
