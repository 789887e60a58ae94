// The policy chain in the request path, through the real gateway with an
// official SDK client and the demo CRM: the playbook's example policies as
// written in its chapter 6, plus argument validation and a step budget. Each
// denial is the error an agent sees; each decision is recorded.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { gatewayConfig, stdioBackend } from '../fixtures/gateway-config.ts';
import { connectV1, connectV2, firstText } from '../fixtures/clients.ts';

const demoCrm = fileURLToPath(new URL('../../../demo-crm/src/main.ts', import.meta.url));

describe('policies through the gateway', () => {
  let gateway: RunningGateway;

  before(async () => {
    const config = gatewayConfig([stdioBackend('crm', process.execPath, [demoCrm, '--stdio'])]);
    config.policies = [
      { name: 'argument_validation', type: 'argument_validation', settings: {} },
      { name: 'rate_limit_per_user', type: 'rate_limit', settings: { requests_per_minute: 5, applies_to: { tools: ['search_customers'] } } },
      { name: 'step_budget', type: 'step_budget', settings: { max_steps: 12 } },
      { name: 'pii_redaction', type: 'response_filter', settings: { patterns: ['ssn', 'credit_card', 'full_email'] } },
    ];
    gateway = await startGateway(config, { logger: silentLogger, hasAdmin: false });
  });
  after(() => gateway?.close());

  it('redacts SSNs, card numbers and emails from a tool result', async () => {
    const client = await connectV2(gateway.url, 'auto');
    try {
      const result = await client.callTool({ name: 'crm__get_customer', arguments: { customer_id: 'C-1001' } });
      const text = JSON.stringify(result);
      assert.doesNotMatch(text, /\b\d{3}-\d{2}-\d{4}\b/, 'no SSN survives');
      assert.doesNotMatch(text, /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/, 'no full email survives');
      assert.match(text, /REDACTED|\*\*\*/i);
      const { customer } = result.structuredContent as { customer: { email: string; ssn: string; payment_card: { number: string } } };
      assert.deepEqual([customer.email, customer.ssn, customer.payment_card.number], ['[REDACTED:email]', '[REDACTED:ssn]', '[REDACTED:credit_card]']);
    } finally {
      await client.close();
    }
  });

  it('refuses invalid arguments with a tool error naming the field', async () => {
    const client = await connectV1(gateway.url);
    try {
      const result = await client.callTool({ name: 'crm__get_customer', arguments: { customer_id: 42 } });
      assert.equal(result.isError, true);
      assert.match(firstText(result), /customer_id/);
    } finally {
      await client.close();
    }
  });

  it('limits the rate of one tool and says when to retry', async () => {
    const client = await connectV1(gateway.url);
    try {
      const results = [];
      for (let i = 0; i < 6; i++) results.push(await client.callTool({ name: 'crm__search_customers', arguments: { query: 'ex', limit: 1 } }));
      assert.ok(results.slice(0, 5).every((result) => result.isError !== true), `the first five pass: ${JSON.stringify(results.map((result) => result.isError === true ? firstText(result) : 'ok'))}`);
      const limited = results[5]!;
      assert.equal(limited.isError, true);
      assert.match(firstText(limited), /rate/i);
      const facts = (limited._meta as Record<string, { code?: string; retryAfterMs?: number }> | undefined)?.['io.gatehouse/policy-error'];
      assert.equal(facts?.code, 'rate_limited');
    } finally {
      await client.close();
    }
  });

  it('stops a session that runs past its step budget', async () => {
    const client = await connectV1(gateway.url);
    try {
      let stopped;
      for (let i = 0; i < 14 && stopped === undefined; i++) {
        const result = await client.callTool({ name: 'crm__echo', arguments: { message: `step ${i}` } });
        if (result.isError === true) stopped = { step: i, text: firstText(result), facts: (result._meta as Record<string, { code?: string }>)?.['io.gatehouse/policy-error'] };
      }
      assert.ok(stopped !== undefined, 'the budget stops the loop');
      assert.equal(stopped.step, 12);
      assert.equal(stopped.facts?.code, 'budget_exhausted');
    } finally {
      await client.close();
    }
  });
});
