// V8 keeps every loaded module's source text for as long as the module lives
// (functions compile lazily from it), and stores a string with one byte per
// character only when no character lies past U+00FF: a single em dash in a
// comment doubles a whole chunk's footprint. The bundler escapes what lies in
// strings, templates and identifiers (`charset: 'ascii'`) but copies comments
// as written, so this rewrites such characters inside comments as `\uXXXX`
// text, which changes no behaviour and keeps every line where it was
// (docs/benchmarks.md, "Session 13").

import type { parseSync } from 'rolldown/utils';

const WIDE_CHARACTER = /[^\x00-\xff]/g;

/** Whether V8 would hold `code` as a one-byte string. */
export function isOneByte(code: string): boolean {
  WIDE_CHARACTER.lastIndex = 0;
  return !WIDE_CHARACTER.test(code);
}

function escapeWide(text: string): string {
  return text.replace(WIDE_CHARACTER, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * `code` (a chunk, already ASCII outside its comments) with every character
 * past U+00FF in its comments escaped; null when its comments hold none.
 * A wide character outside a comment stays (the bundle test finds it).
 * `parse` is rolldown's, passed in: the bundler loads only when a bundle is built.
 */
export function escapeWideComments(code: string, fileName: string, parse: typeof parseSync): string | null {
  if (isOneByte(code)) return null;
  const { comments } = parse(fileName, code);
  let escaped = '';
  let copied = 0;
  for (const comment of comments) {
    const text = code.slice(comment.start, comment.end);
    if (isOneByte(text)) continue;
    escaped += code.slice(copied, comment.start) + escapeWide(text);
    copied = comment.end;
  }
  if (copied === 0) return null;
  return escaped + code.slice(copied);
}
