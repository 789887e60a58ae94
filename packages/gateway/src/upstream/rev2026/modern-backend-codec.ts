// The 2026-07-28 backend codec: stateless requests that each carry the
// `_meta` envelope (basic/index, "Per-request protocol fields"), mirrored in
// HTTP headers (transports/streamable-http, "Request Metadata"), with list
// changes and resource updates on a `subscriptions/listen` stream
// (basic/patterns/subscriptions) that modern-listen.ts keeps open.

import type { BackendHandshake, Implementation } from '../backend.ts';
import type { BackendCodec } from '../backend-codec.ts';
import { requestHeaders, type HeaderMap } from '../http-request-headers.ts';
import type { SubscriptionFilter } from './listen-filter.ts';
import type { ModernListen } from './modern-listen.ts';
import { withModernEnvelope } from './envelope.ts';

/** `server/discover` params: no handshake yet, so the probe carries the envelope of the version it tries. */
export function discoverParams(version: string, clientInfo: Implementation, clientCapabilities: Record<string, unknown>): Record<string, unknown> {
  return withModernEnvelope(undefined, version, clientInfo, clientCapabilities);
}

/** `subscriptions/listen` params for a filter, in the envelope of the negotiated version. */
export function listenParams(filter: SubscriptionFilter, version: string, clientInfo: Implementation, clientCapabilities: Record<string, unknown>): Record<string, unknown> {
  return withModernEnvelope({ notifications: filter }, version, clientInfo, clientCapabilities);
}

export class ModernBackendCodec implements BackendCodec {
  readonly handshake: BackendHandshake;
  readonly isHttpSession = false;
  readonly #clientInfo: Implementation;
  readonly #defaultCapabilities: Record<string, unknown>;

  constructor(handshake: BackendHandshake, clientInfo: Implementation, defaultCapabilities: Record<string, unknown>) {
    this.handshake = handshake;
    this.#clientInfo = clientInfo;
    this.#defaultCapabilities = defaultCapabilities;
  }

  encodeParams(params: Record<string, unknown> | undefined, clientCapabilities: Record<string, unknown> | undefined): Record<string, unknown> {
    return withModernEnvelope(params, this.handshake.protocolVersion, this.#clientInfo, clientCapabilities ?? this.#defaultCapabilities);
  }

  /** "These headers are REQUIRED for compliance": `Mcp-Method` and, for named targets, `Mcp-Name`. */
  httpHeaders(fixed: HeaderMap, method: string, params: Record<string, unknown> | undefined, extra: Record<string, string> | undefined): HeaderMap {
    return requestHeaders(fixed, true, method, params, extra);
  }

  startListening(listen: ModernListen): void {
    listen.start(this.handshake.capabilities);
  }

  setResourceSubscriptions(listen: ModernListen, uris: readonly string[]): Promise<void> {
    return listen.setResourceSubscriptions(uris);
  }
}
