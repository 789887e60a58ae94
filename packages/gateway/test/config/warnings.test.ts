import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.ts';
import { MINIMAL_YAML, SEED_CHAPTER_6_YAML } from '../fixtures/config-files.ts';

function warningsOf(text: string): string[] {
  return parseConfig(text, 'gatehouse.yaml', {}).warnings;
}

describe('warnings for accepted but inactive keys', () => {
  const table: Array<[behaviour: string, yaml: string, warning: string]> = [
    ['warns that a backend credential is not applied yet', 'backends:\n  - { name: a, url: "http://a", auth: service-account-a }\n', 'gatehouse.yaml: backends[0].auth (service-account-a): accepted but not applied yet in this version (requests reach the backend without these credentials)'],
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

  it('gives the seed example one warning per inactive key', () => {
    assert.equal(warningsOf(SEED_CHAPTER_6_YAML).length, 3);
  });
});
