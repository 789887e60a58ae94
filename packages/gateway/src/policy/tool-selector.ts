// How policy settings name tools: a glob over the backend's own tool name
// (`send_*`, any backend) or over `backend/tool` (`crm/send_*`). Policies see
// the backend and the original name (routing resolved them), so one rule
// holds however the catalog namespaces names for clients.

import type { Exchange } from '../exchange/exchange.ts';
import type { Caller } from '../identity/caller.ts';

export interface ToolSelector {
  readonly pattern: string;
  matches(backend: string, tool: string): boolean;
}

/** `*` matches any run of characters, `?` one character; everything else is literal. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (const character of glob) {
    if (character === '*') source += '.*';
    else if (character === '?') source += '.';
    else source += character.replace(/[.+^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

export function compileToolSelector(pattern: string): ToolSelector {
  const slash = pattern.indexOf('/');
  if (slash === -1) {
    if (!/[*?]/.test(pattern)) return { pattern, matches: (_backend, tool) => tool === pattern };
    const tool = globToRegExp(pattern);
    return { pattern, matches: (_backend, name) => tool.test(name) };
  }
  const backend = globToRegExp(pattern.slice(0, slash));
  const tool = globToRegExp(pattern.slice(slash + 1));
  return { pattern, matches: (backendName, name) => backend.test(backendName) && tool.test(name) };
}

export function matchesAny(selectors: readonly ToolSelector[], backend: string, tool: string): ToolSelector | undefined {
  for (const selector of selectors) if (selector.matches(backend, tool)) return selector;
  return undefined;
}

/** The Caller the identity stage put on the exchange; `undefined` before identity runs or when anonymous. */
export function callerOf(exchange: Exchange): Caller | undefined {
  const caller = exchange.caller as Caller | undefined;
  return caller === undefined || caller.isAnonymous ? undefined : caller;
}

/** The tools/call `arguments` (an empty object when absent). */
export function argumentsOf(exchange: Exchange): Record<string, unknown> {
  const params = (exchange.message as { params?: Record<string, unknown> }).params;
  const args = params?.arguments;
  return typeof args === 'object' && args !== null && !Array.isArray(args) ? (args as Record<string, unknown>) : EMPTY;
}

const EMPTY: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

/**
 * Whom the call is counted against, for keys and messages: the root principal
 * of the delegation chain (identity/caller.ts), so a token obtained by RFC 8693
 * exchange shares the counters of the token it came from.
 */
export function principalOf(exchange: Exchange): { key: string; label: string } {
  const caller = callerOf(exchange);
  if (caller === undefined) return { key: 'anonymous', label: 'anonymous' };
  return { key: caller.rootPrincipal, label: caller.rootPrincipal.replace(':', ' ') };
}
