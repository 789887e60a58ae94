// The client's own text of numbers JSON.parse cannot hold: `1e400` parses to
// Infinity, which has no JSON form. The transport notes a body that may hold
// one (a cheap pattern test), and the audit record then takes the arguments
// from a second parse that keeps such numbers as {"$number": "<their text>"}.

import { nonFiniteNumberMarker } from './canonical-json.ts';

/** An exponent of three digits or more, or a run of 309 digits: the only literals that can overflow a double. */
const MAY_OVERFLOW = /\d[eE]\+?\d{3}|\d{309}/;

const bodies = new WeakMap<object, string>();

/** Keeps the body of `request` (the IncomingMessage) when it may hold a number that parses to ±Infinity. */
export function noteNumberSource(request: object, body: Buffer): void {
  // Digits and exponents are ASCII, so the test reads bytes as latin1 and decodes UTF-8 only on a hit.
  if (MAY_OVERFLOW.test(body.toString('latin1'))) bodies.set(request, body.toString('utf8'));
}

/**
 * `args` (from the message with `id` in the body of `request`) with every
 * non-finite number replaced by its marker carrying the client's text;
 * `args` itself when the body was not noted or holds none.
 */
export function argumentsWithNumberText(request: object, id: unknown, args: Record<string, unknown>): Record<string, unknown> {
  const text = bodies.get(request);
  if (text === undefined || !holdsNonFinite(args, 0)) return args;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text, (_key, value: unknown, context?: { source?: string }) =>
      typeof value === 'number' && !Number.isFinite(value) ? nonFiniteNumberMarker(value, context?.source) : value);
  } catch {
    return args;
  }
  const message = Array.isArray(parsed) ? parsed.find((item: unknown) => (item as { id?: unknown } | null)?.id === id) : parsed;
  const sourced = (message as { params?: { arguments?: unknown } } | undefined)?.params?.arguments;
  return typeof sourced === 'object' && sourced !== null && !Array.isArray(sourced) ? (sourced as Record<string, unknown>) : args;
}

function holdsNonFinite(value: unknown, depth: number): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (typeof value !== 'object' || value === null || depth > 32) return false;
  for (const item of Array.isArray(value) ? value : Object.values(value)) if (holdsNonFinite(item, depth + 1)) return true;
  return false;
}
