// Era detection for a backend, as pure decisions: what the `server/discover`
// probe's outcome means (2026-07-28 basic/versioning "Backward Compatibility",
// transports/stdio and streamable-http "Backward Compatibility"), and how a
// discover result becomes the BackendHandshake the router sees
// (../revision-negotiation.ts runs the probe; ../rev2025/initialize.ts reads the fallback).

import type { JsonRpcErrorObject } from '../../protocol/jsonrpc.ts';
import { LEGACY_REVISIONS, META, MODERN_REVISIONS } from '../../protocol/revisions.ts';
import type { BackendHandshake } from '../backend.ts';
import { asImplementation, isRecord } from '../handshake-fields.ts';

/** UnsupportedProtocolVersionError (2026-07-28 basic/index, "Error Codes"). */
export const UNSUPPORTED_PROTOCOL_VERSION = -32022;

export type DiscoverOutcome =
  | { kind: 'result'; result: Record<string, unknown> }
  /** A JSON-RPC error, in-band (stdio) or as an HTTP error body. */
  | { kind: 'error'; error: JsonRpcErrorObject; httpStatus?: number }
  /** An HTTP rejection whose body is not a JSON-RPC error. */
  | { kind: 'http-status'; status: number }
  /** stdio only: no answer within the probe timeout, or the child exited on the probe. */
  | { kind: 'silent' };

export type DiscoverVerdict =
  | { kind: 'modern'; handshake: BackendHandshake }
  /** -32022 naming a version we share: re-send the probe with it, once. */
  | { kind: 'retry'; version: string }
  | { kind: 'legacy'; reason: string }
  /** Not era evidence (auth wall, server failure, disjoint modern versions): the connect fails. */
  | { kind: 'fail'; reason: string; isPermanent: boolean };

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string') ? value : undefined;
}

/** The newest modern revision both sides speak (MODERN_REVISIONS is newest first). */
export function pickModernVersion(offered: readonly string[]): string | undefined {
  return MODERN_REVISIONS.find((version) => offered.includes(version));
}

export function handshakeFromDiscover(result: Record<string, unknown>, protocolVersion: string): BackendHandshake {
  const meta = isRecord(result._meta) ? result._meta : undefined;
  return {
    era: 'modern',
    protocolVersion,
    capabilities: isRecord(result.capabilities) ? result.capabilities : {},
    serverInfo: asImplementation(meta?.[META.serverInfo]) ?? asImplementation(result.serverInfo),
    instructions: typeof result.instructions === 'string' ? result.instructions : undefined,
  };
}

/**
 * Classifies one probe outcome. Conservative like the SDK's probe classifier:
 * only a DiscoverResult or a -32022 naming a shared version counts as modern
 * evidence; auth statuses and 5xx are failures, never era evidence.
 */
export function classifyDiscoverOutcome(outcome: DiscoverOutcome): DiscoverVerdict {
  switch (outcome.kind) {
    case 'result': {
      const offered = stringList(outcome.result.supportedVersions);
      if (offered === undefined) return { kind: 'legacy', reason: 'server/discover answered without supportedVersions' };
      const version = pickModernVersion(offered);
      if (version === undefined) return { kind: 'legacy', reason: `server/discover offers only ${offered.join(', ')}` };
      return { kind: 'modern', handshake: handshakeFromDiscover(outcome.result, version) };
    }
    case 'error': {
      const status = outcome.httpStatus;
      if (status === 401 || status === 403) return authFailure(status);
      if (status !== undefined && status >= 500) return serverFailure(status);
      return classifyDiscoverError(outcome.error);
    }
    case 'http-status': {
      if (outcome.status === 401 || outcome.status === 403) return authFailure(outcome.status);
      if (outcome.status >= 500) return serverFailure(outcome.status);
      // streamable-http "Backward Compatibility": a 4xx without a recognised
      // modern error body means a legacy server.
      return { kind: 'legacy', reason: `server/discover was rejected with HTTP ${outcome.status}` };
    }
    case 'silent':
      // transports/stdio "Backward Compatibility": no answer within a
      // reasonable timeout means legacy.
      return { kind: 'legacy', reason: 'server/discover got no answer' };
  }
}

function classifyDiscoverError(error: JsonRpcErrorObject): DiscoverVerdict {
  if (error.code !== UNSUPPORTED_PROTOCOL_VERSION) {
    // The fallback "MUST NOT be keyed to one specific error code": any other
    // error, -32601 and -32602 included, marks a legacy server.
    return { kind: 'legacy', reason: `server/discover failed with ${error.code} ${error.message}` };
  }
  const supported = stringList(isRecord(error.data) ? error.data.supported : undefined);
  if (supported === undefined) return { kind: 'legacy', reason: '-32022 without a data.supported list' };
  const version = pickModernVersion(supported);
  if (version !== undefined) return { kind: 'retry', version };
  // Revisions are dates, so anything older than every modern one is legacy.
  const onlyLegacy = supported.every((offered) => MODERN_REVISIONS.every((modern) => offered < modern));
  if (onlyLegacy) return { kind: 'legacy', reason: `the backend supports only ${supported.join(', ')}` };
  return {
    kind: 'fail',
    isPermanent: true,
    reason: `the backend speaks ${supported.join(', ')} and the gateway speaks ${[...MODERN_REVISIONS, ...LEGACY_REVISIONS].join(', ')}; upgrade one of them`,
  };
}

function authFailure(status: number): DiscoverVerdict {
  return {
    kind: 'fail',
    isPermanent: true,
    reason: `the backend refused the gateway with HTTP ${status}; check the credentials in this backend's headers`,
  };
}

function serverFailure(status: number): DiscoverVerdict {
  return { kind: 'fail', isPermanent: false, reason: `the backend answered server/discover with HTTP ${status}` };
}
