import assert from 'node:assert/strict';
import { test } from 'node:test';
import { META } from '../../src/protocol/revisions.ts';
import {
  listenFilter, normalizeUris, resyncNotifications, RESYNC_META, sameFilter, subscriptionIdOf, unhonoredParts, withoutSubscriptionId,
} from '../../src/upstream/rev2026/listen-filter.ts';

test('asks for the lists whose capability says listChanged: true, plus the wanted URIs', () => {
  const cases: Array<[Record<string, unknown>, string[], unknown]> = [
    [{}, [], undefined],
    [{ tools: {}, prompts: { listChanged: false } }, [], undefined],
    [{ tools: { listChanged: true } }, [], { toolsListChanged: true }],
    [{ tools: { listChanged: true }, prompts: { listChanged: true }, resources: { listChanged: true, subscribe: true } }, [],
      { toolsListChanged: true, promptsListChanged: true, resourcesListChanged: true }],
    [{ resources: { subscribe: true } }, ['a://1'], { resourceSubscriptions: ['a://1'] }],
    [{ tools: { listChanged: 'yes' } }, ['a://1'], { resourceSubscriptions: ['a://1'] }],
  ];
  for (const [capabilities, uris, expected] of cases) {
    assert.deepEqual(listenFilter(capabilities, uris), expected, JSON.stringify({ capabilities, uris }));
  }
});

test('normalizes a URI set so that the same set in another order compares equal', () => {
  assert.deepEqual(normalizeUris(['b', 'a', 'b']), ['a', 'b']);
  assert.ok(sameFilter({ toolsListChanged: true, resourceSubscriptions: normalizeUris(['b', 'a']) }, { toolsListChanged: true, resourceSubscriptions: ['a', 'b'] }));
  assert.ok(sameFilter({ toolsListChanged: true }, { toolsListChanged: true, resourceSubscriptions: [] }));
  assert.ok(!sameFilter({ toolsListChanged: true }, { promptsListChanged: true }));
  assert.ok(!sameFilter({ resourceSubscriptions: ['a'] }, { resourceSubscriptions: ['a', 'b'] }));
});

test('names what the acknowledgment left out of the requested filter', () => {
  assert.deepEqual(unhonoredParts({ toolsListChanged: true, resourceSubscriptions: ['a', 'b'] }, { toolsListChanged: true, resourceSubscriptions: ['a'] }),
    ['resourceSubscriptions b']);
  assert.deepEqual(unhonoredParts({ promptsListChanged: true }, undefined), ['promptsListChanged']);
  assert.deepEqual(unhonoredParts({ toolsListChanged: true }, { toolsListChanged: true }), []);
});

test('removes the upstream subscription id and keeps the rest of _meta', () => {
  const tagged = { jsonrpc: '2.0' as const, method: 'notifications/resources/updated', params: { uri: 'a://1', _meta: { [META.subscriptionId]: 7, trace: 'x' } } };
  assert.equal(subscriptionIdOf(tagged), 7);
  assert.deepEqual(withoutSubscriptionId(tagged).params, { uri: 'a://1', _meta: { trace: 'x' } });
  const onlyId = { jsonrpc: '2.0' as const, method: 'notifications/tools/list_changed', params: { _meta: { [META.subscriptionId]: 'listen-1' } } };
  assert.deepEqual(withoutSubscriptionId(onlyId).params, {});
  const untagged = { jsonrpc: '2.0' as const, method: 'notifications/tools/list_changed' };
  assert.equal(subscriptionIdOf(untagged), undefined);
  assert.equal(withoutSubscriptionId(untagged), untagged);
});

test('announces after a gap every list and every URI the filter listens for', () => {
  const notifications = resyncNotifications({ toolsListChanged: true, resourcesListChanged: true, resourceSubscriptions: ['a://1'] });
  assert.deepEqual(notifications.map((n) => [n.method, n.params?.uri]), [
    ['notifications/tools/list_changed', undefined],
    ['notifications/resources/list_changed', undefined],
    ['notifications/resources/updated', 'a://1'],
  ]);
  assert.ok(notifications.every((n) => (n.params?._meta as Record<string, unknown>)[RESYNC_META] === true));
});
