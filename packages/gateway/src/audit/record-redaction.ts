// Redaction of what an audit record keeps, before it is stored: the
// operation's arguments, the stored output and error messages pass the
// gateway's redactors (policy/redactors.ts). The call itself is untouched:
// a backend still receives the real argument; only the log is redacted.
// Copy on write, so the exchange's own objects are never changed. The same
// walk makes what is stored representable: numbers JSON cannot carry become
// {"$number": ...} markers and hostile nesting a marker string, so the record
// always has a canonical form (canonical-json.ts).

import { NESTED_TOO_DEEP, nonFiniteNumberMarker } from './canonical-json.ts';
import { compileRedactor, type Redactor, type RedactorOptions } from '../policy/redactors.ts';
import type { AuditFacts } from './record.ts';

/** Nesting deeper than this is kept as a marker rather than walked (arguments are small JSON; this bounds a hostile one). */
const MAX_DEPTH = 32;

export interface AuditRedaction {
  /** The facts with arguments, output and error message redacted; the kinds found are added to `redactions`. The same object when nothing matched. */
  redact(facts: AuditFacts): AuditFacts;
}

export function createAuditRedaction(options: RedactorOptions): AuditRedaction {
  const redactor = compileRedactor(options);
  return {
    redact(facts) {
      let kinds: Set<string> | undefined;
      const found = () => (kinds ??= new Set());
      const scratch = new Set<string>();
      const before = { arguments: facts.arguments, output: facts.output };
      const args = facts.arguments === undefined ? undefined : redactCopy(redactor, facts.arguments, scratch, 0);
      const output = facts.output === undefined ? undefined : redactCopy(redactor, facts.output, scratch, 0);
      const message = facts.error === undefined ? undefined : redactor.redactText(facts.error.message, scratch);
      if (scratch.size === 0) {
        // Nothing redacted; still take the copy when the walk reshaped a number or a too-deep branch.
        if (args === before.arguments && output === before.output) return facts;
        return { ...facts, ...(args === undefined ? {} : { arguments: args as Record<string, unknown> }), ...(output === undefined ? {} : { output }) };
      }
      for (const kind of facts.redactions ?? []) found().add(kind);
      for (const kind of scratch) found().add(kind);
      return {
        ...facts,
        ...(args === undefined ? {} : { arguments: args as Record<string, unknown> }),
        ...(output === undefined ? {} : { output }),
        ...(facts.error === undefined || message === undefined ? {} : { error: { code: facts.error.code, message } }),
        redactions: [...found()].sort(),
      };
    },
  };
}

/**
 * `value` with every string (and every number that is a card or SSN) redacted;
 * containers are copied only along the paths where something changed. Each
 * member's name goes with its value as context, as in the response filter.
 */
function redactCopy(redactor: Redactor, value: unknown, kinds: Set<string>, depth: number, field?: string): unknown {
  if (typeof value === 'string') return redactor.redactText(value, kinds, field);
  if (typeof value === 'number') return Number.isFinite(value) ? redactor.redactNumber(value, kinds, field) : nonFiniteNumberMarker(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return NESTED_TOO_DEEP;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let index = 0; index < value.length; index += 1) {
      const item: unknown = value[index];
      const redacted = redactCopy(redactor, item, kinds, depth + 1, field);
      if (redacted !== item) (copy ??= value.slice())[index] = redacted;
    }
    return copy ?? value;
  }
  let copy: Record<string, unknown> | undefined;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const item = record[key];
    const redacted = redactCopy(redactor, item, kinds, depth + 1, key);
    if (redacted !== item) (copy ??= { ...record })[key] = redacted;
  }
  return copy ?? value;
}
