import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Caller } from '../../src/identity/caller.ts';
import { VerifiedTokenCache } from '../../src/identity/verified-token-cache.ts';

const caller = (agent: string) => ({ agent }) as unknown as Caller;

describe('verified token cache', () => {
  test('keeps a caller until its expiry, never past it', () => {
    let now = 1_000;
    const cache = new VerifiedTokenCache({ now: () => now });
    cache.set('a', caller('a'), 2_000);
    cache.set('gone', caller('gone'), 1_000);
    assert.equal(cache.get('a')?.agent, 'a');
    assert.equal(cache.get('gone'), undefined, 'an entry already expired is not kept');
    now = 2_000;
    assert.equal(cache.get('a'), undefined);
    assert.equal(cache.size, 0, 'an expired entry found is dropped');
  });

  test('holds at most maxEntries, evicting the least recently used first', () => {
    const cache = new VerifiedTokenCache({ maxEntries: 4, now: () => 0 });
    for (const key of ['a', 'b', 'c', 'd']) cache.set(key, caller(key), 1_000);
    cache.set('e', caller('e'), 1_000);
    assert.equal(cache.size, 4);
    assert.equal(cache.get('a'), undefined, 'the oldest, unused, went first');
    // b has fallen into the older half (three puts since): a hit moves it to the end.
    assert.equal(cache.get('b')?.agent, 'b');
    cache.set('f', caller('f'), 1_000);
    assert.equal(cache.get('c'), undefined, 'c, not the recently used b, was evicted');
    assert.equal(cache.get('b')?.agent, 'b');
    cache.set('g', caller('g'), 1_000);
    assert.equal(cache.get('d'), undefined);
    assert.deepEqual(['b', 'e', 'f', 'g'].map((key) => cache.get(key)?.agent), ['b', 'e', 'f', 'g']);
  });

  test('a token used on every message stays while others come and go', () => {
    const cache = new VerifiedTokenCache({ maxEntries: 100, now: () => 0 });
    cache.set('hot', caller('hot'), 1_000);
    for (let index = 0; index < 1_000; index++) {
      assert.equal(cache.get('hot')?.agent, 'hot', `lost the token in use after ${index} other tokens`);
      cache.set(`cold-${index}`, caller('cold'), 1_000);
    }
    assert.equal(cache.size, 100);
  });

  test('clear empties it', () => {
    const cache = new VerifiedTokenCache({ now: () => 0 });
    cache.set('a', caller('a'), 1_000);
    cache.clear();
    assert.equal(cache.get('a'), undefined);
  });
});
