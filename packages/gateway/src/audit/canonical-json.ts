// Canonical JSON (RFC 8785, JSON Canonicalization Scheme): one byte sequence
// per JSON value, so a record hashes the same wherever and whenever it is
// serialized. The hash chain and the Merkle leaves are computed over it.

/**
 * Serializes `value` canonically. RFC 8785 section 3.2.2 defers primitives to
 * ECMAScript's JSON.stringify (shortest round-trip numbers, minimal string
 * escapes), and section 3.2.3 sorts object keys by UTF-16 code units, which is
 * what Array.prototype.sort does on strings. Non-finite numbers have no JSON
 * form (section 3.2.2.3), yet JSON.parse gives Infinity for a client's `1e400`:
 * rather than refusing the record (and with it the call) or writing a lossy
 * null, such a number is written as the marker object {"$number": "<text>"}
 * (nonFiniteNumberMarker), so every value JSON.parse can return has a form.
 */
export function canonicalJson(value: unknown): string {
  // Records are built with their keys already in order; checking that is
  // cheaper than serializing key by key, and JSON.stringify then writes the
  // exact RFC 8785 text.
  return isAlreadyCanonical(value, 0) ? JSON.stringify(value) : serialize(value, 0);
}

/** True when JSON.stringify(value) is canonical: plain objects with sorted keys, finite numbers, nothing it would drop or convert. */
function isAlreadyCanonical(value: unknown, depth: number): boolean {
  if (value === null) return true;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      break;
    default:
      return false;
  }
  if (depth >= MAX_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) {
      if (!(index in value) || !isAlreadyCanonical(value[index], depth + 1)) return false;
    }
    return true;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  const record = value as Record<string, unknown>;
  let previous: string | undefined;
  for (const key in record) {
    if (!Object.hasOwn(record, key)) return false;
    if (previous !== undefined && !(previous < key)) return false;
    if (key === 'toJSON' || !isAlreadyCanonical(record[key], depth + 1)) return false;
    previous = key;
  }
  return true;
}

/**
 * What stands for a number JSON cannot carry: its text, when the caller knows
 * the client's own (`1e400`), else JavaScript's (`Infinity`, `-Infinity`, `NaN`).
 */
export function nonFiniteNumberMarker(value: number, sourceText?: string): { $number: string } {
  return { $number: sourceText ?? String(value) };
}

/** Containers nested deeper than this are written as NESTED_TOO_DEEP: a record is never this deep, and recursion must stay bounded. */
const MAX_DEPTH = 64;

export const NESTED_TOO_DEEP = '[nested too deep for audit]';

function serialize(value: unknown, depth: number): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : serialize(nonFiniteNumberMarker(value), depth);
    case 'object':
      break;
    default:
      throw new TypeError(`canonical JSON has no form for a ${typeof value}`);
  }
  // Recursion stays bounded; what lies deeper is written as a marker string rather than refused (record-redaction.ts cuts arguments at 32 levels first).
  if (depth >= MAX_DEPTH) return JSON.stringify(NESTED_TOO_DEEP);
  const withJson = value as { toJSON?: () => unknown };
  if (typeof withJson.toJSON === 'function') return serialize(withJson.toJSON(), depth + 1);
  if (Array.isArray(value)) {
    let text = '[';
    for (let index = 0; index < value.length; index += 1) {
      if (index > 0) text += ',';
      const item: unknown = value[index];
      // As JSON.stringify does: an array slot with no JSON value becomes null.
      text += item === undefined || typeof item === 'function' || typeof item === 'symbol' ? 'null' : serialize(item, depth + 1);
    }
    return `${text}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let text = '{';
  let isFirst = true;
  for (const key of keys) {
    const item = record[key];
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
    text += `${isFirst ? '' : ','}${JSON.stringify(key)}:${serialize(item, depth + 1)}`;
    isFirst = false;
  }
  return `${text}}`;
}
