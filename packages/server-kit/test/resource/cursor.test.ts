// Opaque cursors: pages follow one another to the end, and a cursor that was
// edited, made for another query or caller, or made by another key is refused.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { createCursorCodec, isToolError, paginate } from '../../src/index.ts';

const items = Array.from({ length: 7 }, (_, index) => `item-${index}`);

describe('paginate', () => {
  it('walks every item once, page by page, and the last page has no cursor', () => {
    const codec = createCursorCodec();
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = paginate(items, { cursor, pageSize: 3, binding: 'q=all|alice', codec });
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== undefined);
    assert.deepEqual(seen, items);
    assert.equal(pages, 3);
  });

  const refusals: Array<[string, (cursor: string) => { cursor: string; binding: string; codec?: ReturnType<typeof createCursorCodec> }]> = [
    ['an edited cursor', (cursor) => ({ cursor: `${Buffer.from('{"o":0}').toString('base64url')}.${cursor.split('.')[1]}`, binding: 'q=all|alice' })],
    ['a cursor for another query', (cursor) => ({ cursor, binding: 'q=other|alice' })],
    ['a cursor for another caller', (cursor) => ({ cursor, binding: 'q=all|mallory' })],
    ['a cursor from another key', (cursor) => ({ cursor, binding: 'q=all|alice', codec: createCursorCodec() })],
    ['garbage', () => ({ cursor: 'not-a-cursor', binding: 'q=all|alice' })],
  ];
  for (const [name, alter] of refusals) {
    it(`refuses ${name} with a permanent invalid_cursor error`, () => {
      const codec = createCursorCodec();
      const first = paginate(items, { pageSize: 3, binding: 'q=all|alice', codec });
      const altered = alter(first.nextCursor!);
      assert.throws(
        () => paginate(items, { cursor: altered.cursor, pageSize: 3, binding: altered.binding, codec: altered.codec ?? codec }),
        (error: unknown) => isToolError(error) && error.code === 'invalid_cursor' && error.kind === 'permanent',
      );
    });
  }
});
