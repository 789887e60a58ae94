import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LOCAL_ORIGINS } from '../../src/config/schema.ts';
import { createOriginPolicy } from '../../src/transport/origin.ts';

describe('origin policy', () => {
  const local = createOriginPolicy(LOCAL_ORIGINS);
  const table: Array<[origin: string | undefined, isAllowed: boolean]> = [
    [undefined, true],
    ['http://localhost:6274', true],
    ['http://127.0.0.1', true],
    ['http://[::1]:3000', true],
    ['http://evil.example', false],
    ['http://localhost.evil.example', false],
    ['http://localhost:80x', false],
  ];
  for (const [origin, isAllowed] of table) {
    it(`${isAllowed ? 'allows' : 'refuses'} Origin ${origin ?? '(absent)'} by default`, () => {
      assert.equal(local.isAllowed(origin), isAllowed);
    });
  }

  it('allows an exact configured origin and nothing else', () => {
    const policy = createOriginPolicy(['https://console.example.com']);
    assert.equal(policy.isAllowed('https://console.example.com'), true);
    assert.equal(policy.isAllowed('https://console.example.com:8443'), false);
  });
});
