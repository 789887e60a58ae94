import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { paginate } from '../../src/catalog/pagination.ts';
import { isGatewayRpcError } from '../../src/protocol/errors.ts';

describe('catalog pagination', () => {
  const items = Array.from({ length: 5 }, (_, index) => index);

  it('walks every item exactly once across pages', () => {
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const page = paginate(items, cursor, 2);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    assert.deepEqual(seen, items);
  });

  it('gives no next cursor on the last page', () => {
    assert.equal(paginate(items, undefined, 10).nextCursor, undefined);
  });

  for (const bad of ['not-a-cursor', 42, '', 'b:1']) {
    it(`rejects the cursor ${JSON.stringify(bad)} with invalid params`, () => {
      assert.throws(() => paginate(items, bad, 2), (error: unknown) => isGatewayRpcError(error) && error.code === -32602);
    });
  }
});
