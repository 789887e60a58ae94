// Tool allow/deny per agent role, per agent and per backend with glob
// patterns (docs/policies.md): does the agent's policy allow this specific
// tool? Pure matching over rules compiled at config load.

import { z } from 'zod';
import { allowOnce, type Decision, type Policy } from './policy.ts';
import { PolicyError } from './policy-error.ts';
import { list, oneOf, text, toolPattern } from './settings-schema.ts';
import { callerOf, globToRegExp, matchesAny, type ToolSelector } from './tool-selector.ts';
import type { Caller } from '../identity/caller.ts';

const ruleSchema = z.strictObject(
  {
    /** Who the rule is for; absent: everyone. A caller matches with any one of the roles. */
    roles: list(text()).optional(),
    agents: list(text()).optional(),
    /** Backends (globs) the rule is about; absent: all. */
    backends: list(text()).optional(),
    allow: list(toolPattern()).optional(),
    deny: list(toolPattern()).optional(),
  },
  { error: 'expected a mapping with roles, agents, backends, allow and deny' },
);

export const toolAccessSettings = z.strictObject({
  /** When no rule allows or denies the tool and no applicable rule has an allow list. */
  default: oneOf(['allow', 'deny']).default('allow'),
  rules: list(ruleSchema).default([]),
});

export type ToolAccessSettings = z.infer<typeof toolAccessSettings>;

interface CompiledRule {
  index: number;
  roles: readonly string[] | undefined;
  agents: ReadonlySet<string> | undefined;
  backends: readonly RegExp[] | undefined;
  allow: readonly ToolSelector[] | undefined;
  deny: readonly ToolSelector[];
  who: string;
}

export type ToolAccessVerdict = { isAllowed: true } | { isAllowed: false; why: string; rule: number | undefined };

/**
 * Deny wins: any applicable rule whose deny list matches refuses the tool.
 * Then any allow list that matches admits it. A caller covered by a rule with
 * an allow list is otherwise refused (the allow list is the whole grant);
 * everyone else gets `default`.
 */
export function compileToolAccess(settings: ToolAccessSettings): (caller: Caller | undefined, backend: string, tool: string) => ToolAccessVerdict {
  const rules: CompiledRule[] = settings.rules.map((rule, index) => ({
    index,
    roles: rule.roles,
    agents: rule.agents === undefined ? undefined : new Set(rule.agents),
    backends: rule.backends?.map(globToRegExp),
    allow: rule.allow,
    deny: rule.deny ?? [],
    who: rule.roles !== undefined ? `role${rule.roles.length === 1 ? '' : 's'} ${rule.roles.join(', ')}` : rule.agents !== undefined ? `agent${rule.agents.length === 1 ? '' : 's'} ${rule.agents.join(', ')}` : 'every caller',
  }));
  const ALLOWED = { isAllowed: true as const };

  return (caller, backend, tool) => {
    let hasAllowList: CompiledRule | undefined;
    let allowed = false;
    for (const rule of rules) {
      if (!covers(rule, caller, backend)) continue;
      const denied = matchesAny(rule.deny, backend, tool);
      if (denied !== undefined) return { isAllowed: false, why: `the pattern "${denied.pattern}" denies it to ${rule.who}`, rule: rule.index };
      if (rule.allow !== undefined) {
        hasAllowList ??= rule;
        if (!allowed && matchesAny(rule.allow, backend, tool) !== undefined) allowed = true;
      }
    }
    if (allowed) return ALLOWED;
    if (hasAllowList !== undefined) return { isAllowed: false, why: `it is not in the tools allowed to ${hasAllowList.who}`, rule: hasAllowList.index };
    return settings.default === 'allow' ? ALLOWED : { isAllowed: false, why: 'no rule allows it and this gateway denies tools by default', rule: undefined };
  };
}

function covers(rule: CompiledRule, caller: Caller | undefined, backend: string): boolean {
  if (rule.backends !== undefined && !rule.backends.some((pattern) => pattern.test(backend))) return false;
  if (rule.agents !== undefined && (caller === undefined || !rule.agents.has(caller.agent))) return false;
  if (rule.roles !== undefined && (caller === undefined || !rule.roles.some((role) => caller.roles.has(role)))) return false;
  return true;
}

export function createToolAccess(name: string, settings: ToolAccessSettings): Policy {
  const allow = allowOnce(name);
  const decide = compileToolAccess(settings);
  return {
    name,
    type: 'tool_access',
    onRequest(exchange): Decision {
      const target = exchange.target;
      if (target?.kind !== 'tool' || target.name === undefined) return allow;
      const verdict = decide(callerOf(exchange), target.backend, target.name);
      if (verdict.isAllowed) return allow;
      const caller = callerOf(exchange);
      const whom = caller === undefined ? 'anonymous callers' : `agent "${caller.agent}"${caller.roles.size > 0 ? ` (roles ${[...caller.roles].join(', ')})` : ''}`;
      const message = `Tool "${target.name}" of backend "${target.backend}" is not allowed for ${whom}: ${verdict.why}. Use another tool from tools/list, or ask an administrator for access`;
      const details: Record<string, unknown> = { code: 'tool_denied' };
      if (verdict.rule !== undefined) details.rule = verdict.rule;
      return { policy: name, decision: 'deny', reason: message, details, error: new PolicyError(name, 'tool_denied', message, { details }) };
    },
  };
}
