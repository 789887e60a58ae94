// Output redaction (docs/policies.md: `pii_redaction`, type `response_filter`): a
// response hook that runs the redactors over what reaches the model (text
// content, embedded resource text, structuredContent recursively, resource
// contents, prompt messages) and records the kinds redacted, which audit
// reports as the record's `redactions`.

import { z } from 'zod';
import type { Exchange } from '../exchange/exchange.ts';
import { allowOnce, type Decision, type Policy } from './policy.ts';
import { compileRedactor, REDACTOR_NAMES, type Redactor } from './redactors.ts';
import { list, oneOf, regularExpression, text } from './settings-schema.ts';

export const redactionSettings = z.strictObject({
  patterns: list(oneOf(REDACTOR_NAMES)).default(['ssn', 'credit_card', 'full_email']),
  custom: list(
    z.strictObject(
      {
        name: text().regex(/^[a-z][a-z0-9_]*$/, { error: 'expected a lower_snake_case name, reported as the redaction kind' }),
        pattern: regularExpression(''),
        replacement: z.string({ error: 'expected a string' }).optional(),
      },
      { error: 'expected a mapping with name, pattern and optionally replacement' },
    ),
  ).default([]),
  /** DNS suffixes that count as internal hosts besides .internal, .local, .corp, .lan, .intranet. */
  internal_domains: list(text()).default([]),
});

export type RedactionSettings = z.infer<typeof redactionSettings>;

export function createRedaction(name: string, settings: RedactionSettings): Policy & { redactor: Redactor } {
  const allow = allowOnce(name);
  const redactor = compileRedactor({ patterns: settings.patterns, custom: settings.custom, internalDomains: settings.internal_domains });

  return {
    name,
    type: 'response_filter',
    redactor,
    onResponse(_exchange, result): Decision {
      const kinds = new Set<string>();
      redactResult(redactor, result, kinds);
      if (kinds.size === 0) return allow;
      return { policy: name, decision: 'rewrite', details: { redactions: [...kinds].sort() } };
    },
  };
}

/** Redacts, in place, the parts of a tools/call, resources/read or prompts/get result that carry backend text. */
function redactResult(redactor: Redactor, result: Record<string, unknown>, kinds: Set<string>): void {
  const content = result.content;
  if (Array.isArray(content)) for (const block of content) redactBlock(redactor, block, kinds);
  if (typeof result.structuredContent === 'object' && result.structuredContent !== null) redactor.redactValue(result.structuredContent, kinds);
  const contents = result.contents;
  if (Array.isArray(contents)) for (const item of contents) redactTextField(redactor, item, kinds);
  const messages = result.messages;
  if (Array.isArray(messages)) {
    for (const message of messages) {
      const inner = (message as { content?: unknown } | null)?.content;
      if (Array.isArray(inner)) for (const block of inner) redactBlock(redactor, block, kinds);
      else redactBlock(redactor, inner, kinds);
    }
  }
  if (typeof result.description === 'string') result.description = redactor.redactText(result.description, kinds);
}

/** Text blocks and embedded resources' text; images, audio and blobs (base64) are left alone. */
function redactBlock(redactor: Redactor, block: unknown, kinds: Set<string>): void {
  if (typeof block !== 'object' || block === null) return;
  const typed = block as { type?: unknown; resource?: unknown };
  if (typed.type === 'text') redactTextField(redactor, block, kinds);
  else if (typed.type === 'resource') redactTextField(redactor, typed.resource, kinds);
}

function redactTextField(redactor: Redactor, holder: unknown, kinds: Set<string>): void {
  if (typeof holder !== 'object' || holder === null) return;
  const record = holder as { text?: unknown };
  if (typeof record.text === 'string') record.text = redactor.redactText(record.text, kinds);
}

/** Every kind redacted on this exchange, for the audit record's `result.redactions`. */
export function redactionsOf(exchange: Exchange): string[] {
  let kinds: Set<string> | undefined;
  for (const decision of exchange.decisions) {
    const redactions = decision.details?.redactions;
    if (!Array.isArray(redactions)) continue;
    kinds ??= new Set();
    for (const kind of redactions) kinds.add(String(kind));
  }
  return kinds === undefined ? [] : [...kinds].sort();
}
