// The settings fields that hold CEL: a policy's `when` conditions and the
// `applies_to` block every policy type shares. Apart from settings-schema.ts
// so that a config (or the usage report) reading only plain fields never
// loads the CEL engine (@bufbuild/cel, about 130 modules).

import { z } from 'zod';
import { compileCondition, isCelCompileError, type CelCondition } from './cel.ts';
import { list, text, toolPattern } from './settings-schema.ts';

/** A CEL condition, compiled now; a syntax error or an unknown name is reported with its line and column. */
export function celCondition(extraVariables: readonly string[] = []) {
  return text('expected a CEL condition such as args.recipient_count > 1000').transform((source, context): CelCondition => {
    try {
      return compileCondition(source, extraVariables);
    } catch (error) {
      context.addIssue({ code: 'custom', message: isCelCompileError(error) ? error.message : String(error) });
      return z.NEVER;
    }
  });
}

/** Where a policy runs, common to every type; absent keys do not narrow. */
export const appliesToSchema = z.strictObject(
  {
    methods: list(text()).optional(),
    backends: list(text()).optional(),
    tools: list(toolPattern()).optional(),
    roles: list(text()).optional(),
    agents: list(text()).optional(),
    when: celCondition().optional(),
  },
  { error: 'expected a mapping with methods, backends, tools, roles, agents or when' },
);

export type AppliesToSettings = z.infer<typeof appliesToSchema>;
