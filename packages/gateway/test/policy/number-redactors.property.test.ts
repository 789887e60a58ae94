// Property tests of the number redactors: generated card numbers (issuers,
// lengths, groupings, separators, digit scripts) and SSNs (every separator
// style) inside random text and random JSON never survive, in a result or in
// an audit record's arguments; generated ordinary numbers are never touched.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileRedactor, type RedactorName } from '../../src/policy/redactors.ts';
import { createAuditRedaction } from '../../src/audit/record-redaction.ts';
import { factsFor } from '../audit/fixtures/audit-fixtures.ts';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);
const PATTERNS: RedactorName[] = ['ssn', 'credit_card', 'full_email'];
const redactor = compileRedactor({ patterns: PATTERNS });
const audit = createAuditRedaction({ patterns: PATTERNS });

// --- what PII looks like

/** [prefix, lengths] of the major schemes' IINs. */
const ISSUERS: [string, number[]][] = [
  ['4', [13, 16, 19]], ['51', [16]], ['55', [16]], ['2221', [16]], ['2720', [16]], ['34', [15]], ['37', [15]],
  ['6011', [16, 19]], ['65', [16]], ['644', [16]], ['36', [14]], ['300', [14]], ['3528', [16]], ['3589', [19]],
  ['62', [16, 17, 18, 19]], ['50', [13, 16]], ['67', [13, 19]],
];

function luhnCheckDigit(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let digit = body.charCodeAt(body.length - 1 - i) - 48;
    if (i % 2 === 0) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
    sum += digit;
  }
  return (10 - (sum % 10)) % 10;
}

/** A Luhn-valid card number of a known issuer, as ASCII digits. */
const cardDigits = fc
  .constantFrom(...ISSUERS)
  .chain(([prefix, lengths]) => fc.tuple(fc.constant(prefix), fc.constantFrom(...lengths)))
  .chain(([prefix, length]) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: length - prefix.length - 1, maxLength: length - prefix.length - 1 }).map((rest) => prefix + rest.join('')))
  .map((body) => body + String(luhnCheckDigit(body)));

/** The zero of each digit script tried: ASCII, fullwidth, Arabic-Indic, Devanagari, mathematical bold. */
const DIGIT_ZEROS = [0x30, 0xff10, 0x660, 0x966, 0x1d7ce];
const SEPARATORS = [' ', '-', '.', '\u00a0', '\u2009', '\u202f', '\u2013', '\u2010', '\u2212', '\uff0d', '\u3000', '\u200b', ' - '];

const inScript = (digits: string, zero: number) => [...digits].map((digit) => String.fromCodePoint(zero + digit.charCodeAt(0) - 48)).join('');

/** Splits `digits` into groups of the given sizes (the last takes the rest). */
function grouped(digits: string, sizes: number[], separator: string): string {
  const groups: string[] = [];
  let at = 0;
  for (const size of sizes) {
    if (at >= digits.length) break;
    groups.push(digits.slice(at, at + size));
    at += size;
  }
  if (at < digits.length) groups.push(digits.slice(at));
  return groups.join(separator);
}

/** How a card is printed: bare, in fours, Amex 4-6-5, or any grouping; one separator (a dot only between three groups or more). */
const writtenCard = fc
  .tuple(cardDigits, fc.oneof(fc.constant([]), fc.constant([4, 4, 4, 4, 4]), fc.constant([4, 6, 5]), fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 19 })), fc.constantFrom(...SEPARATORS), fc.constantFrom(...DIGIT_ZEROS))
  .map(([digits, sizes, separator, zero]) => {
    const written = grouped(inScript(digits, zero), sizes.map((size) => size * (zero > 0xffff ? 2 : 1)), separator);
    return separator === '.' && written.split('.').length < 3 ? inScript(digits, zero) : written;
  });

/** SSNs the SSA could have issued, 3-2-4 with one separator, or bare after a word that says SSN. */
const ssnDigits = fc
  .tuple(fc.integer({ min: 1, max: 899 }).filter((area) => area !== 666), fc.integer({ min: 1, max: 99 }), fc.integer({ min: 1, max: 9999 }))
  .map(([area, group, serial]) => [String(area).padStart(3, '0'), String(group).padStart(2, '0'), String(serial).padStart(4, '0')]);

