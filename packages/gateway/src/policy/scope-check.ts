// Scope and role checks as the chain's first link: the identity issue's
// authorization rules (identity/authorization.ts: backend, per-tool and
// per-role scopes) when the gateway has them, plus scopes this policy itself
// requires for every call it applies to or per tool pattern.

import { z } from 'zod';
import type { Exchange } from '../exchange/exchange.ts';
import type { Authorization, PrimitiveKind } from '../identity/authorization.ts';
import { hasScope } from '../identity/caller.ts';
import { allowOnce, type Decision, type Policy } from './policy.ts';
import { PolicyError } from './policy-error.ts';
import { list, text, toolPattern } from './settings-schema.ts';
import { callerOf, type ToolSelector } from './tool-selector.ts';

export const scopeCheckSettings = z.strictObject({
  /** Apply the identity configuration's per-backend and per-tool rules (when the gateway has them). Default true. */
  use_identity_rules: z.boolean({ error: 'expected true or false' }).default(true),
  /** Needed for every call this policy applies to. */
  required_scopes: list(text()).default([]),
  /** Extra scopes per tool pattern, first match wins. */
  tools: list(z.strictObject({ tool: toolPattern(), scopes: list(text()) }, { error: 'expected a mapping with tool and scopes' })).default([]),
});

export type ScopeCheckSettings = z.infer<typeof scopeCheckSettings>;

export interface ScopeCheckDependencies {
  authorization?: Authorization | undefined;
}

const KIND: Readonly<Record<string, PrimitiveKind | undefined>> = { tool: 'tool', prompt: 'prompt', resource: 'resource', completion: 'prompt' };

export function createScopeCheck(name: string, settings: ScopeCheckSettings, dependencies: ScopeCheckDependencies = {}): Policy {
  const allow = allowOnce(name);
  const authorization = settings.use_identity_rules ? dependencies.authorization : undefined;
  const toolRules: readonly { tool: ToolSelector; scopes: readonly string[] }[] = settings.tools;

  function missingScopes(exchange: Exchange): { required: string[]; missing: string[] } | undefined {
    const caller = callerOf(exchange)!;
    const target = exchange.target;
    let required: readonly string[] = settings.required_scopes;
    if (toolRules.length > 0 && target?.kind === 'tool' && target.name !== undefined) {
      const rule = toolRules.find(({ tool }) => tool.matches(target.backend, target.name!));
      if (rule !== undefined) required = [...required, ...rule.scopes];
    }
    // The common case allocates nothing: every scope held.
    let missing: string[] | undefined;
    for (const scope of required) if (!hasScope(caller, scope)) (missing ??= []).push(scope);
    return missing === undefined ? undefined : { required: [...required], missing };
  }

  return {
    name,
    type: 'scope_check',
    onRequest(exchange): Decision {
      const caller = callerOf(exchange);
      // Anonymous callers exist only under --allow-anonymous, where authorization lets everything through (identity issue).
      if (caller === undefined) return allow;
      const target = exchange.target;
      const kind = target === undefined ? undefined : KIND[target.kind];
      if (authorization !== undefined && target !== undefined && kind !== undefined && target.name !== undefined) {
        const access = authorization.decide(caller, { backend: target.backend, kind, name: target.name }, 'call');
        if (!access.isAllowed) {
          const code = access.error.code === 'insufficient_scope' ? 'insufficient_scope' : 'tool_denied';
          const details = { code, missing_scopes: [...access.error.missingScopes], required_scopes: [...access.error.requiredScopes] };
          return deny(name, new PolicyError(name, code, access.error.message, { details }), details);
        }
      }
      const shortfall = missingScopes(exchange);
      if (shortfall === undefined) return allow;
      const what = target?.name === undefined ? `"${exchange.message.method}"` : `${target.kind} "${target.name}" of backend "${target.backend}"`;
      const message = `Insufficient scope to use ${what}: missing ${shortfall.missing.join(', ')}; request a token with ${shortfall.missing.length === 1 ? 'this scope' : 'these scopes'} (or ask an administrator to grant ${shortfall.missing.length === 1 ? 'it' : 'them'} to your agent)`;
      const details = { code: 'insufficient_scope', missing_scopes: shortfall.missing, required_scopes: shortfall.required };
      return deny(name, new PolicyError(name, 'insufficient_scope', message, { details }), details);
    },
  };
}

function deny(policy: string, error: PolicyError, details: Record<string, unknown>): Decision {
  return { policy, decision: 'deny', reason: error.message, details, error };
}
