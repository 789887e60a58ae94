// Card numbers and SSNs where they hide: after another number, next to an
// id, in Unicode digits or separators; and the ordinary numbers that must be
// left as they are (dates, phone numbers, ids, amounts, coordinates).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRedactor, type RedactorName } from '../../src/policy/redactors.ts';

const DEFAULT: RedactorName[] = ['ssn', 'credit_card', 'full_email'];
const defaultRedactor = compileRedactor({ patterns: DEFAULT });

function redact(text: string, field?: string): { text: string; kinds: string[] } {
  const kinds = new Set<string>();
  return { text: defaultRedactor.redactText(text, kinds, field), kinds: [...kinds].sort() };
}

const CARD = '[REDACTED:credit_card]';
const SSN = '[REDACTED:ssn]';

/** [input, expected]: the red team's strings first, then their relatives. */
const HIDDEN: [string, string][] = [
  ['Invoice 2024 4111 1111 1111 1111', `Invoice 2024 ${CARD}`],
  ['exp 2027-08 5555 5555 5555 4444', `exp 2027-08 ${CARD}`],
  ['card2 4012-8888-8888-1881', `card2 ${CARD}`],
  ['SSN 123 45 6789 on file', `SSN ${SSN} on file`],
  ['SSN 123.45.6789 on file', `SSN ${SSN} on file`],
  ['４１１１ １１１１ １１１１ １１１１', CARD],
  ['card ４１１１－１１１１－１１１１－１１１１ ok', `card ${CARD} ok`],
  ['card ４１１１１１１１１１１１１１１１', `card ${CARD}`],
  ['ssn １２３－４５－６７８９', `ssn ${SSN}`],
  ['Arabic-Indic ٤١١١ ١١١١ ١١١١ ١١١١', `Arabic-Indic ${CARD}`],
  ['Devanagari ४१११ ११११ ११११ ११११', `Devanagari ${CARD}`],
  ['bold 𝟒𝟏𝟏𝟏 𝟏𝟏𝟏𝟏 𝟏𝟏𝟏𝟏 𝟏𝟏𝟏𝟏 end', `bold ${CARD} end`],
  ['no-break 4111\u00a01111\u00a01111\u00a01111', `no-break ${CARD}`],
  ['thin 4111\u20091111\u20091111\u20091111', `thin ${CARD}`],
  ['en dash 4111\u20131111\u20131111\u20131111', `en dash ${CARD}`],
  ['zero-width 4111\u200b1111\u200b1111\u200b1111', `zero-width ${CARD}`],
  ['dotted 4111.1111.1111.1111', `dotted ${CARD}`],
  ['spaced out 4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1', `spaced out ${CARD}`],
  ['wide 4111 - 1111 - 1111 - 1111', `wide ${CARD}`],
  ['order 12345 card 4111111111111111', `order 12345 card ${CARD}`],
  ['ref 98765 4111111111111111 and 5555-5555-5555-4444', `ref 98765 ${CARD} and ${CARD}`],
  ['two 4111 1111 1111 1111 5555 5555 5555 4444', `two ${CARD} ${CARD}`],
  ['PAN=4012888888881881&exp=2027-08', `PAN=${CARD}&exp=2027-08`],
  ['Amex 3782 822463 10005 after 2024-01-15', `Amex ${CARD} after 2024-01-15`],
  ['Visa 19 4111 1111 1111 1111 003', `Visa 19 ${CARD}`],
  ['Invoice 2024 123-45-6789', `Invoice 2024 ${SSN}`],
  ['SSN en dash 123\u201345\u20136789', `SSN en dash ${SSN}`],
  ['SSN: 123456789', `SSN: ${SSN}`],
  ['social security number 512441873', `social security number ${SSN}`],
  ['{"ssn": "512441873"}', `{"ssn": "${SSN}"}`],
];

