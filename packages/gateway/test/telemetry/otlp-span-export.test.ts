// The span export queue against a real HTTP collector stand-in: batching by
// size, the OTLP/HTTP retry rules, and the bounded queue that drops spans
// rather than holding requests.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createProtobufBatchEncoder, OTLP_SPAN_KIND, OTLP_STATUS, type FinishedSpan } from '../../src/telemetry/otlp-span-encoding.ts';
import { SpanExportQueue } from '../../src/telemetry/otlp-span-export.ts';
import { eventually } from '../fixtures/eventually.ts';

const RESOURCE = { attributes: { 'service.name': 'gatehouse' }, scopeName: 'gatehouse', scopeVersion: '0.0.0' };

function span(index: number): FinishedSpan {
  const now = Date.now();
  return {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: index.toString(16).padStart(16, '0'),
    parentSpanId: undefined,
    isParentRemote: false,
    traceState: undefined,
    name: `span ${index}`,
    kind: OTLP_SPAN_KIND.server,
    startMs: now,
    endMs: now + 1,
    attributes: ['mcp.method.name', 'tools/call'],
    events: undefined,
    statusCode: OTLP_STATUS.unset,
  };
}

/** A collector whose answer to each export `answer` decides; counts the exports. */
async function startCollector(answer: (exportNumber: number, request: IncomingMessage, response: ServerResponse) => void) {
  let exports = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => answer(++exports, request, response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`,
    get exports() {
      return exports;
    },
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

function queueFor(url: string, overrides: Partial<ConstructorParameters<typeof SpanExportQueue>[0]> = {}): SpanExportQueue {
  return new SpanExportQueue({ url, encoder: createProtobufBatchEncoder(RESOURCE), headers: {}, delayMs: 60_000, maxBatchSize: 512, maxQueueSize: 2048, timeoutMs: 5000, ...overrides });
}

describe('span export queue', () => {
  const closers: Array<() => Promise<void>> = [];
  after(async () => {
    for (const close of closers) await close();
  });

  it('sends a batch as soon as it is full, without waiting for the delay', async () => {
    const collector = await startCollector((_, __, response) => response.writeHead(200).end());
    closers.push(collector.close);
    const queue = queueFor(collector.url, { maxBatchSize: 3 });
    for (let index = 1; index <= 3; index++) queue.add(span(index));
    // The delay is a minute: only the full batch can have sent it.
    await eventually(async () => assert.equal(collector.exports, 1), 10_000, 20);
    await queue.shutdown();
  });

  it('retries an export the collector answers 503 to, after its Retry-After, and delivers it', async () => {
    const collector = await startCollector((number, _, response) => (number === 1 ? response.writeHead(503, { 'retry-after': '0' }).end() : response.writeHead(200).end()));
    closers.push(collector.close);
    const queue = queueFor(collector.url);
    queue.add(span(1));
    await queue.flush();
    assert.equal(collector.exports, 2);
    await queue.shutdown();
  });

  it('does not retry a refused export (HTTP 400) and says so, then keeps exporting', async () => {
    const collector = await startCollector((number, _, response) => response.writeHead(number === 1 ? 400 : 200).end());
    closers.push(collector.close);
    const queue = queueFor(collector.url);
    queue.add(span(1));
    await assert.rejects(queue.flush(), (error: Error & { code?: string; isTransient?: boolean }) => {
      assert.equal(error.code, 'trace_export_failed');
      assert.equal(error.isTransient, false);
      assert.match(error.message, /HTTP 400/);
      return true;
    });
    assert.equal(collector.exports, 1);
    queue.add(span(2));
    await queue.flush();
    assert.equal(collector.exports, 2);
    await queue.shutdown();
  });

  it('reports a failed background export as it happens, with no flush to reject', async () => {
    const collector = await startCollector((_, __, response) => response.writeHead(400).end());
    closers.push(collector.close);
    const reported: Error[] = [];
    const queue = queueFor(collector.url, { maxBatchSize: 1, onError: (error) => reported.push(error) });
    queue.add(span(1));
    await eventually(async () => assert.equal(reported.length, 1), 10_000, 20);
    assert.match(reported[0]!.message, /HTTP 400/);
    await queue.shutdown();
  });

  it('drops spans past the queue bound while the collector is slow, counts them, and says so once', async () => {
    const held: ServerResponse[] = [];
    const collector = await startCollector((_, __, response) => held.push(response));
    closers.push(collector.close);
    const reported: Error[] = [];
    const queue = queueFor(collector.url, { maxBatchSize: 2, maxQueueSize: 4, timeoutMs: 300, onError: (error) => reported.push(error) });
    for (let index = 1; index <= 7; index++) queue.add(span(index));
    assert.equal(queue.droppedSpans, 3);
    assert.equal(reported.length, 1);
    assert.match(reported[0]!.message, /queue is full \(4 spans/);
    await assert.rejects(queue.shutdown(), { code: 'trace_export_failed' });
    for (const response of held) response.destroy();
  });
});
