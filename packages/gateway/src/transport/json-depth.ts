// The nesting limit of client JSON, checked on the raw body before anything
// parses or recurses over it: JSON.parse copes with thousands of levels, but
// every recursive step after it (JSON.stringify to a stdio child, schema
// checks, canonical audit JSON) throws a RangeError somewhere past ~4,000.

/** The default of `max_json_depth`: the outermost value is level 1, a tools/call's `arguments` level 3. */
export const DEFAULT_MAX_JSON_DEPTH = 64;

const OPEN_OBJECT = 0x7b; // {
const OPEN_ARRAY = 0x5b; // [
const CLOSE_OBJECT = 0x7d; // }
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

/**
 * Whether `body` nests deeper than `maxDepth`: the edge's check. One pass over
 * the bytes, stopping at the first level too many. On a shared 2-core host:
 * ~1.5 µs for a 300-byte tools/call (its JSON.parse: ~4.2 µs), ~6 ns a byte
 * for a 560 kB one (JSON.parse: ~9); `node test/transport/json-depth-cost.ts`.
 */
export function isDeeperThan(body: Uint8Array, maxDepth: number): boolean {
  return jsonDepth(body, maxDepth) > maxDepth;
}

/**
 * How deep `body` nests, or `maxDepth + 1` as soon as it passes `maxDepth`.
 * Bytewise is exact for UTF-8: no byte of a multi-byte character is below
 * 0x80, so brackets, quotes and backslashes are never part of one (RFC 3629
 * section 3). Invalid JSON gets some number; JSON.parse then refuses it.
 */
export function jsonDepth(body: Uint8Array, maxDepth: number): number {
  let depth = 0;
  let deepest = 0;
  let isInString = false;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i]!;
    if (isInString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) isInString = false;
    } else if (byte === QUOTE) {
      isInString = true;
    } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      if (++depth > maxDepth) return depth;
      if (depth > deepest) deepest = depth;
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      depth--;
    }
  }
  return deepest;
}

/** The refusal's text: what was wrong, the key that sets the limit, and what to send instead. */
export function tooDeepMessage(limit: number): string {
  return `Invalid request: the JSON nests deeper than ${limit} levels, the gateway's limit (max_json_depth); flatten the arguments, or pass a reference (an id or URI) instead of the nested data`;
}
