// The key of a running call in the replica's in-flight map: the transport
// files each call under it (transport/rev2025/legacy-handler.ts) and the
// replica mesh finds the call a cancellation from another replica names
// (replica-mesh.ts). A request id is a string or a number (JSON-RPC 2.0 §4),
// so its type is part of the key: "1" and 1 are different requests.

export function inFlightKey(sessionId: string, requestId: unknown): string {
  return `${sessionId}\u0000${typeof requestId}:${String(requestId)}`;
}
