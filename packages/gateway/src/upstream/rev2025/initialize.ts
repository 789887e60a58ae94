// The 2025 handshake a backend falls back to when the `server/discover`
// probe says legacy (2025-11-25 basic/lifecycle, "Initialization" and
// "Version Negotiation"): the `initialize` params, and how its result becomes
// the BackendHandshake the router sees.

import type { JsonRpcResponse } from '../../protocol/jsonrpc.ts';
import { LATEST_LEGACY, LEGACY_REVISIONS } from '../../protocol/revisions.ts';
import { BackendError, type BackendHandshake, type Implementation } from '../backend.ts';
import { asImplementation, isRecord } from '../handshake-fields.ts';

/** `initialize` params for the legacy fallback (2025-11-25 basic/lifecycle, "Initialization"). */
export function initializeParams(clientInfo: Implementation, capabilities: Record<string, unknown>, protocolVersion: string = LATEST_LEGACY): Record<string, unknown> {
  return { protocolVersion, capabilities, clientInfo };
}

/**
 * Reads an InitializeResult. Returns a reason string when the backend chose a
 * version the gateway does not speak: lifecycle "Version Negotiation" says the
 * client SHOULD then disconnect.
 */
export function handshakeFromInitialize(result: Record<string, unknown>): BackendHandshake | string {
  const version = result.protocolVersion;
  if (typeof version !== 'string' || !(LEGACY_REVISIONS as readonly string[]).includes(version)) {
    return `the backend answered initialize with protocol version ${String(version)}; the gateway speaks ${LEGACY_REVISIONS.join(', ')}`;
  }
  return {
    era: 'legacy',
    protocolVersion: version,
    capabilities: isRecord(result.capabilities) ? result.capabilities : {},
    serverInfo: asImplementation(result.serverInfo),
    instructions: typeof result.instructions === 'string' ? result.instructions : undefined,
  };
}

/** The handshake from the backend's answer to initialize, or the BackendError that ends the connection attempt. */
export function handshakeFromInitializeAnswer(backend: string, response: JsonRpcResponse): BackendHandshake {
  if ('error' in response) {
    throw new BackendError('backend_protocol_error', backend,
      `Backend "${backend}" rejected initialize: ${response.error.code} ${response.error.message}; it speaks neither 2026-07-28 nor a legacy revision the gateway knows`);
  }
  const legacy = handshakeFromInitialize(response.result);
  if (typeof legacy === 'string') throw new BackendError('backend_protocol_error', backend, `Backend "${backend}": ${legacy}`);
  return legacy;
}
