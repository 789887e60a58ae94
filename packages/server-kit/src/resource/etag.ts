// Entity tags for resource contents and the conditional read built on them:
// a client that sends the ETag it holds (`_meta["gatehouse.dev/if-none-match"]`)
// gets an empty answer marked not-modified instead of the same bytes again,
// the MCP analogue of HTTP's 304 (RFC 9110 section 13.1.2).

import { createHash } from 'node:crypto';

export const ETAG_META_KEY = 'gatehouse.dev/etag';
export const IF_NONE_MATCH_META_KEY = 'gatehouse.dev/if-none-match';
export const NOT_MODIFIED_META_KEY = 'gatehouse.dev/not-modified';

/** A strong validator: the content's SHA-256, quoted as HTTP quotes entity tags. */
export function contentEtag(content: { text?: string; blob?: string; mimeType?: string }): string {
  const hash = createHash('sha256').update(content.mimeType ?? '').update('\u0000').update(content.text ?? content.blob ?? '').digest('base64url');
  return `"${hash.slice(0, 27)}"`;
}

/** Whether the tag the client holds matches (a list of tags, or `*`, as If-None-Match allows). */
export function isNotModified(ifNoneMatch: unknown, etag: string): boolean {
  if (typeof ifNoneMatch !== 'string') return false;
  return ifNoneMatch.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed === etag || trimmed.replace(/^W\//, '') === etag;
  });
}
