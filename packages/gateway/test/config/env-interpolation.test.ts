import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { interpolateEnv, interpolateString } from '../../src/config/env-interpolation.ts';

const env = { HOST: 'crm.internal', EMPTY: '', PORT: '8080', TRICKY: '${HOST}' };

describe('interpolateString', () => {
  const table: Array<[text: string, result: string]> = [
    ['plain text', 'plain text'],
    ['${HOST}', 'crm.internal'],
    ['http://${HOST}:${PORT}/mcp', 'http://crm.internal:8080/mcp'],
    ['${MISSING:-fallback}', 'fallback'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${HOST:-fallback}', 'crm.internal'],
    ['${MISSING:-}', ''],
    ['${EMPTY}', ''],
    ['${MISSING:-a b:c}', 'a b:c'],
    ['$${HOST}', '${HOST}'],
    // Left to right: a lone `$`, then the `$${` escape.
    ['$$${HOST}', '$${HOST}'],
    ['pa$$word', 'pa$$word'],
    ['cost: $5', 'cost: $5'],
    ['$', '$'],
    ['${TRICKY}', '${HOST}'],
  ];
  for (const [text, result] of table) {
    it(`expands "${text}" to "${result}"`, () => {
      assert.deepEqual(interpolateString(text, env), { text: result, missing: [], malformed: undefined });
    });
  }

  it('names every variable that is unset and has no default', () => {
    assert.deepEqual(interpolateString('${A}-${HOST}-${B}', env).missing, ['A', 'B']);
  });

  const malformed: Array<[text: string, reason: RegExp]> = [
    ['${HOST', /is not closed/],
    ['${}', /is not a variable reference/],
    ['${1ABC}', /is not a variable reference/],
    ['${A B}', /is not a variable reference/],
    ['${A:-${B}}', /nests a reference in a default/],
  ];
  for (const [text, reason] of malformed) {
    it(`refuses the malformed reference "${text}"`, () => {
      assert.match(interpolateString(text, env).malformed ?? '', reason);
    });
  }
});

describe('interpolateEnv', () => {
  it('expands string values at every depth and leaves keys, numbers and booleans alone', () => {
    const document = { '${HOST}': 'x', backends: [{ url: 'http://${HOST}', timeout_ms: 5, enabled: true, args: ['${PORT}'] }] };
    assert.deepEqual(interpolateEnv(document, env), {
      value: { '${HOST}': 'x', backends: [{ url: 'http://crm.internal', timeout_ms: 5, enabled: true, args: ['8080'] }] },
      problems: [],
    });
  });

  it('reports each missing variable with the key path where it is used', () => {
    const { problems } = interpolateEnv({ backends: [{ env: { API_KEY: '${CRM_API_KEY}' } }] }, env);
    assert.deepEqual(problems, [
      {
        path: ['backends', 0, 'env', 'API_KEY'],
        kind: 'missing',
        variable: 'CRM_API_KEY',
        message: 'environment variable CRM_API_KEY is not set (set it, or write ${CRM_API_KEY:-default} to give a default)',
      },
    ]);
  });
});
