import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { RequestDrain, shutdownError } from '../../src/transport/request-drain.ts';
import type { GatewayRpcError } from '../../src/protocol/errors.ts';

/** A server whose /slow answers only when the test says so; everything else answers at once. */
async function startServer(drain: RequestDrain) {
  const waiting: ServerResponse[] = [];
  const server = createServer((request, response) => {
    if (!drain.admit(request, response)) return;
    if (request.url === '/slow') {
      // Headers out first, as a call turned into an SSE stream would have them.
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.flushHeaders();
      waiting.push(response);
      return;
    }
    response.end('fast');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port, waiting };
}

describe('request drain', () => {
  it('waits for the request in flight and refuses one that arrives on its kept-alive connection with 503, Retry-After and Connection: close', async () => {
    const drain = new RequestDrain({ retryAfterSeconds: 2 });
    const { server, port, waiting } = await startServer(drain);
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.write('GET /slow HTTP/1.1\r\nhost: x\r\n\r\n');
    while (waiting.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));

    const drained = drain.drain(server, 5_000);
    assert.equal(drain.isDraining, true);
    socket.write('POST /mcp HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}');
    await new Promise((resolve) => setTimeout(resolve, 50));
    waiting[0]!.end('slow done');
    const outcome = await drained;
    await once(socket, 'close');

    assert.equal(outcome.abandoned, 0);
    assert.match(received, /slow done/);
    const refusal = received.slice(received.indexOf('HTTP/1.1 503'));
    assert.match(refusal, /^HTTP\/1\.1 503/);
    assert.match(refusal, /\r\nretry-after: 2\r\n/i);
    assert.match(refusal, /\r\nconnection: close\r\n/i);
    assert.match(refusal, /shutting down/);
  });

  it('resolves at the deadline with the requests still open counted as abandoned', async () => {
    const drain = new RequestDrain();
    const { server, port, waiting } = await startServer(drain);
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write('GET /slow HTTP/1.1\r\nhost: x\r\n\r\n');
    while (waiting.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const startedAt = performance.now();
    const outcome = await drain.drain(server, 100);
    assert.equal(outcome.abandoned, 1);
    assert.ok(performance.now() - startedAt < 1_000);
    server.closeAllConnections();
  });

  it('stops the listener taking new connections', async () => {
    const drain = new RequestDrain();
    const { server, port } = await startServer(drain);
    await drain.drain(server, 100);
    const socket = connect(port, '127.0.0.1');
    const [error] = (await once(socket, 'error')) as [NodeJS.ErrnoException];
    assert.equal(error.code, 'ECONNREFUSED');
  });

  it('waits for a tracked call whose client is gone, and gives it up with the shutdown error at the deadline', async () => {
    const drain = new RequestDrain();
    const { server } = await startServer(drain);
    const givenUp: GatewayRpcError[] = [];
    const release = drain.trackCall((error) => {
      givenUp.push(error);
      release();
    });
    const outcome = await drain.drain(server, 100);
    assert.equal(outcome.abandoned, 1);
    await drain.giveUpAll(shutdownError(3_000), 1_000);
    assert.equal(givenUp.length, 1);
    assert.equal(givenUp[0]!.code, -32603);
    assert.deepEqual(givenUp[0]!.data, { reason: 'gateway_shutting_down', isTransient: true, retryAfterMs: 1000 });
    assert.match(givenUp[0]!.message, /shutting down and gave up on it at its drain deadline \(3 s\)/);
    assert.equal(drain.inFlight, 0);
  });

  it('ends a request with no call of its own at the deadline: 503 with the error when nothing was sent yet', async () => {
    const drain = new RequestDrain();
    const server = createServer((request, response) => {
      if (!drain.admit(request, response)) return;
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const answer = fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hang`).then(async (response) => ({ status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.json() as { error: { data: { reason: string } } } }));
    while (drain.inFlight === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await drain.drain(server, 50);
    await drain.giveUpAll(shutdownError(1_000), 500);
    const refused = await answer;
    assert.equal(refused.status, 503);
    assert.equal(refused.retryAfter, '1');
    assert.equal(refused.body.error.data.reason, 'gateway_shutting_down');
    server.closeAllConnections();
  });
});
