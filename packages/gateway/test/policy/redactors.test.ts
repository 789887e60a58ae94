import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRedactor, isCardNumber, isIban, passesLuhn, type RedactorName } from '../../src/policy/redactors.ts';

const ALL: RedactorName[] = ['ssn', 'credit_card', 'partial_email', 'phone', 'iban', 'secrets', 'internal_path', 'internal_host'];

function redact(text: string, patterns: RedactorName[] = ALL): { text: string; kinds: string[] } {
  const kinds = new Set<string>();
  return { text: compileRedactor({ patterns }).redactText(text, kinds), kinds: [...kinds].sort() };
}

/** [input, expected output, kinds] — each a sentence an agent could read in a tool result. */
const POSITIVE: [string, string, string[]][] = [
  ['SSN 512-44-1873 on file', 'SSN [REDACTED:ssn] on file', ['ssn']],
  ['Visa 4111 1111 1111 1111 exp 2027-08', 'Visa [REDACTED:credit_card] exp 2027-08', ['credit_card']],
  ['MC 5555-5555-5555-4444', 'MC [REDACTED:credit_card]', ['credit_card']],
  ['Amex 3782 822463 10005', 'Amex [REDACTED:credit_card]', ['credit_card']],
  ['card=4012888888881881;', 'card=[REDACTED:credit_card];', ['credit_card']],
  ['Discover 6011111111111117', 'Discover [REDACTED:credit_card]', ['credit_card']],
  ['mail maria.gonzalez@example.com today', 'mail m***@example.com today', ['email_partial']],
  ['call +1 415-555-0132', 'call +* ***-***-0132', ['phone_partial']],
  ['call (617) 555-0148', 'call (***) ***-0148', ['phone_partial']],
  ['call +44 20 7946 0958', 'call +** ** ****-0958'.replace('-', ' '), ['phone_partial']],
  ['IBAN DE89 3704 0044 0532 0130 00 confirmed', 'IBAN [REDACTED:iban] confirmed', ['iban']],
  ['IBAN GB82WEST12345698765432', 'IBAN [REDACTED:iban]', ['iban']],
  ['key AKIAIOSFODNN7EXAMPLE', 'key [REDACTED:aws_access_key]', ['aws_access_key']],
  ['aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'aws_secret_access_key = [REDACTED:aws_secret_key]', ['aws_secret_key']],
  ['token ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'token [REDACTED:github_token]', ['github_token']],
  ['token github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz', 'token [REDACTED:github_token]', ['github_token']],
  ['slack xoxb-123456789012-abcdefghijklmnop', 'slack [REDACTED:slack_token]', ['slack_token']],
  ['hook https://hooks.slack.com/services/T000/B000/XXXX', 'hook [REDACTED:slack_token]', ['slack_token']],
  ['Authorization: Bearer abcdefghijklmnop123456', 'Authorization: Bearer [REDACTED:bearer_token]', ['bearer_token']],
  ['jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abcdefghijklmnop', 'jwt [REDACTED:jwt]', ['jwt']],
  ['-----BEGIN RSA PRIVATE KEY-----\nMIIabc\n-----END RSA PRIVATE KEY----- done', '[REDACTED:private_key] done', ['private_key']],
  ['log at /home/joe/app/secrets.txt', 'log at [REDACTED:internal_path]', ['internal_path']],
  ['file C:\\Users\\joe\\notes.txt', 'file [REDACTED:internal_path]', ['internal_path']],
  ['db at db1.corp:5432', 'db at [REDACTED:internal_host]:5432', ['internal_host']],
  ['backend http://mcp-salesforce.internal:8000/mcp', 'backend http://[REDACTED:internal_host]:8000/mcp', ['internal_host']],
  ['client ip 10.0.5.42', 'client ip [REDACTED:internal_host]', ['internal_host']],
  ['from 192.168.1.20 and 172.16.0.1', 'from [REDACTED:internal_host] and [REDACTED:internal_host]', ['internal_host']],
  ['Mastercard 2-series 2223 0031 2200 3222', 'Mastercard 2-series [REDACTED:credit_card]', ['credit_card']],
  ['JCB 3530 1113 3330 0000', 'JCB [REDACTED:credit_card]', ['credit_card']],
  ['card in JSON {"pan":"4242424242424242"}', 'card in JSON {"pan":"[REDACTED:credit_card]"}', ['credit_card']],
  ['IBAN FR76 3000 6000 0112 3456 7890 189 received', 'IBAN [REDACTED:iban] received', ['iban']],
  ["email O'Brien.Sean+crm@mail.example.co.uk", 'email O***@mail.example.co.uk', ['email_partial']],
  ["quoted 'joe@example.com' stays quoted", "quoted 'j***@example.com' stays quoted", ['email_partial']],
  ['SSN 078-05-1120 and 512-44-1873', 'SSN [REDACTED:ssn] and [REDACTED:ssn]', ['ssn']],
];

/** Look-alikes that must survive untouched. */
const NEGATIVE: string[] = [
  'card 4111 1111 1111 1112 fails Luhn',
  'tracking 1234567890123 is not a card',
  'order 4111111111111112',
  'number 1234 5678 9012 3456 fails Luhn',
  'SSN-like 000-12-3456 and 666-12-3456 and 912-34-5678 are not issued',
  'dates 2021-04-19T09:12:00Z and 1984-03-12',
  'version 10.999.1.1 and 1.2.3.4',
  'IBAN-like DE89 3704 0044 0532 0130 01 has a bad checksum',
  'see https://example.com/home/page and /api/v1/customers',
  'extension 555-1234',
  'price $1,234,567.89 and 3.14159265358979',
  'uuid 123e4567-e89b-12d3-a456-426614174000',
  'not a key AKIA123',
  'reference C-1001 and INV-2024-000123',
  'user@ without domain and @handle',
  // Look-alike card numbers: right issuer and length, wrong Luhn digit; or Luhn-valid without an issuer.
  'Mastercard 5555 5555 5555 4445 fails Luhn',
  'Amex 3782 822463 10006 fails Luhn',
  'Discover 6011 1111 1111 1118 fails Luhn',
  'Visa 4012-8888-8888-1882 fails Luhn',
  'Luhn-valid but no issuer: 1234 5678 1234 5670',
  'invoice 41111111111111110000 has twenty digits',
  'account 00000000000000000000 padding',
  'timestamp 1732550400000 ms',
  'ISBN 978-0-306-40615-7',
  'order 2024-555-0199-88',
  'IBAN-like GB82WEST1234569876543 is one character short',
  'ssn field: 123-45-678 is one digit short',
  'zip+4 94105-1234',
];

describe('redactors', () => {
  for (const [input, expected, kinds] of POSITIVE) {
    test(`redacts ${kinds.join(', ')} in "${input.slice(0, 40).replace(/\n/g, ' ')}"`, () => {
      assert.deepEqual(redact(input), { text: expected, kinds });
    });
  }

  for (const input of NEGATIVE) {
    test(`leaves the look-alike "${input}" alone`, () => {
      assert.deepEqual(redact(input), { text: input, kinds: [] });
    });
  }

  test('masks whole emails with full_email and reports email_full', () => {
    assert.deepEqual(redact('write to maria.gonzalez@example.com', ['full_email']), { text: 'write to [REDACTED:email]', kinds: ['email_full'] });
  });

  test('redacts only the chosen patterns', () => {
    assert.deepEqual(redact('SSN 512-44-1873, mail a@example.com', ['ssn']), { text: 'SSN [REDACTED:ssn], mail a@example.com', kinds: ['ssn'] });
  });

  test('applies custom patterns and reports them by name', () => {
    const kinds = new Set<string>();
    const redactor = compileRedactor({ patterns: [], custom: [{ name: 'employee_id', pattern: /EMP-\d{6}/ }] });
    assert.equal(redactor.redactText('owner EMP-004211 and EMP-000001', kinds), 'owner [REDACTED:employee_id] and [REDACTED:employee_id]');
    assert.deepEqual([...kinds], ['employee_id']);
  });

  test('treats extra internal domains as internal hosts', () => {
    const kinds = new Set<string>();
    assert.equal(compileRedactor({ patterns: ['internal_host'], internalDomains: ['corp.example.com'] }).redactText('at api.corp.example.com now', kinds), 'at [REDACTED:internal_host] now');
  });

  test('redacts every string inside nested values in place, keys untouched', () => {
    const value = { customer: { ssn: '512-44-1873', cards: ['4111111111111111', 'none'], 'a@example.com': 1 } };
    const kinds = new Set<string>();
    compileRedactor({ patterns: ['ssn', 'credit_card', 'partial_email'] }).redactValue(value, kinds);
    assert.deepEqual(value, { customer: { ssn: '[REDACTED:ssn]', cards: ['[REDACTED:credit_card]', 'none'], 'a@example.com': 1 } });
    assert.deepEqual([...kinds].sort(), ['credit_card', 'ssn']);
  });

  test('Luhn, issuer and IBAN checks', () => {
    assert.equal(passesLuhn('79927398713'), true);
    assert.equal(passesLuhn('79927398710'), false);
    assert.equal(isCardNumber('4111111111111111'), true);
    assert.equal(isCardNumber('1111111111111117'), false, 'passes Luhn but no issuer starts with 1');
    assert.equal(isIban('DE89370400440532013000'), true);
    assert.equal(isIban('DE89370400440532013001'), false);
    assert.equal(isIban('DE8937040044053201300'), false, 'wrong length for DE');
  });
});
