// The in-process SessionStore: synchronous answers (the default path awaits
// nothing), idle expiry, and the per-owner session cap.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createMemorySessionStore } from '../../src/session/memory-store.ts';
import type { LegacySession } from '../../src/session/session.ts';
import type { SessionPage } from '../../src/session/store.ts';

function newSession(at: number, owner?: string): LegacySession {
  return { id: randomUUID(), protocolVersion: '2025-11-25', clientInfo: { name: 'c', version: '1' }, clientCapabilities: {}, endpointBackend: undefined, isInitialized: false, ...(owner === undefined ? {} : { owner }), createdAt: at, lastSeenAt: at };
}

describe('the memory session store', () => {
  it('answers synchronously and pushes the expiry out on each read', () => {
    let now = 1_000;
    const expired: string[] = [];
    const store = createMemorySessionStore({ ttlMs: 100, now: () => now, onExpire: (id) => expired.push(id) });
    const session = newSession(now);
    assert.equal(store.create(session), undefined);
    now += 80;
    const loaded = store.load(session.id, now);
    assert.ok(!(loaded instanceof Promise) && loaded?.id === session.id);
    now += 80;
    assert.equal(store.load(session.id, now), session, 'the read 80 ms ago kept it alive');
    now += 101;
    assert.equal(store.load(session.id, now), undefined);
    assert.deepEqual(expired, [session.id]);
    store.close();
  });

  it('lists the live sessions a page at a time in a stable order, leaving out expired ones and marking none used', () => {
    let now = 1_000;
    const store = createMemorySessionStore({ ttlMs: 10_000, now: () => now });
    const sessions = Array.from({ length: 5 }, () => newSession(now));
    for (const session of sessions) store.create(session);
    now = 5_000;
    store.load(sessions[0]!.id, now);
    now = 12_000;
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = store.list({ limit: 2, cursor }, now) as SessionPage;
      assert.ok(page.sessions.length <= 2);
      ids.push(...page.sessions.map((session) => session.id));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    assert.deepEqual(ids, [sessions[0]!.id], 'only the session used within the TTL is live');
    assert.equal(sessions[0]!.lastSeenAt, 5_000, 'listing does not mark a session used');
    store.close();
  });

  it('caps the sessions of one owner, counting neither expired sessions nor anonymous ones', () => {
    let now = 0;
    const store = createMemorySessionStore({ ttlMs: 100, maxSessionsPerOwner: 2, now: () => now });
    store.create(newSession(now, 'alice'));
    const second = newSession(now, 'alice');
    store.create(second);
    assert.throws(() => store.create(newSession(now, 'alice')), (error: Error & { httpStatus?: number }) => error.httpStatus === 429);
    for (let index = 0; index < 5; index++) store.create(newSession(now));
    store.delete(second.id);
    store.create(newSession(now, 'alice'));
    now += 200;
    store.create(newSession(now, 'alice'));
    store.create(newSession(now, 'alice'));
    store.close();
  });
});
