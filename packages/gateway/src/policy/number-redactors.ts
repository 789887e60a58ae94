// Card numbers and US Social Security numbers wherever a run of digits
// hides them: after an invoice number or an expiry date, in any grouping,
// with Unicode dashes, spaces or digits. Every window of a run's groups is
// tried, checksum and issuer first; ordinary numbers (dates, phone numbers,
// ids, amounts) fail those checks or the shapes below. Used by redactors.ts.

import { DigitRun, isGlueAt, RUN_SOURCE } from './digit-runs.ts';

type Emit = (start: number, end: number, replacement: string, kind: string) => void;

const CARD_MASK = '[REDACTED:credit_card]';
const SSN_MASK = '[REDACTED:ssn]';

/** Words that say the nine digits after them are an SSN (`SSN 123456789`, `"social_security_number": "..."`). */
const SSN_CONTEXT = /(?<![a-z])(?:ssns?|social[\s_-]*security|soc\.?[\s_-]*sec|ss#)(?![a-z])/i;
/** How far before a bare nine-digit number its context word may be. */
const SSN_CONTEXT_REACH = 24;

/** The reused buffers: redaction is synchronous, so one run object serves every call. */
const run = new DigitRun();

export interface NumberRule {
  hint: RegExp;
  isFindAsCheapAsHint: true;
  find(text: string, emit: Emit, field?: string): void;
}

/** One scan of the text's digit runs for cards, SSNs or both (one regex pass whichever are chosen). */
export function numberRule(findsCards: boolean, findsSsns: boolean): NumberRule {
  const pattern = new RegExp(RUN_SOURCE, 'gu');
  return {
    hint: new RegExp(RUN_SOURCE, 'u'),
    isFindAsCheapAsHint: true,
    find(text, emit, field) {
      pattern.lastIndex = 0;
      let previousEnd = 0;
      for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
        const start = match.index;
        const end = start + match[0].length;
        run.read(text, start, end);
        markUsable(text, start, end);
        if (findsCards) findCards(emit);
        if (findsSsns) findSsns(text, emit, previousEnd, field);
        previousEnd = end;
      }
    },
  };
}

/**
 * Which groups may be part of a card or an SSN: not one glued to letters
 * (`card2`, `4111abc`: an identifier); none of a run after `+` of at most
 * 15 digits (an E.164 phone number, ITU-T E.164 section 6) and, in a longer
 * one, not the first group (the country code); not the fraction after a
 * dot that stands alone (`0.4532015112830366`, `45.32015112830366`: a float
 * or a coordinate, not a card; a dotted card repeats its dot).
 */
function markUsable(text: string, start: number, end: number): void {
  const count = run.groupCount;
  const usable = run.usable;
  usable.fill(1, 0, count);
  const before = start > 0 ? text.charCodeAt(start - 1) : 0;
  if (before === 43 || before === 0xff0b) {
    if (run.digitOffset[count]! <= 15) {
      usable.fill(0, 0, count);
      return;
    }
    usable[0] = 0;
  } else if (isGlueAt(text, start - 1)) {
    usable[0] = 0;
  }
  if (isGlueAt(text, end)) usable[count - 1] = 0;
  for (let k = 1; k < count; k++) {
    if (!run.isDotJoint(k)) continue;
    const isRepeated = (k > 1 && run.isSameJoint(k - 1, k)) || (k + 1 < count && run.isSameJoint(k + 1, k));
    if (!isRepeated) usable[k] = 0;
  }
}

/**
 * Every window of whole groups holding 13 to 19 digits, one separator
 * throughout, with a known issuer and a valid Luhn digit. Overlapping hits
 * are redacted as one span, so a look-alike window next to a real card never
 * leaves part of the card showing.
 */
function findCards(emit: Emit): void {
  const { groupCount, usable, digits, digitOffset } = run;
  let spanFrom = -1;
  let spanTo = -1;
  for (let first = 0; first < groupCount; first++) {
    if (usable[first] === 0) continue;
    let last = -1;
    let count = 0;
    for (let group = first; group < groupCount && usable[group] !== 0; group++) {
      if (group > first + 1 && !run.isSameJoint(first + 1, group)) break;
      count += run.digitCount(group);
      if (count > 19) break;
      if (count >= 13 && isCardDigits(digits, digitOffset[first]!, count)) last = group;
    }
    if (last === -1) continue;
    if (spanFrom !== -1 && first <= spanTo) {
      if (last > spanTo) spanTo = last;
      continue;
    }
    if (spanFrom !== -1) emitCard(spanFrom, spanTo, emit);
    spanFrom = first;
    spanTo = last;
  }
  if (spanFrom !== -1) emitCard(spanFrom, spanTo, emit);
}

function emitCard(from: number, to: number, emit: Emit): void {
  run.usable.fill(2, from, to + 1);
  emit(run.groupStart[from]!, run.groupEnd[to]!, CARD_MASK, 'credit_card');
}

