// Field schemas for gatehouse.yaml: each states its expectation as
// "expected ...", and the reporter (validation-problems.ts) adds what was
// found. Shared by every section's schema.

import { z } from 'zod';

/** Cross-field checks run even when fields failed, so every problem is reported in one pass. */
export const ALWAYS = { when: () => true };

export function isMapping(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `key:` with nothing after it parses as null; for optional keys that means "not set", as it reads. */
export function absentWhenNull<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === null ? undefined : value), schema);
}

/** Digit strings count, so `port: ${PORT:-8080}` (a string after interpolation) works. */
export function wholeNumber(min: number, max: number) {
  const expected = `expected a whole number from ${min} to ${max}`;
  return z.preprocess(
    (value) => (typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value),
    z.number({ error: expected }).int({ error: expected }).min(min, { error: expected }).max(max, { error: expected }),
  );
}

export function flag() {
  return z.preprocess(
    (value) => (value === 'true' ? true : value === 'false' ? false : value),
    z.boolean({ error: 'expected true or false' }),
  );
}

export function text(expected = 'expected a non-empty string') {
  return z.string({ error: expected }).min(1, { error: expected });
}

/** Environment values and header values are strings on the wire; a YAML `8080` or `true` is meant as text. */
export function stringValue() {
  return z.preprocess(
    (value) => (typeof value === 'number' || typeof value === 'boolean' ? String(value) : value),
    z.string({ error: 'expected a string' }),
  );
}

export function isHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const protocol = new URL(value).protocol;
  return protocol === 'http:' || protocol === 'https:';
}

export function httpUrl() {
  return text('expected an http(s) URL').refine(isHttpUrl, { error: 'expected an http(s) URL' });
}

export function matching(pattern: RegExp, expected: string, maxLength = 256) {
  return text(expected).max(maxLength, { error: expected }).regex(pattern, { error: expected });
}

export function list<T extends z.ZodType>(item: T) {
  return z.array(item, { error: 'expected a list' });
}

export function mapping<K extends z.core.$ZodRecordKey, V extends z.ZodType>(key: K, value: V) {
  return z.record(key, value, { error: 'expected a mapping' });
}
