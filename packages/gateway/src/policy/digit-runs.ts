// Runs of digits as people and programs write them: decimal digits of any
// script (fullwidth, Arabic-Indic, Devanagari, ...) in groups joined by
// spaces, hyphens, dots or their Unicode look-alikes. The number redactors
// (number-redactors.ts) read card numbers and SSNs from a run's groups.

/**
 * What joins the groups of a run: space, hyphen-minus, full stop, and what
 * renders like them: no-break, thin, figure and ideographic spaces, the
 * Unicode hyphens and dashes, minus sign, fullwidth and small forms, and the
 * invisible joiners (zero-width space, word joiner, soft hyphen, BOM) that
 * would otherwise split a number the reader still sees whole.
 */
const SEPARATOR_CLASS = String.raw`[ \-.\u00A0\u00AD\u2000-\u200D\u2010-\u2015\u202F\u205F\u2060\u2212\u3000\uFE52\uFE58\uFE63\uFEFF\uFF0D\uFF0E]`;

/**
 * A candidate run: nine or more digits (the shortest SSN), at most three
 * separator characters between two digits. The regex engine finds it; it
 * skips ordinary text faster than a loop in JavaScript.
 */
export const RUN_SOURCE = String.raw`\p{Nd}(?:${SEPARATOR_CLASS}{0,3}\p{Nd}){8,}`;

/** A dot (ASCII, fullwidth or small full stop) alone between two groups may be a decimal point. */
const isDotCode = (code: number) => code === 46 || code === 0xff0e || code === 0xfe52;

const ND = /^\p{Nd}$/u;
const digitValues = new Map<number, number>();

/**
 * The value of a non-ASCII decimal digit, or -1. Unicode assigns `Nd` in
 * contiguous ascending blocks of ten starting at zero (UAX #44, "Decimal
 * digits"), so the value is the distance from the block's start modulo ten.
 * Learned on first sight: a table for all of Unicode costs ~140 ms to build.
 */
function digitValueOf(codePoint: number): number {
  const known = digitValues.get(codePoint);
  if (known !== undefined) return known;
  let value = -1;
  if (ND.test(String.fromCodePoint(codePoint))) {
    let distance = 0;
    while (ND.test(String.fromCodePoint(codePoint - distance - 1))) distance++;
    value = distance % 10;
  }
  digitValues.set(codePoint, value);
  return value;
}

/** Letters, combining marks and `_`: a digit group touching one is part of an identifier (`card2`, `INV4111`). */
const GLUE_AT = /[\p{L}\p{M}_]/uy;

export function isGlueAt(text: string, index: number): boolean {
  if (index < 0 || index >= text.length) return false;
  const code = text.charCodeAt(index);
  if (code < 128) return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
  GLUE_AT.lastIndex = code >= 0xdc00 && code <= 0xdfff && index > 0 ? index - 1 : index;
  return GLUE_AT.test(text);
}

/**
 * One run split into groups, in buffers reused from run to run (the
 * redactors are synchronous, so one instance serves every call). Group `k`
 * spans `[groupStart[k], groupEnd[k])` of the text; its digit values are
 * `digits[digitOffset[k] .. digitOffset[k + 1])`; the joint before group `k`
 * (k >= 1) is the text between group `k - 1` and group `k`.
 */
export class DigitRun {
  text = '';
  groupCount = 0;
  groupStart = new Int32Array(16);
  groupEnd = new Int32Array(16);
  digitOffset = new Int32Array(17);
  digits = new Uint8Array(64);
  /** 1 where a group may take part in a card or SSN; 2 where it is already inside a card. */
  usable = new Uint8Array(16);

  /** Splits `text[start, end)`, a match of RUN_SOURCE, into groups of digits. */
  read(text: string, start: number, end: number): void {
    this.text = text;
    let groups = 0;
    let digitTotal = 0;
    let inGroup = false;
    for (let index = start; index < end; index++) {
      const code = text.charCodeAt(index);
      let value: number;
      let width = 1;
      if (code >= 48 && code <= 57) value = code - 48;
      else if (code < 128) value = -1;
      else if (code >= 0xd800 && code <= 0xdbff && index + 1 < end) {
        value = digitValueOf(text.codePointAt(index)!);
        width = 2;
      } else value = digitValueOf(code);
      if (value >= 0) {
        if (!inGroup) {
          if (groups + 1 >= this.groupStart.length) this.#growGroups();
          this.groupStart[groups] = index;
          this.digitOffset[groups] = digitTotal;
          inGroup = true;
        }
        if (digitTotal >= this.digits.length) this.#growDigits();
        this.digits[digitTotal++] = value;
        this.groupEnd[groups] = index + width;
      } else if (inGroup) {
        groups++;
        inGroup = false;
      }
      index += width - 1;
    }
    if (inGroup) groups++;
    this.groupCount = groups;
    this.digitOffset[groups] = digitTotal;
  }

  digitCount(group: number): number {
    return this.digitOffset[group + 1]! - this.digitOffset[group]!;
  }

  /** Whether the joints before groups `a` and `b` (both >= 1) are the same characters. */
  isSameJoint(a: number, b: number): boolean {
    if (a === b) return true;
    const aStart = this.groupEnd[a - 1]!;
    const bStart = this.groupEnd[b - 1]!;
    const length = this.groupStart[a]! - aStart;
    if (this.groupStart[b]! - bStart !== length) return false;
    for (let i = 0; i < length; i++) if (this.text.charCodeAt(aStart + i) !== this.text.charCodeAt(bStart + i)) return false;
    return true;
  }

  /** Whether the joint before group `k` (>= 1) is a single dot. */
  isDotJoint(k: number): boolean {
    const start = this.groupEnd[k - 1]!;
    return this.groupStart[k]! - start === 1 && isDotCode(this.text.charCodeAt(start));
  }

  #growGroups(): void {
    const size = this.groupStart.length * 2;
    const grow = <T extends Int32Array | Uint8Array>(from: T, to: T): T => (to.set(from), to);
    this.groupStart = grow(this.groupStart, new Int32Array(size));
    this.groupEnd = grow(this.groupEnd, new Int32Array(size));
    this.digitOffset = grow(this.digitOffset, new Int32Array(size + 1));
    this.usable = new Uint8Array(size);
  }

  #growDigits(): void {
    const digits = new Uint8Array(this.digits.length * 2);
    digits.set(this.digits);
    this.digits = digits;
  }
}