/** Ordinary numbers, and look-alikes that fail a check or a shape: left as written. */
const QUIET: string[] = [
  'dates 2027-08, 2024-01-15, 15.01.2024 and 2024-01-15T10:20:00Z',
  'from 2024-01-15 - 2024-01-20 inclusive',
  'call +1 (555) 123-4567 or +14155550132',
  'call +44 20 7946 0958 or +49 1512 3456 7890',
  'phones 555-123-4567 555-987-6543',
  'order ORD-2024-000123, INV-2024-000123, #100234',
  'id INV4111111111111111 and card2 and 4111111111111111x',
  'amounts $1,234.56, 1234.56, 12 345,67 and USD 12,345,678.90',
  'score 0.4532015112830366 and 45.32015112830366, -122.41941550000001',
  'coordinates 51.5073509 -0.1277583',
  'card 4111 1111 1111 1112 fails Luhn',
  'tracking 1234567890123 has no issuer',
  'invoice 41111111111111110000 has twenty digits',
  'account 512441873 without an SSN word',
  'SSN-like 000-12-3456, 666-12-3456, 912-34-5678, 123-00-4567, 123-45-0000',
  'mixed 123-45 6789 and 123 45-6789',
  'longer 1-123-45-6789-0 and 2024 123 45 6789',
  'version 10.999.1.1 and 1.2.3.4',
];

describe('number redactors', () => {
  for (const [input, expected] of HIDDEN) {
    test(`finds the PII in "${input}"`, () => {
      const found = redact(input);
      assert.equal(found.text, expected);
      assert.ok(found.kinds.length > 0);
    });
  }

  for (const input of QUIET) {
    test(`leaves "${input}" as written`, () => {
      assert.deepEqual(redact(input), { text: input, kinds: [] });
    });
  }

  test('reads nine bare digits as an SSN when the field is named so', () => {
    assert.deepEqual(redact('512441873', 'social_security_number'), { text: SSN, kinds: ['ssn'] });
    assert.deepEqual(redact('512441873', 'customer_ssn'), { text: SSN, kinds: ['ssn'] });
    assert.deepEqual(redact('512441873', 'account'), { text: '512441873', kinds: [] });
  });

  test('redacts card numbers and SSNs held as JSON numbers, by their field for an SSN', () => {
    const value = { customer: { card: 4111111111111111, ssn: 512441873, ssns: [512441873], account: 512441873, total: 1234.56 } };
    const kinds = new Set<string>();
    defaultRedactor.redactValue(value, kinds);
    assert.deepEqual(value, { customer: { card: CARD, ssn: SSN, ssns: [SSN], account: 512441873, total: 1234.56 } });
    assert.deepEqual([...kinds].sort(), ['credit_card', 'ssn']);
  });

  test('finds cards and SSNs with either pattern chosen alone', () => {
    const text = 'card 4111 1111 1111 1111 ssn 123-45-6789';
    assert.equal(compileRedactor({ patterns: ['credit_card'] }).redactText(text, new Set()), `card ${CARD} ssn 123-45-6789`);
    assert.equal(compileRedactor({ patterns: ['ssn'] }).redactText(text, new Set()), `card 4111 1111 1111 1111 ssn ${SSN}`);
  });

  test('keeps a card ahead of the phone pattern on the same digits', () => {
    const kinds = new Set<string>();
    assert.equal(compileRedactor({ patterns: ['pii'] }).redactText('card 4111-1111-1111-1111, call 415-555-0132', kinds), `card ${CARD}, call ***-***-0132`);
    assert.deepEqual([...kinds].sort(), ['credit_card', 'phone_partial']);
  });

  test('scans a long run of digits in linear time', () => {
    const long = `${'4 '.repeat(200_000)}1`;
    const started = performance.now();
    compileRedactor({ patterns: DEFAULT }).redactText(long, new Set());
    assert.ok(performance.now() - started < 5_000, 'a 400 KB digit run is scanned within seconds');
  });
});
