// Which revision a backend speaks, decided once per connection and shared by
// both channels: `server/discover` first, `initialize` as the fallback
// (2026-07-28 basic/versioning "Backward Compatibility"; transports/stdio and
// streamable-http "Backward Compatibility"). The channel says how a probe
// travels and how its failures read; the result is the connection's codec.

import type { Logger } from '../telemetry/logger.ts';
import { BackendError, type Implementation } from './backend.ts';
import type { BackendCodec } from './backend-codec.ts';
import { classifyDiscoverOutcome, type DiscoverOutcome } from './rev2026/discover.ts';
import { discoverParams, ModernBackendCodec } from './rev2026/modern-backend-codec.ts';

export interface NegotiationChannel {
  /** Sends `server/discover` in `version`'s envelope (`params`) and reports what came back. */
  discover(version: string, params: Record<string, unknown>): Promise<DiscoverOutcome>;
  /** The 2025 handshake on this channel, once the probe said legacy. */
  initialize(): Promise<BackendCodec>;
}

export interface NegotiationOptions {
  backend: string;
  /** Where the backend is, for error messages (` at <url>` over HTTP, empty on stdio). */
  location: string;
  /** The modern version to probe with first. */
  firstVersion: string;
  clientInfo: Implementation;
  clientCapabilities: Record<string, unknown>;
  logger: Logger;
}

export async function negotiateRevision(channel: NegotiationChannel, options: NegotiationOptions): Promise<BackendCodec> {
  const { backend, logger } = options;
  let version = options.firstVersion;
  for (let attempt = 0; attempt < 2; attempt++) {
    const verdict = classifyDiscoverOutcome(await channel.discover(version, discoverParams(version, options.clientInfo, options.clientCapabilities)));
    if (verdict.kind === 'modern') return new ModernBackendCodec(verdict.handshake, options.clientInfo, options.clientCapabilities);
    if (verdict.kind === 'legacy') {
      logger.info({ backend, reason: verdict.reason }, 'backend is legacy; falling back to initialize');
      return channel.initialize();
    }
    if (verdict.kind === 'fail') {
      throw new BackendError(verdict.isPermanent ? 'backend_protocol_error' : 'backend_unavailable', backend, `Backend "${backend}"${options.location}: ${verdict.reason}`);
    }
    version = verdict.version;
  }
  throw new BackendError('backend_protocol_error', backend,
    `Backend "${backend}" rejected server/discover twice with UnsupportedProtocolVersion; its advertised versions do not work`);
}
