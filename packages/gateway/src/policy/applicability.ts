// Where a policy runs: the `applies_to` every policy type accepts (methods,
// backends, tools, agent roles, agents, a CEL condition), compiled into one
// predicate the chain asks before calling the policy's hooks. This is how
// the "global, per backend, per tool, per agent role" is declared.

import type { Exchange } from '../exchange/exchange.ts';
import { globToRegExp, callerOf, matchesAny } from './tool-selector.ts';
import type { AppliesToSettings } from './condition-schema.ts';

export type Applicability = (exchange: Exchange) => boolean;

/**
 * `undefined` when nothing narrows (the chain then skips the check). Methods
 * default per policy type (`defaultMethods`); `*` means every method. A
 * `when` condition that cannot be evaluated counts as applying: policies
 * restrict, so an unreadable condition must not switch one off.
 */
export function compileApplicability(settings: AppliesToSettings | undefined, defaultMethods: readonly string[]): Applicability | undefined {
  const methods = settings?.methods ?? defaultMethods;
  const anyMethod = methods.includes('*');
  const methodSet = new Set(methods);
  const backends = settings?.backends?.map(globToRegExp);
  const tools = settings?.tools;
  const roles = settings?.roles;
  const agents = settings?.agents === undefined ? undefined : new Set(settings.agents);
  const when = settings?.when;
  if (anyMethod && backends === undefined && tools === undefined && roles === undefined && agents === undefined && when === undefined) return undefined;

  return (exchange) => {
    if (!anyMethod && !methodSet.has(exchange.message.method)) return false;
    const target = exchange.target;
    if (backends !== undefined && (target === undefined || !backends.some((pattern) => pattern.test(target.backend)))) return false;
    if (tools !== undefined && (target?.kind !== 'tool' || target.name === undefined || matchesAny(tools, target.backend, target.name) === undefined)) return false;
    if (roles !== undefined || agents !== undefined) {
      const caller = callerOf(exchange);
      if (caller === undefined) return false;
      if (agents !== undefined && !agents.has(caller.agent)) return false;
      if (roles !== undefined && !roles.some((role) => caller.roles.has(role))) return false;
    }
    if (when !== undefined) {
      const verdict = when.evaluate(exchange);
      return typeof verdict === 'boolean' ? verdict : true;
    }
    return true;
  };
}
