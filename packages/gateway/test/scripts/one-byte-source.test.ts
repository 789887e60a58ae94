// The bundle's comment escaping (scripts/one-byte-source.ts): a chunk whose
// comments hold a character past U+00FF would make V8 keep its whole source
// two bytes per character; the escaped chunk must be one byte per character,
// keep its lines, and run the same.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseSync } from 'rolldown/utils';
import { escapeWideComments as escapeWith, isOneByte } from '../../scripts/one-byte-source.ts';

const escapeWideComments = (code: string, fileName: string) => escapeWith(code, fileName, parseSync);

/** Runs a chunk's body and returns what it returns. */
function evaluate(code: string): unknown {
  return new Function(code)();
}

describe('isOneByte', () => {
  it('accepts ASCII and Latin-1, refuses anything past U+00FF', () => {
    assert.equal(isOneByte('plain ascii'), true);
    assert.equal(isOneByte('µs and café'), true);
    assert.equal(isOneByte('a — b'), false);
    assert.equal(isOneByte('emoji \u{1F600}'), false);
  });
});

describe('escapeWideComments', () => {
  it('leaves a chunk with no wide character alone', () => {
    assert.equal(escapeWideComments('const a = 1; // µs\n', 'chunk.mjs'), null);
  });

  it('escapes line and block comments, keeping lines and behaviour', () => {
    const code = [
      '// a → b, fullwidth Ｉ',
      'const label = "x"; /* one — two',
      '   three \u{1F600} */',
      'return label + 1;',
    ].join('\n');
    const escaped = escapeWideComments(code, 'chunk.mjs');
    assert.ok(escaped !== null);
    assert.equal(isOneByte(escaped), true);
    assert.equal(escaped.split('\n').length, code.split('\n').length);
    assert.match(escaped, /\/\/ a \\u2192 b, fullwidth \\uff29/);
    assert.match(escaped, /three \\ud83d\\ude00 \*\//);
    assert.equal(evaluate(escaped), evaluate(code));
  });

  it('leaves a wide character outside comments where it is (the bundler escapes those; the bundle test finds any left)', () => {
    const code = 'const dash = "—"; // → here\nreturn dash;';
    const escaped = escapeWideComments(code, 'chunk.mjs');
    assert.equal(escaped, 'const dash = "—"; // \\u2192 here\nreturn dash;');
    assert.equal(evaluate(escaped!), '—');
  });

  it('does not take comment-like text inside strings for a comment', () => {
    const code = 'const url = "http://example/—"; /* — */ return url;';
    const escaped = escapeWideComments(code, 'chunk.mjs');
    assert.equal(escaped, 'const url = "http://example/—"; /* \\u2014 */ return url;');
    assert.equal(evaluate(escaped!), 'http://example/—');
  });
});
