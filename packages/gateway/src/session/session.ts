// A 2025-era client session: what `initialize` negotiated, held between the
// client's HTTP requests. 2026-07-28 requests carry all of this per request
// and never create one (2026-07-28 changelog, item 1).

export interface LegacySession {
  id: string;
  protocolVersion: string;
  clientInfo: Record<string, unknown> | undefined;
  clientCapabilities: Record<string, unknown>;
  /** `undefined` for `/mcp`, a backend name for `/servers/{name}/mcp`: a session never changes endpoint. */
  endpointBackend: string | undefined;
  /** The tenant it was created for (docs/tenants.md): a session never changes tenant. */
  tenant?: string;
  /** Whether the client has sent notifications/initialized. */
  isInitialized: boolean;
  /** `sessionOwnerOf(caller)` of the identity that created it, when authentication is on. */
  owner?: string;
  /** Who opened it, for the admin session list: `describeCaller(caller).identity` (`user:alice`, `agent:research`); absent when anonymous. */
  subject?: string;
  /** The OAuth client that opened it; absent when anonymous. */
  agent?: string;
  /** The level set with logging/setLevel; the gateway filters log messages per session with it. */
  logLevel?: string;
  createdAt: number;
  lastSeenAt: number;
}
