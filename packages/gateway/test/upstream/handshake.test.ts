import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { META } from '../../src/protocol/revisions.ts';
import { classifyDiscoverOutcome, type DiscoverOutcome } from '../../src/upstream/rev2026/discover.ts';
import { handshakeFromInitialize } from '../../src/upstream/rev2025/initialize.ts';

const discoverResult = {
  resultType: 'complete',
  supportedVersions: ['2026-07-28'],
  capabilities: { tools: {} },
  _meta: { [META.serverInfo]: { name: 'weather', version: '1.0.0' } },
  instructions: 'Ask about the weather.',
};

describe('classifyDiscoverOutcome', () => {
  test('reads a DiscoverResult as a modern backend with its identity and capabilities', () => {
    const verdict = classifyDiscoverOutcome({ kind: 'result', result: discoverResult });
    assert.deepEqual(verdict, {
      kind: 'modern',
      handshake: {
        era: 'modern', protocolVersion: '2026-07-28', capabilities: { tools: {} },
        serverInfo: { name: 'weather', version: '1.0.0' }, instructions: 'Ask about the weather.',
      },
    });
  });

  const table: Array<[string, DiscoverOutcome, string]> = [
    ['falls back to legacy on method not found', { kind: 'error', error: { code: -32601, message: 'Method not found' } }, 'legacy'],
    ['falls back to legacy on any other error code, not one specific code', { kind: 'error', error: { code: -32602, message: 'x' } }, 'legacy'],
    ['falls back to legacy on a 4xx without a JSON-RPC body', { kind: 'http-status', status: 404 }, 'legacy'],
    ['falls back to legacy on a 400 whose body is the SDK v1 session error', { kind: 'error', error: { code: -32000, message: 'no session' }, httpStatus: 400 }, 'legacy'],
    ['falls back to legacy when the stdio probe gets no answer', { kind: 'silent' }, 'legacy'],
    ['falls back to legacy when discover offers only versions we do not speak', { kind: 'result', result: { ...discoverResult, supportedVersions: ['2030-01-01'] } }, 'legacy'],
    ['falls back to legacy when -32022 lists only legacy versions', { kind: 'error', error: { code: -32022, message: 'u', data: { supported: ['2025-11-25'] } } }, 'legacy'],
    ['retries discover when -32022 names a version we share', { kind: 'error', error: { code: -32022, message: 'u', data: { supported: ['2026-07-28'] } }, httpStatus: 400 }, 'retry'],
    ['fails, without falling back, when -32022 names only newer modern versions', { kind: 'error', error: { code: -32022, message: 'u', data: { supported: ['2030-01-01'] } } }, 'fail'],
    ['fails on 401 instead of calling an auth wall legacy', { kind: 'http-status', status: 401 }, 'fail'],
    ['fails on 403 even with a JSON-RPC body', { kind: 'error', error: { code: -32601, message: 'x' }, httpStatus: 403 }, 'fail'],
    ['fails on a 5xx, which is an outage and not era evidence', { kind: 'http-status', status: 503 }, 'fail'],
  ];
  for (const [behaviour, outcome, expected] of table) {
    test(behaviour, () => {
      assert.equal(classifyDiscoverOutcome(outcome).kind, expected);
    });
  }

  test('marks a 5xx failure as transient and an auth failure as permanent', () => {
    const outage = classifyDiscoverOutcome({ kind: 'http-status', status: 502 });
    const auth = classifyDiscoverOutcome({ kind: 'http-status', status: 401 });
    assert.ok(outage.kind === 'fail' && !outage.isPermanent);
    assert.ok(auth.kind === 'fail' && auth.isPermanent);
  });
});

describe('handshakeFromInitialize', () => {
  test('reads an InitializeResult as a legacy handshake', () => {
    const handshake = handshakeFromInitialize({ protocolVersion: '2025-06-18', capabilities: { prompts: {} }, serverInfo: { name: 'old', version: '1' } });
    assert.deepEqual(handshake, { era: 'legacy', protocolVersion: '2025-06-18', capabilities: { prompts: {} }, serverInfo: { name: 'old', version: '1' }, instructions: undefined });
  });
  test('explains a version the gateway does not speak', () => {
    const problem = handshakeFromInitialize({ protocolVersion: '2024-11-05', capabilities: {} });
    assert.equal(typeof problem, 'string');
    assert.match(problem as string, /2024-11-05/);
  });
});
