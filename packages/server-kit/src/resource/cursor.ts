// Opaque pagination cursors (MCP basic/utilities/pagination: the client must
// not parse or build them). The position is sealed with an HMAC and bound to
// what was asked (the query) and who asked, so a cursor cannot be edited,
// replayed for another query, or handed to another caller.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

import { permanentError } from '../tool/tool-error.ts';

export interface CursorCodec {
  encode(position: { offset: number }, binding: string): string;
  /** The position sealed in `cursor`; a permanent `invalid_cursor` error when it is not one this codec made for `binding`. */
  decode(cursor: string, binding: string): { offset: number };
}

export function createCursorCodec(key: Uint8Array = randomBytes(32)): CursorCodec {
  const sign = (body: string, binding: string) => createHmac('sha256', key).update(body).update('\u0000').update(binding).digest();
  return {
    encode(position, binding) {
      const body = Buffer.from(JSON.stringify({ o: position.offset })).toString('base64url');
      return `${body}.${sign(body, binding).toString('base64url')}`;
    },
    decode(cursor, binding) {
      const [body, mac] = cursor.split('.');
      const invalid = () =>
        permanentError('The cursor is not one this server issued for this query and caller', {
          code: 'invalid_cursor',
          instead: 'repeat the query without a cursor to start from the first page',
        });
      if (body === undefined || mac === undefined) throw invalid();
      const expected = sign(body, binding);
      const given = Buffer.from(mac, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
      const parsed = JSON.parse(Buffer.from(body, 'base64url').toString()) as { o?: unknown };
      if (typeof parsed.o !== 'number' || !Number.isSafeInteger(parsed.o) || parsed.o < 0) throw invalid();
      return { offset: parsed.o };
    },
  };
}

export interface Page<T> {
  items: T[];
  /** Absent on the last page. */
  nextCursor?: string;
}

/** One page of `items` from the cursor's position; `binding` names the query and the caller. */
export function paginate<T>(items: readonly T[], options: { cursor?: string | undefined; pageSize: number; binding: string; codec: CursorCodec }): Page<T> {
  const offset = options.cursor === undefined ? 0 : options.codec.decode(options.cursor, options.binding).offset;
  const end = offset + options.pageSize;
  const page = items.slice(offset, end);
  return end < items.length ? { items: page, nextCursor: options.codec.encode({ offset: end }, options.binding) } : { items: page };
}
