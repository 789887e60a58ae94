// Opaque cursors for the federated lists (basic/utilities/pagination): the
// offset into the deterministic merged order, base64url so clients treat it
// as opaque. A cursor that does not decode is -32602, as the spec asks.

import { rpcErrors } from '../protocol/errors.ts';

const DEFAULT_PAGE_SIZE = 200;

export interface Page<T> {
  items: T[];
  nextCursor: string | undefined;
}

function encodeCursor(offset: number): string {
  return Buffer.from(`o:${offset}`).toString('base64url');
}

function decodeCursor(cursor: unknown): number {
  if (cursor === undefined) return 0;
  if (typeof cursor !== 'string' || cursor.length > 64) throw rpcErrors.invalidParams('cursor must be a string returned by a previous list call');
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^o:(\d{1,9})$/.exec(text);
  if (match === null) throw rpcErrors.invalidParams(`cursor "${cursor}" was not issued by this gateway; start again without a cursor`);
  return Number(match[1]);
}

export function paginate<T>(items: readonly T[], cursor: unknown, pageSize = DEFAULT_PAGE_SIZE): Page<T> {
  const offset = decodeCursor(cursor);
  const end = offset + pageSize;
  return {
    items: items.slice(offset, end),
    nextCursor: end < items.length ? encodeCursor(end) : undefined,
  };
}