const writtenSsn = fc
  .tuple(ssnDigits, fc.constantFrom('-', ' ', '.', '\u2013', '\u00a0', '\uff0d', ''), fc.constantFrom(...DIGIT_ZEROS), fc.constantFrom('SSN ', 'ssn: ', 'Social Security number ', 'SSN#'))
  .map(([parts, separator, zero, word]) => (separator === '' ? word : '') + parts.map((part) => inScript(part, zero)).join(separator));

// --- where it hides

/** Text around the PII: words, other numbers (years, dates, amounts, ids), random characters. */
const surrounding = fc
  .array(fc.oneof(fc.constantFrom('Invoice', 'exp', 'card', 'order', 'paid', 'ref', 'total', 'on file'), fc.constantFrom('2024', '2027-08', '2024-01-15', '12.50', '#1001', 'ORD-2024-000123'), fc.integer({ min: 0, max: 99999 }).map(String), fc.string({ maxLength: 12 })), { maxLength: 6 })
  .map((parts) => parts.join(' '));

/** What stands between the PII and the text around it: never a letter or a `+` touching the number. */
const BOUNDARIES = [' ', ': ', '\n', '"', '(', ', ', ' - ', '='];

const embedded = (pii: fc.Arbitrary<string>, boundaries: string[]) =>
  fc.tuple(surrounding, fc.constantFrom(...boundaries), pii, fc.constantFrom(...boundaries), surrounding).map(([before, open, value, close, after]) => ({ value, text: `${before}${open}${value}${close}${after}` }));

const hiddenCard = embedded(writtenCard, BOUNDARIES);
// A space-separated SSN next to a space-separated number reads as a list of numbers: the SSN is set off by other characters.
const hiddenSsn = embedded(writtenSsn, [': ', '\n', '"', '(', ', ', '=']);

/** `value` placed at a random depth of random JSON, as one string among others. */
function inRandomJson(text: string): fc.Arbitrary<Record<string, unknown>> {
  const level = fc.tuple(fc.boolean(), fc.string({ maxLength: 8 }), fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }), fc.nat());
  return fc.array(level, { maxLength: 10 }).map((levels) => {
    let value: unknown = text;
    for (const [isArray, key, siblings, at] of levels) {
      if (isArray) {
        const items: unknown[] = [...siblings];
        items.splice(at % (items.length + 1), 0, value);
        value = items;
      } else {
        const record: Record<string, unknown> = Object.fromEntries(siblings.map((sibling, index) => [`k${index}`, sibling]));
        record[`x${key}`] = value;
        value = record;
      }
    }
    return { payload: value };
  });
}

const survives = (value: unknown, written: string) => JSON.stringify(value).includes(JSON.stringify(written).slice(1, -1));