/**
 * SSNs: three groups of 3, 2 and 4 digits with one separator between them
 * and a different one (or none) outside them (`123-45-6789`, `123 45 6789`,
 * `123.45.6789`), or nine bare digits where a word before them or the field's
 * name says SSN. Either way only numbers the SSA could have issued: area not
 * 000, 666 or 900-999, group not 00, serial not 0000.
 */
function findSsns(text: string, emit: Emit, previousEnd: number, field: string | undefined): void {
  const { groupCount, usable, groupStart, groupEnd } = run;
  for (let first = 0; first + 2 < groupCount; first++) {
    if (usable[first] !== 1 || usable[first + 1] !== 1 || usable[first + 2] !== 1) continue;
    if (run.digitCount(first) !== 3 || run.digitCount(first + 1) !== 2 || run.digitCount(first + 2) !== 4) continue;
    if (!run.isSameJoint(first + 1, first + 2)) continue;
    if (first > 0 && run.isSameJoint(first, first + 1)) continue;
    if (first + 3 < groupCount && run.isSameJoint(first + 3, first + 1)) continue;
    if (!isIssuableSsn(run.digits, run.digitOffset[first]!)) continue;
    emit(groupStart[first]!, groupEnd[first + 2]!, SSN_MASK, 'ssn');
    usable.fill(2, first, first + 3);
    first += 2;
  }
  let saysSsn: boolean | undefined;
  for (let group = 0; group < groupCount; group++) {
    if (usable[group] !== 1 || run.digitCount(group) !== 9 || !isIssuableSsn(run.digits, run.digitOffset[group]!)) continue;
    saysSsn ??= (field !== undefined && SSN_CONTEXT.test(field)) || SSN_CONTEXT.test(text.slice(Math.max(previousEnd, groupStart[0]! - SSN_CONTEXT_REACH), groupStart[0]!));
    if (saysSsn) emit(groupStart[group]!, groupEnd[group]!, SSN_MASK, 'ssn');
  }
}

function isIssuableSsn(digits: Uint8Array, at: number): boolean {
  const area = digits[at]! * 100 + digits[at + 1]! * 10 + digits[at + 2]!;
  if (area === 0 || area === 666 || area >= 900) return false;
  if (digits[at + 3]! === 0 && digits[at + 4]! === 0) return false;
  return digits[at + 5]! + digits[at + 6]! + digits[at + 7]! + digits[at + 8]! !== 0;
}

/** A card number in `digits[at, at + length)`: a known issuer prefix and length, then Luhn. */
function isCardDigits(digits: Uint8Array, at: number, length: number): boolean {
  const two = digits[at]! * 10 + digits[at + 1]!;
  const four = two * 100 + digits[at + 2]! * 10 + digits[at + 3]!;
  return isKnownIssuer(two, four, length) && luhnSum(digits, at, length) % 10 === 0;
}

/** The major schemes' IIN ranges and lengths (ISO/IEC 7812; the schemes' published BIN tables). */
function isKnownIssuer(two: number, four: number, length: number): boolean {
  const one = (two / 10) | 0;
  return (
    (one === 4 && (length === 13 || length === 16 || length === 19)) || // Visa
    (((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720)) && length === 16) || // Mastercard
    ((two === 34 || two === 37) && length === 15) || // American Express
    ((four === 6011 || two === 65 || (four >= 6440 && four <= 6499)) && length >= 16) || // Discover
    ((two === 36 || two === 38 || (four >= 3000 && four <= 3059)) && length >= 14) || // Diners Club
    (four >= 3528 && four <= 3589 && length >= 16) || // JCB
    (two === 62 && length >= 16) || // UnionPay
    ((two === 50 || (two >= 56 && two <= 69)) && length >= 12) // Maestro
  );
}

/** Luhn (ISO/IEC 7812-1 annex B): the sum, a multiple of ten for a valid number. */
function luhnSum(digits: Uint8Array, at: number, length: number): number {
  let sum = 0;
  let isDoubled = false;
  for (let i = at + length - 1; i >= at; i--) {
    let digit = digits[i]!;
    if (isDoubled) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    isDoubled = !isDoubled;
  }
  return sum;
}

function toDigits(text: string): Uint8Array | undefined {
  const digits = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return undefined;
    digits[i] = digit;
  }
  return digits;
}

/** Luhn over an ASCII digit string. */
export function passesLuhn(digits: string): boolean {
  const values = toDigits(digits);
  return values !== undefined && luhnSum(values, 0, values.length) % 10 === 0;
}

/** A card number as ASCII digits: a known issuer prefix and length and a valid Luhn digit. */
export function isCardNumber(digits: string): boolean {
  const values = toDigits(digits);
  return values !== undefined && values.length >= 13 && values.length <= 19 && isCardDigits(values, 0, values.length);
}
