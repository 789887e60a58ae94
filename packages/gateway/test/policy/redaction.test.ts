import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRedaction, redactionSettings, redactionsOf } from '../../src/policy/redaction.ts';
import { createPolicyChain } from '../../src/policy/chain.ts';
import { customerResult, makeExchange } from './fixtures.ts';

const pii = createRedaction('pii_redaction', redactionSettings.parse({ patterns: ['ssn', 'credit_card', 'full_email'] }));

describe('response_filter (redaction) policy', () => {
  test('redacts the seed\'s patterns in text and structuredContent and records the kinds', () => {
    const exchange = makeExchange({ tool: 'get_customer', args: { customer_id: 'C-1001' } });
    const result = customerResult();
    assert.deepEqual(createPolicyChain([pii]).runResponse(exchange, result), { isAllowed: true });
    const text = (result.content as { text: string }[])[0]!.text;
    assert.doesNotMatch(text, /512-44-1873|4111 1111 1111 1111|maria\.gonzalez@example\.com/);
    assert.match(text, /"ssn": "\[REDACTED:ssn\]"/);
    const customer = (result.structuredContent as { customer: Record<string, unknown> }).customer;
    assert.equal(customer.ssn, '[REDACTED:ssn]');
    assert.equal(customer.email, '[REDACTED:email]');
    assert.deepEqual(customer.payment_card, { brand: 'visa', number: '[REDACTED:credit_card]', expiry: '2027-08' });
    assert.equal(customer.phone, '+1 415-555-0132', 'phone is not among the configured patterns');
    assert.deepEqual(exchange.decisions, [{ policy: 'pii_redaction', decision: 'rewrite', details: { redactions: ['credit_card', 'email_full', 'ssn'] } }]);
    assert.deepEqual(redactionsOf(exchange), ['credit_card', 'email_full', 'ssn']);
  });

  test('records an allow when nothing needed redacting', () => {
    const exchange = makeExchange({ tool: 'echo' });
    createPolicyChain([pii]).runResponse(exchange, { content: [{ type: 'text', text: 'hello' }] });
    assert.deepEqual(exchange.decisions, [{ policy: 'pii_redaction', decision: 'allow' }]);
    assert.deepEqual(redactionsOf(exchange), []);
  });

  test('redacts resource contents and prompt messages but leaves binary data alone', () => {
    const exchange = makeExchange({ method: 'resources/read' });
    const result = {
      contents: [{ uri: 'crm://customers/C-1001', text: 'ssn 512-44-1873' }, { uri: 'x', blob: 'NTEyLTQ0LTE4NzM=' }],
      messages: [{ role: 'user', content: { type: 'text', text: 'card 4111111111111111' } }, { role: 'user', content: { type: 'image', data: '4111111111111111', mimeType: 'image/png' } }],
    };
    pii.onResponse!(exchange, result);
    assert.equal(result.contents[0]!.text, 'ssn [REDACTED:ssn]');
    assert.equal(result.contents[1]!.blob, 'NTEyLTQ0LTE4NzM=');
    assert.equal((result.messages[0]!.content as { text: string }).text, 'card [REDACTED:credit_card]');
    assert.equal((result.messages[1]!.content as { data: string }).data, '4111111111111111');
  });
});
