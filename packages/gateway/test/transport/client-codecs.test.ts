import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RPC } from '../../src/protocol/errors.ts';
import { META } from '../../src/protocol/revisions.ts';
import { TASKS_EXTENSION } from '../../src/tasks/tasks-extension.ts';
import { LEGACY_CLIENT_CODEC, legacyClient } from '../../src/transport/rev2025/legacy-codec.ts';
import { MODERN_CLIENT_CODEC } from '../../src/transport/rev2026/modern-codec.ts';

const serverInfo = { name: 'gatehouse', version: '1.0.0' };

describe('the 2026-07-28 client codec', () => {
  test('marks a result complete, adds caching hints to a cacheable one, and names the server', () => {
    const shaped = MODERN_CLIENT_CODEC.shapeResult('tools/list', { tools: [] }, serverInfo);
    assert.deepEqual(shaped, { tools: [], resultType: 'complete', ttlMs: 0, cacheScope: 'private', _meta: { [META.serverInfo]: serverInfo } });
  });

  test('relays a header mismatch as HTTP 400 and a tool error as 200', () => {
    assert.equal(MODERN_CLIENT_CODEC.relayedErrorStatus(RPC.headerMismatch), 400);
    assert.equal(MODERN_CLIENT_CODEC.relayedErrorStatus(-32603), 200);
  });

  test('answers an unknown resource with invalid params', () => {
    assert.equal(MODERN_CLIENT_CODEC.resourceNotFoundCode, RPC.invalidParams);
  });

  test('relays no log messages for a request that set no level', () => {
    assert.equal(MODERN_CLIENT_CODEC.logLevelFloor(undefined), undefined);
    assert.equal(MODERN_CLIENT_CODEC.logLevelFloor('warning'), 'warning');
  });

  test('announces tasks under extensions', () => {
    const capabilities: Record<string, unknown> = {};
    MODERN_CLIENT_CODEC.declareTasks(capabilities);
    assert.deepEqual(capabilities, { extensions: { [TASKS_EXTENSION]: {} } });
  });
});

describe('the 2025 client codec', () => {
  test('drops the 2026-only result fields', () => {
    const shaped = LEGACY_CLIENT_CODEC.shapeResult('tools/list', { tools: [], resultType: 'complete', ttlMs: 5, cacheScope: 'public' }, serverInfo);
    assert.deepEqual(shaped, { tools: [] });
  });

  test('relays every backend error in a 200 response', () => {
    assert.equal(LEGACY_CLIENT_CODEC.relayedErrorStatus(RPC.headerMismatch), 200);
  });

  test('answers an unknown resource with -32002', () => {
    assert.equal(LEGACY_CLIENT_CODEC.resourceNotFoundCode, -32002);
  });

  test('relays every level until the session sets one', () => {
    assert.equal(LEGACY_CLIENT_CODEC.logLevelFloor(undefined), 'debug');
    assert.equal(LEGACY_CLIENT_CODEC.logLevelFloor('error'), 'error');
  });

  test('announces task-augmented tools/call in the tasks capability', () => {
    const capabilities: Record<string, unknown> = {};
    LEGACY_CLIENT_CODEC.declareTasks(capabilities);
    assert.deepEqual(capabilities, { tasks: { cancel: {}, requests: { tools: { call: {} } } } });
  });

  test('is the codec of every 2025 client description', () => {
    assert.equal(legacyClient('2025-11-25', undefined, {}).codec, LEGACY_CLIENT_CODEC);
  });
});
