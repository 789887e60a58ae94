// Field schemas shared by the policy types' settings (zod, snake_case as the
// documented YAML writes them, docs/policies.md). Each states its expectation as "expected ...";
// Regular expressions are compiled here (and CEL conditions in
// condition-schema.ts), at config load, so a bad one is refused with its
// exact place and the hot path never compiles.

import { z } from 'zod';
import { compileToolSelector, type ToolSelector } from './tool-selector.ts';

export function wholeNumber(min: number, max: number) {
  const expected = `expected a whole number from ${min} to ${max}`;
  return z.preprocess(
    (value) => (typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value),
    z.number({ error: expected }).int({ error: expected }).min(min, { error: expected }).max(max, { error: expected }),
  );
}

export function amount(expected = 'expected a number of at least 0') {
  return z.preprocess(
    (value) => (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value),
    z.number({ error: expected }).min(0, { error: expected }).refine(Number.isFinite, { error: expected }),
  );
}

export function text(expected = 'expected a non-empty string') {
  return z.string({ error: expected }).min(1, { error: expected });
}

export function list<T extends z.ZodType>(item: T) {
  return z.array(item, { error: 'expected a list' });
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `expected one of ${values.map((value) => `"${value}"`).join(', ')}` });
}

/** A JavaScript regular expression, compiled now; the engine's own message says what is wrong. */
export function regularExpression(flags: string) {
  return text('expected a regular expression').transform((source, context): RegExp => {
    try {
      return new RegExp(source, flags);
    } catch (error) {
      context.addIssue({ code: 'custom', message: `expected a valid regular expression: ${error instanceof Error ? error.message : String(error)}` });
      return z.NEVER;
    }
  });
}

/** `send_*` (any backend) or `crm/send_*`. */
export function toolPattern() {
  return text('expected a tool name or glob, optionally prefixed by its backend: send_*, crm/send_*').transform((pattern): ToolSelector => compileToolSelector(pattern));
}
