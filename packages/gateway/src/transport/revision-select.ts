// Picks the revision family for one POST to the shared MCP endpoint from its
// headers alone where they suffice: a session id or a 2025 version header
// means a 2025-era session; a 2026 version header means a stateless request.
// Only a request with neither needs its body looked at.

import type { IncomingHttpHeaders } from 'node:http';
import { eraOf } from '../protocol/revisions.ts';

export type RevisionChoice = 'modern' | 'legacy' | 'unsupported' | 'undecided';

export function chooseRevision(headers: IncomingHttpHeaders): RevisionChoice {
  const version = headers['mcp-protocol-version'];
  if (typeof version === 'string') {
    const era = eraOf(version);
    if (era === 'modern') return 'modern';
    if (era === 'legacy') return 'legacy';
    // An unknown version on an `initialize` is negotiated in the body, so let the body decide.
    return headers['mcp-session-id'] === undefined ? 'undecided' : 'unsupported';
  }
  if (headers['mcp-session-id'] !== undefined) return 'legacy';
  return 'undecided';
}
