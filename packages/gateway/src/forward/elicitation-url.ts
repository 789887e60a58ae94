// URL-mode elicitation (MCP client/elicitation, "URL Mode"): a backend asks
// the client to send its user to a URL. The gateway never fetches that URL;
// it passes it on only when it is an absolute http(s) URL without embedded
// credentials, so a backend cannot hand a client `javascript:`, `data:` or
// `file:` links, or `https://bank.example@evil.example/` look-alikes.

import { GatewayRpcError, RPC } from '../protocol/errors.ts';

/** Why this client request may not be passed on, or undefined when it may (anything but a URL-mode elicitation passes). */
export function elicitationUrlProblem(method: string, params: Record<string, unknown> | undefined): string | undefined {
  if (method !== 'elicitation/create' || params?.mode !== 'url') return undefined;
  const url = params.url;
  if (typeof url !== 'string') return 'a URL-mode elicitation without a url';
  const parsed = URL.parse(url);
  if (parsed === null) return `a URL-mode elicitation whose url "${url.slice(0, 200)}" is not an absolute URL`;
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return `a URL-mode elicitation whose url is a ${parsed.protocol} URL; only http and https links are passed to clients`;
  if (parsed.username !== '' || parsed.password !== '') return 'a URL-mode elicitation whose url carries a user name or password, which disguises the real host';
  return undefined;
}

/** The error a client gets when its call's backend asked for such a URL. */
function refusedElicitation(backend: string, problem: string): GatewayRpcError {
  return new GatewayRpcError(RPC.internalError, `Backend "${backend}" sent ${problem}; the gateway did not pass it to the client. Report this to the backend's owner`);
}

/** Checks every entry of an `input_required` result's `inputRequests` (2026-07-28). */
export function checkInputRequests(backend: string, inputRequests: unknown): void {
  if (typeof inputRequests !== 'object' || inputRequests === null) return;
  for (const request of Object.values(inputRequests as Record<string, { method?: unknown; params?: unknown }>)) {
    const params = typeof request?.params === 'object' && request.params !== null ? request.params as Record<string, unknown> : undefined;
    const problem = elicitationUrlProblem(String(request?.method), params);
    if (problem !== undefined) throw refusedElicitation(backend, problem);
  }
}
