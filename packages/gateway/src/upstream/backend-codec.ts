// The seam between a backend's channel (http-backend.ts, stdio-backend.ts:
// how bytes move) and the protocol revision the backend speaks (rev2025/,
// rev2026/: what the bytes say). The channel negotiates once per connection
// (revision-negotiation.ts) and keeps the codec it gets back until the next
// handshake; a new revision is a new folder with one more codec.

import type { BackendHandshake } from './backend.ts';
import type { HeaderMap } from './http-request-headers.ts';
import type { ModernListen } from './rev2026/modern-listen.ts';

export interface BackendCodec {
  /** What the backend said when this connection was negotiated. */
  readonly handshake: BackendHandshake;
  /**
   * Request params as this revision carries them: 2026-07-28 adds the
   * per-request `_meta` envelope (its own client capabilities when given,
   * else the gateway's); 2025 sends them as they are.
   */
  encodeParams(params: Record<string, unknown> | undefined, clientCapabilities: Record<string, unknown> | undefined): Record<string, unknown> | undefined;
  /** The HTTP headers of one message: the fixed set plus the caller's extras, and what this revision mirrors from the body. */
  httpHeaders(fixed: HeaderMap, method: string, params: Record<string, unknown> | undefined, extra: Record<string, string> | undefined): HeaderMap;
  /**
   * Whether the connection is a session the backend may expire and that ends
   * with DELETE, whose server requests may come on a standalone GET stream,
   * whose response streams resume with Last-Event-ID (sse-resume.ts), and
   * whose backend does not read a dropped response stream as cancellation
   * (2025-11-25 transports, "Session Management", "Resumability and
   * Redelivery", "Listening for Messages from the Server", "Sending Messages"
   * 6). Only the HTTP channel asks: stdio has none of these.
   */
  readonly isHttpSession: boolean;
  /** After the handshake: listen for the backend's notifications (2026) or stop a listen an earlier connection had (2025). */
  startListening(listen: ModernListen): void;
  /** Backend.setResourceSubscriptions for this revision. */
  setResourceSubscriptions(listen: ModernListen, uris: readonly string[]): Promise<void>;
}
