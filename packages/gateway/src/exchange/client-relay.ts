// How a stage reaches the client while its request is still open: messages
// ahead of the result (progress, log messages) and, for 2025-era clients, a
// request to the client on the call's stream (sampling, elicitation, roots).
// 2026-07-28 clients get no such request: the bridge turns it into an
// `input_required` result instead (basic/patterns/mrtr).

import type { JsonRpcNotification, JsonRpcResponse } from '../protocol/jsonrpc.ts';

export interface ClientRelay {
  notify(notification: JsonRpcNotification): void;
  /** Sends a request to a 2025-era client and resolves with its response; `undefined` for 2026 clients. */
  request: ((method: string, params: Record<string, unknown> | undefined, signal: AbortSignal) => Promise<JsonRpcResponse>) | undefined;
}

/** Which client capability a server-to-client request needs (2025-11-25 client features). */
export function capabilityFor(method: string, params: Record<string, unknown> | undefined): { name: string; sub?: string } | undefined {
  switch (method) {
    case 'sampling/createMessage':
      return { name: 'sampling' };
    case 'elicitation/create':
      return params?.mode === 'url' ? { name: 'elicitation', sub: 'url' } : { name: 'elicitation' };
    case 'roots/list':
      return { name: 'roots' };
    default:
      return undefined;
  }
}

/** Whether the client declared what a request needs. An empty `elicitation: {}` means form mode only (2025-11-25). */
export function hasCapability(capabilities: Record<string, unknown>, method: string, params: Record<string, unknown> | undefined): boolean {
  const needed = capabilityFor(method, params);
  if (needed === undefined) return true;
  const declared = capabilities[needed.name];
  if (typeof declared !== 'object' || declared === null) return false;
  if (needed.sub === undefined) return true;
  return (declared as Record<string, unknown>)[needed.sub] !== undefined;
}
