import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSseReader, readSseBody } from '../../src/upstream/sse-reader.ts';

describe('createSseReader', () => {
  test('parses events split across chunks in the middle of a UTF-8 character', () => {
    const values: unknown[] = [];
    const reader = createSseReader({ onMessage: (value) => void values.push(value) });
    const bytes = Buffer.from('event: message\ndata: {"text":"héllo"}\n\n');
    const cut = bytes.indexOf(0xc3) + 1;
    reader.feed(bytes.subarray(0, cut));
    reader.feed(bytes.subarray(cut));
    assert.deepEqual(values, [{ text: 'héllo' }]);
  });

  test('decodes whole-character chunks directly, then switches to the streaming decoder after a split', () => {
    const values: unknown[] = [];
    const reader = createSseReader({ onMessage: (value) => void values.push(value) });
    const first = new TextEncoder().encode('data: {"n":"ü"}\n\n');
    const second = Buffer.from('data: {"n":"€"}\n\ndata: {"n":"x"}\n\n');
    const cut = second.indexOf(0xe2) + 2;
    reader.feed(first);
    reader.feed(second.subarray(0, cut));
    reader.feed(second.subarray(cut));
    assert.deepEqual(values, [{ n: 'ü' }, { n: '€' }, { n: 'x' }]);
  });

  test('skips priming events with empty data and comment lines', () => {
    const values: unknown[] = [];
    const reader = createSseReader({ onMessage: (value) => void values.push(value) });
    reader.feed('id: 1\ndata:\n\n: keep-alive\n\ndata: {"n":1}\n\n');
    assert.deepEqual(values, [{ n: 1 }]);
  });

  test('reports the id of every event, the priming one included, and the retry field, as the cursor of a resumption', () => {
    const ids: string[] = [];
    const retries: number[] = [];
    const reader = createSseReader({ onMessage: () => undefined, onEventId: (id) => void ids.push(id), onRetry: (ms) => void retries.push(ms) });
    reader.feed('id: p-1\nretry: 500\ndata: \n\ndata: {"n":1}\n\nid: p-2\ndata: {"n":2}\n\n');
    assert.deepEqual(ids, ['p-1', 'p-2']);
    assert.deepEqual(retries, [500]);
  });

  test('reports data that is not JSON instead of throwing', () => {
    const malformed: string[] = [];
    const reader = createSseReader({ onMessage: () => undefined, onMalformed: (data) => void malformed.push(data) });
    reader.feed('data: not json\n\n');
    assert.deepEqual(malformed, ['not json']);
  });

  test('passes on the event id and the retry field', () => {
    const seen: Array<string | undefined> = [];
    let retry: number | undefined;
    const reader = createSseReader({ onMessage: (_value, id) => void seen.push(id), onRetry: (ms) => (retry = ms) });
    reader.feed('retry: 1500\nid: e-7\ndata: {}\n\n');
    assert.deepEqual(seen, ['e-7']);
    assert.equal(retry, 1500);
  });
});

describe('readSseBody', () => {
  test('stops delivering after a handler asks to stop but reads the body to its end', async () => {
    const values: unknown[] = [];
    let chunksRead = 0;
    async function* body(): AsyncGenerator<string> {
      for (const chunk of ['data: {"n":1}\n\n', 'data: {"n":2}\n\n', 'data: {"n":3}\n\n']) {
        chunksRead++;
        yield chunk;
      }
    }
    const isStopped = await readSseBody(body(), { onMessage: (value) => (values.push(value), values.length === 2) });
    assert.equal(isStopped, true);
    assert.deepEqual(values, [{ n: 1 }, { n: 2 }]);
    assert.equal(chunksRead, 3);
  });
});
