// The 2025 backend codec (2025-11-25, 2025-06-18, 2025-03-26): the
// `initialize` handshake made the session, so requests go as they are, HTTP
// headers mirror nothing from the body, and resources are subscribed per URI
// with `resources/subscribe`, which the router sends (router/resource-subscriptions.ts).

import { BackendError, type BackendHandshake } from '../backend.ts';
import type { BackendCodec } from '../backend-codec.ts';
import { requestHeaders, type HeaderMap } from '../http-request-headers.ts';
import type { ModernListen } from '../rev2026/modern-listen.ts';

export class LegacyBackendCodec implements BackendCodec {
  readonly handshake: BackendHandshake;
  readonly isHttpSession = true;
  readonly #backend: string;

  constructor(backend: string, handshake: BackendHandshake) {
    this.#backend = backend;
    this.handshake = handshake;
  }

  encodeParams(params: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
    return params;
  }

  httpHeaders(fixed: HeaderMap, method: string, params: Record<string, unknown> | undefined, extra: Record<string, string> | undefined): HeaderMap {
    return requestHeaders(fixed, false, method, params, extra);
  }

  /** A backend that spoke 2026 before this handshake may have left a listen open; it ends, and a pending replacement learns why. */
  startListening(listen: ModernListen): void {
    listen.stop(new BackendError('backend_unavailable', this.#backend,
      `Backend "${this.#backend}" now speaks ${this.handshake.protocolVersion}; its resources are subscribed with resources/subscribe`));
  }

  setResourceSubscriptions(): Promise<void> {
    return Promise.resolve();
  }
}
