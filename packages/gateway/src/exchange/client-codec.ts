// How one client revision encodes what the later stages produce: the shape
// of a result, the HTTP status of a relayed error, the code for an unknown
// resource, which log messages a request gets, and how tasks support is
// announced. The transport picks it with the revision
// (transport/rev2025/legacy-codec.ts, transport/rev2026/modern-codec.ts) and
// hands it on in the ClientDescription, so router, forward and dispatch ask
// the codec, not the era. Decisions that differ by revision for policy
// reasons (bridging, approvals) still read `client.era`.

import type { Era } from '../protocol/revisions.ts';

export interface ClientCodec {
  readonly era: Era;
  /** Shapes a result for this revision's client. Mutates and returns it (it is ours: freshly parsed or built). */
  shapeResult(method: string, result: Record<string, unknown>, serverInfo: Record<string, unknown>): Record<string, unknown>;
  /** The HTTP status of the response that relays a backend's JSON-RPC error with this code. */
  relayedErrorStatus(code: number): number;
  /** The JSON-RPC error code for a resource URI no backend serves. */
  readonly resourceNotFoundCode: number;
  /** The least severe log level relayed for a request whose client asked for `requested`; `undefined` relays none. */
  logLevelFloor(requested: string | undefined): string | undefined;
  /** Adds to the gateway's capabilities the entry by which this revision's client learns that tasks are offered. */
  declareTasks(capabilities: Record<string, unknown>): void;
}