describe('number redactors, properties', () => {
  test('a generated card number inside random text never survives', () => {
    fc.assert(
      fc.property(hiddenCard, ({ value, text }) => {
        const kinds = new Set<string>();
        const out = redactor.redactText(text, kinds);
        assert.ok(!out.includes(value), `${JSON.stringify(text)} -> ${JSON.stringify(out)}`);
        assert.ok(kinds.has('credit_card'));
      }),
      { numRuns: RUNS },
    );
  });

  test('a generated SSN inside random text never survives', () => {
    fc.assert(
      fc.property(hiddenSsn, ({ value, text }) => {
        const kinds = new Set<string>();
        const out = redactor.redactText(text, kinds);
        const digits = value.replace(/^[^\p{Nd}]*/u, '');
        assert.ok(!out.includes(digits), `${JSON.stringify(text)} -> ${JSON.stringify(out)}`);
        assert.ok(kinds.has('ssn'));
      }),
      { numRuns: RUNS },
    );
  });

  test('PII at any depth of random JSON survives neither the response filter nor the audit record', () => {
    const hidden = fc.oneof(hiddenCard, hiddenSsn).chain(({ value, text }) => inRandomJson(text).map((json) => ({ value: value.replace(/^[^\p{Nd}]*/u, ''), json })));
    fc.assert(
      fc.property(hidden, ({ value, json }) => {
        const stored = audit.redact({ ...factsFor('tool_invocation', 1), arguments: json });
        assert.ok(!survives(stored.arguments, value), `audit kept ${JSON.stringify(value)}`);
        assert.ok(survives(json, value), 'the call keeps its own arguments');
        const result = { structuredContent: structuredClone(json) };
        redactor.redactValue(result, new Set());
        assert.ok(!survives(result, value), `result kept ${JSON.stringify(value)}`);
      }),
      { numRuns: RUNS },
    );
  });

  // --- what must be left alone

  const pad = (value: number, width: number) => String(value).padStart(width, '0');
  const date = fc.tuple(fc.integer({ min: 1900, max: 2099 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }), fc.integer({ min: 0, max: 3 })).map(([year, month, day, form]) =>
    [`${year}-${pad(month, 2)}-${pad(day, 2)}`, `${year}-${pad(month, 2)}`, `${pad(day, 2)}.${pad(month, 2)}.${year}`, `${year}-${pad(month, 2)}-${pad(day, 2)}T10:20:00Z`][form]!,
  );
  const nationalDigits = (min: number, max: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((digits) => digits.join(''));
  const phone = fc.oneof(
    fc.tuple(fc.integer({ min: 1, max: 999 }), nationalDigits(6, 12)).map(([country, national]) => `+${country}${national}`),
    fc.tuple(fc.integer({ min: 1, max: 999 }), nationalDigits(6, 12), fc.constantFrom(' ', '-', '.')).map(([country, national, separator]) => `+${country} ${grouped(national, [3, 3, 4, 4], separator)}`),
    fc.tuple(fc.integer({ min: 200, max: 999 }), fc.integer({ min: 200, max: 999 }), fc.integer({ min: 0, max: 9999 })).map(([area, exchange, line]) => `+1 (${area}) ${exchange}-${pad(line, 4)}`),
    fc.tuple(fc.integer({ min: 200, max: 999 }), fc.integer({ min: 200, max: 999 }), fc.integer({ min: 0, max: 9999 })).map(([area, exchange, line]) => `${area}-${exchange}-${pad(line, 4)}`),
  );
  const orderId = fc.oneof(
    fc.tuple(fc.constantFrom('ORD', 'INV', 'PO', 'card'), fc.constantFrom('-', ''), nationalDigits(1, 19)).map(([word, joint, digits]) => `${word}${joint}${digits}`),
    fc.tuple(fc.integer({ min: 2000, max: 2099 }), fc.integer({ min: 0, max: 999999 })).map(([year, serial]) => `ORD-${year}-${pad(serial, 6)}`),
    fc.integer({ min: 1, max: 99_999_999 }).map((id) => `#${id}`),
  );
  /** 13 to 19 digits of an issuer's prefix whose Luhn digit is wrong, bare or in fours. */
  const luhnInvalid = fc
    .tuple(cardDigits, fc.integer({ min: 1, max: 9 }), fc.boolean(), fc.constantFrom(' ', '-'))
    .map(([digits, shift, inFours, separator]) => {
      const wrong = digits.slice(0, -1) + String((Number(digits.at(-1)) + shift) % 10);
      return inFours && wrong.length === 16 ? grouped(wrong, [4, 4, 4, 4], separator) : wrong;
    });
  const amount = fc.oneof(
    fc.double({ min: -1e9, max: 1e9, noNaN: true }).map(String),
    fc.integer({ min: 0, max: 99_999_999 }).map((cents) => `$${(cents / 100).toLocaleString('en-US', { minimumFractionDigits: 2 })}`),
    fc.tuple(fc.double({ min: -90, max: 90, noNaN: true }), fc.double({ min: -180, max: 180, noNaN: true })).map(([latitude, longitude]) => `${latitude} ${longitude}`),
  );
  const ordinary = fc.array(fc.oneof(date, phone, orderId, luhnInvalid, amount), { minLength: 1, maxLength: 6 }).map((items) => items.join(', '));

  test('generated dates, phone numbers, order ids, Luhn-invalid numbers and amounts are left as written', () => {
    fc.assert(
      fc.property(ordinary, (text) => {
        const kinds = new Set<string>();
        assert.equal(redactor.redactText(text, kinds), text);
        assert.equal(kinds.size, 0);
      }),
      { numRuns: RUNS * 3 },
    );
  });
});
