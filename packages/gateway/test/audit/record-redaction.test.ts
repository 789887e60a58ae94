// Redaction of what an audit record keeps, and what the settings choose as
// the redaction policy; the claimed subject of a refused token.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createAuditRedaction } from '../../src/audit/record-redaction.ts';
import { resolveAuditSettings } from '../../src/audit/settings.ts';
import { claimedSubjectOf } from '../../src/audit/gateway-events.ts';
import { isConfigError } from '../../src/config/errors.ts';
import { factsFor } from './fixtures/audit-fixtures.ts';

const settingsWith = (raw: Record<string, unknown>, policies: { name: string; type: string; settings: Record<string, unknown> }[] = []) =>
  resolveAuditSettings({ audit: { backend: undefined, retentionDays: undefined, raw }, policies });

describe('audit redaction', () => {
  const redaction = createAuditRedaction(settingsWith({}).redaction);

  it('redacts arguments, output and the error message, names the kinds, and never changes the originals', () => {
    const args = { customer_id: 'C-42', note: { ssn: 'SSN 123-45-6789' }, cards: ['4111 1111 1111 1111'] };
    const output = { content: [{ type: 'text', text: 'card 4111111111111111' }] };
    const facts = { ...factsFor('tool_invocation', 1), arguments: args, output, error: { code: 'x', message: 'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ' }, redactions: ['email_partial'] };
    const redacted = redaction.redact(facts);
    const stored = JSON.stringify(redacted);
    assert.ok(!stored.includes('123-45-6789') && !stored.includes('4111') && !stored.includes('c2lnbmF0dXJl'), stored);
    assert.equal((redacted.arguments as typeof args).customer_id, 'C-42');
    assert.ok(redacted.redactions!.includes('email_partial'), 'kinds the response filter reported are kept');
    assert.ok(redacted.redactions!.length >= 3, String(redacted.redactions));
    assert.equal(args.note.ssn, 'SSN 123-45-6789', 'the exchange keeps its own arguments');
    assert.equal(output.content[0]!.text, 'card 4111111111111111');
  });

  it('redacts cards and SSNs hidden after other numbers, in Unicode digits, or as JSON numbers, with the response filter\'s detectors', () => {
    const args = {
      notes: ['Invoice 2024 4111 1111 1111 1111', 'exp 2027-08 5555 5555 5555 4444', 'card2 4012-8888-8888-1881', 'SSN 123 45 6789', 'SSN 123.45.6789', '４１１１ １１１１ １１１１ １１１１'],
      card: 4111111111111111,
      ssn: '512441873',
      order: { id: 'ORD-2024-000123', placed: '2024-01-15', phone: '+1 (555) 123-4567', total: 1234.56 },
    };
    const redacted = redaction.redact({ ...factsFor('tool_invocation', 3), arguments: args }).arguments as Record<string, any>;
    assert.deepEqual(redacted.notes, ['Invoice 2024 [REDACTED:credit_card]', 'exp 2027-08 [REDACTED:credit_card]', 'card2 [REDACTED:credit_card]', 'SSN [REDACTED:ssn]', 'SSN [REDACTED:ssn]', '[REDACTED:credit_card]']);
    assert.equal(redacted.card, '[REDACTED:credit_card]');
    assert.equal(redacted.ssn, '[REDACTED:ssn]', 'nine bare digits in a field named ssn');
    assert.equal(redacted.order, args.order, 'ordinary numbers are left, and their object is not copied');
  });

  it('returns the same facts when nothing matches, without copying', () => {
    const facts = { ...factsFor('tool_invocation', 2), arguments: { customer_id: 'C-42', nested: [{ tier: 'gold' }] } };
    assert.equal(redaction.redact(facts), facts);
  });

  it('takes the redaction policy from the config\'s response filters, and always adds credentials', () => {
    const fromPolicies = settingsWith({}, [{ name: 'pii', type: 'pii_redaction', settings: { patterns: ['phone'], applies_to: { backends: ['crm'] } } }]).redaction;
    assert.ok(fromPolicies.patterns.includes('phone') && fromPolicies.patterns.includes('secrets'));
    assert.ok(!fromPolicies.patterns.includes('ssn'), 'the policy chose its patterns');
    const explicit = settingsWith({ redaction: { patterns: ['iban'] } }, [{ name: 'pii', type: 'response_filter', settings: { patterns: ['phone'] } }]).redaction;
    assert.deepEqual([...explicit.patterns].sort(), ['iban', 'secrets']);
    assert.deepEqual([...settingsWith({}).redaction.patterns].sort(), ['credit_card', 'full_email', 'secrets', 'ssn']);
  });

  it('refuses an audit.redaction that is not a response filter\'s settings, naming the key', () => {
    assert.throws(() => settingsWith({ redaction: { patterns: ['nope'] } }), (error: unknown) => isConfigError(error) && /audit\.redaction/.test(JSON.stringify(error)));
  });
});

describe('the claimed subject of a refused token', () => {
  const jwt = (claims: Record<string, unknown>) => `Bearer eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;
  it('reads sub, else azp or client_id, without verifying anything', () => {
    assert.equal(claimedSubjectOf(jwt({ sub: 'joe@company.com', azp: 'agent' })), 'joe@company.com');
    assert.equal(claimedSubjectOf(jwt({ client_id: 'support' })), 'support');
  });
  it('names nobody for an opaque token, a malformed one or none', () => {
    assert.equal(claimedSubjectOf('Bearer opaque-token-value'), undefined);
    assert.equal(claimedSubjectOf('Bearer a.!!!.c'), undefined);
    assert.equal(claimedSubjectOf(undefined), undefined);
    assert.equal(claimedSubjectOf('Basic dXNlcjpwYXNz'), undefined);
  });
});
