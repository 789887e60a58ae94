// The Base64 sentinel encoding for mirrored header values (`Mcp-Name`,
// `Mcp-Param-*`), 2026-07-28 transports/streamable-http "Value Encoding".
// The upstream side encodes what it sends; the transport side decodes what it receives.

const SENTINEL_PREFIX = '=?base64?';
const SENTINEL_SUFFIX = '?=';
// RFC 4648 §4 with canonical padding: the spec's examples are padded, and a
// lenient decoder would let two different headers mean the same value.
const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

function isSentinelForm(value: string): boolean {
  return value.startsWith(SENTINEL_PREFIX) && value.endsWith(SENTINEL_SUFFIX) && value.length >= SENTINEL_PREFIX.length + SENTINEL_SUFFIX.length;
}

/** RFC 9110 §5.5 field-value characters: visible ASCII, space and horizontal tab. */
function hasOnlyFieldValueCharacters(value: string): boolean {
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code !== 0x09 && (code < 0x20 || code > 0x7e)) return false;
  }
  return true;
}

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/**
 * Whether a value can travel as a plain header value. Field parsing strips
 * leading and trailing whitespace and an empty value vanishes on the wire, so
 * both are encoded; a plain value that looks like the sentinel is encoded too
 * ("to avoid ambiguity", Value Encoding).
 */
function isPlainHeaderValue(value: string): boolean {
  if (value.length === 0) return false;
  if (isWhitespace(value.charCodeAt(0)) || isWhitespace(value.charCodeAt(value.length - 1))) return false;
  if (isSentinelForm(value)) return false;
  return hasOnlyFieldValueCharacters(value);
}

/** Encodes a value for an `Mcp-Name` or `Mcp-Param-*` header: plain when safe, `=?base64?…?=` otherwise. */
export function encodeHeaderValue(value: string): string {
  if (isPlainHeaderValue(value)) return value;
  return SENTINEL_PREFIX + Buffer.from(value, 'utf8').toString('base64') + SENTINEL_SUFFIX;
}

/**
 * Decodes a received `Mcp-Name` or `Mcp-Param-*` header. Returns undefined for
 * a malformed value (non-canonical Base64, invalid UTF-8, or characters a field
 * value may not hold), which the spec says servers reject with -32020.
 */
export function decodeHeaderValue(header: string): string | undefined {
  if (!isSentinelForm(header)) return hasOnlyFieldValueCharacters(header) ? header : undefined;
  const payload = header.slice(SENTINEL_PREFIX.length, header.length - SENTINEL_SUFFIX.length);
  if (!CANONICAL_BASE64.test(payload)) return undefined;
  try {
    return STRICT_UTF8.decode(Buffer.from(payload, 'base64'));
  } catch {
    return undefined;
  }
}
