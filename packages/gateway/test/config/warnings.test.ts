import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.ts';
import { MINIMAL_YAML, SEED_CHAPTER_6_AS_RUN_YAML, SEED_CHAPTER_6_CREDENTIALS } from '../fixtures/config-files.ts';

function warningsOf(text: string, env: Record<string, string> = {}): string[] {
  return parseConfig(text, 'gatehouse.yaml', env).warnings;
}

describe('config warnings', () => {
  const table: Array<[behaviour: string, yaml: string, warning: string]> = [
    ['warns when no backend is enabled', 'backends:\n  - { name: a, url: "http://a", enabled: false }\n', 'gatehouse.yaml: backends: no enabled backend, so the gateway will serve an empty catalog'],
  ];
  for (const [behaviour, yaml, warning] of table) {
    it(behaviour, () => assert.deepEqual(warningsOf(yaml), [warning]));
  }

  it('does not warn about auth: none', () => {
    assert.deepEqual(warningsOf('backends:\n  - { name: a, url: "http://a", auth: none }\n'), []);
  });

  it('does not warn about authentication or required scopes, which are enforced', () => {
    assert.deepEqual(warningsOf(`${MINIMAL_YAML}authentication:\n  audience: mcp-gateway\n`), []);
    assert.deepEqual(warningsOf('backends:\n  - { name: a, url: "http://a", required_scope: a.read }\n'), []);
  });

  it('does not warn about a redis session store or a per-user session cap, which are active', () => {
    assert.deepEqual(warningsOf(`${MINIMAL_YAML}session_store: redis://:secret@redis:6379/0\nmax_concurrent_sessions_per_user: 5\n`), []);
  });

  it('gives no warning for the seed example in the keys Gatehouse acts on: nothing is accepted and left inactive', () => {
    assert.deepEqual(warningsOf(SEED_CHAPTER_6_AS_RUN_YAML, { ...SEED_CHAPTER_6_CREDENTIALS }), []);
  });

  it('does not warn about a named credential defined in the environment, which is applied', () => {
    assert.deepEqual(warningsOf('backends:\n  - { name: a, url: "http://a", auth: service-account-a }\n', { GATEHOUSE_CREDENTIAL_SERVICE_ACCOUNT_A: 'token' }), []);
  });
});
