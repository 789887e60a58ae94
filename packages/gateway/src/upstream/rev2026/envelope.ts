// The 2026-07-28 per-request `_meta` envelope (basic/index, "Per-request
// protocol fields"): every modern request names its protocol version, client
// and client capabilities, because there is no handshake to remember them.

import { META } from '../../protocol/revisions.ts';
import type { Implementation } from '../backend.ts';

export const NO_CLIENT_CAPABILITIES: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * Returns params with the envelope added. The caller's own `_meta` keys (for
 * example `progressToken` or trace context) are kept; the three envelope keys
 * are the gateway's, since the gateway is the client this backend talks to.
 */
export function withModernEnvelope(
  params: Record<string, unknown> | undefined,
  protocolVersion: string,
  clientInfo: Implementation,
  clientCapabilities: Record<string, unknown>,
): Record<string, unknown> {
  const callerMeta = params?._meta;
  const meta: Record<string, unknown> = typeof callerMeta === 'object' && callerMeta !== null ? { ...callerMeta } : {};
  meta[META.protocolVersion] = protocolVersion;
  meta[META.clientInfo] = clientInfo;
  meta[META.clientCapabilities] = clientCapabilities;
  return params === undefined ? { _meta: meta } : { ...params, _meta: meta };
}
