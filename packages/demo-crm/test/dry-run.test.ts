// The CRM's dry runs and its check of a mass email's declared recipient
// count, through the SDK v2 client in both eras: a dry run answers what the
// call would do and an estimate counted from the CRM's records and changes
// nothing; a real campaign whose recipient_count is not the segment's size is
// refused with both numbers, so a policy that decided on the count cannot be
// fooled by a number the CRM would ignore.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { createDemoCrmState } from '../src/index.ts';
import { NEWSLETTER_PROSPECTS } from '../src/data.ts';
import { sendingCostUsd } from '../src/dry-run.ts';
import { connectInProcess, type Connection } from './fixtures/clients.ts';

function textOf(result: { content?: unknown }): string {
  return (result.content as Array<{ type: string; text?: string }>).filter((block) => block.type === 'text').map((block) => block.text).join('\n');
}

const campaign = { subject: 'Spring news', body: 'What is new this spring.' };

async function withCrm(era: 'modern' | 'legacy', body: (connection: Connection, state: ReturnType<typeof createDemoCrmState>) => Promise<void>): Promise<void> {
  const state = createDemoCrmState();
  const connection = await connectInProcess(era, state);
  try {
    await body(connection, state);
  } finally {
    await connection.close();
  }
}

for (const era of ['modern', 'legacy'] as const) {
  describe(`demo CRM dry runs, ${era} era`, () => {
    it('answers a mass email dry run with the segment\'s real count and cost, whatever count the caller declared, and queues nothing', async () => {
      await withCrm(era, async (connection, state) => {
        const result = await connection.client.callTool({ name: 'send_mass_email', arguments: { segment: 'all', ...campaign, recipient_count: 1, dry_run: true } });
        assert.notEqual(result.isError, true, textOf(result));
        assert.deepEqual(result.structuredContent, {
          dry_run: true,
          segment: 'all',
          recipient_count: 1,
          segment_size: 12,
          status: 'not_queued',
          would: 'queue one email (subject "Spring news") to the 12 recipients of segment "all"',
          estimate: { recipient_count: 12, cost_usd: 0.012 },
        });
        assert.match(textOf(result), /^Dry run, nothing queued\. .*recipient_count 1 does not match: the real call is refused unless it says 12$/);
        assert.equal(state.outbox.campaigns().length, 0);
      });
    });

    it('refuses a real mass email whose recipient_count is not the segment\'s size, naming both numbers', async () => {
      await withCrm(era, async (connection, state) => {
        const result = await connection.client.callTool({ name: 'send_mass_email', arguments: { segment: 'all', ...campaign, recipient_count: 1 } });
        assert.equal(result.isError, true);
        assert.equal(textOf(result), 'recipient_count is 1, but segment "all" has 12 recipients, so nothing was queued. Tell the user the campaign reaches 12 recipients and, if they still want it, call again with recipient_count 12 (a dry_run true call shows the count and cost first)');
        assert.deepEqual(result._meta?.['gatehouse.dev/error'], { code: 'recipient_count_mismatch', retry: 'permanent' });
        assert.equal(state.outbox.campaigns().length, 0);
      });
    });

    it('queues a mass email whose recipient_count is the segment\'s size', async () => {
      await withCrm(era, async (connection, state) => {
        const size = state.customers.segmentSize('enterprise');
        const result = await connection.client.callTool({ name: 'send_mass_email', arguments: { segment: 'enterprise', ...campaign, recipient_count: size } });
        assert.notEqual(result.isError, true, textOf(result));
        assert.equal((result.structuredContent as { status: string }).status, 'queued');
        assert.deepEqual(state.outbox.campaigns().map((queued) => [queued.segment, queued.recipientCount]), [['enterprise', size]]);
      });
    });

    it('counts the newsletter segment as every customer plus the opted-in prospects', async () => {
      await withCrm(era, async (connection) => {
        const result = await connection.client.callTool({ name: 'send_mass_email', arguments: { segment: 'newsletter', ...campaign, recipient_count: 5, dry_run: true } });
        const recipients = 12 + NEWSLETTER_PROSPECTS;
        assert.deepEqual((result.structuredContent as { estimate: unknown }).estimate, { recipient_count: recipients, cost_usd: sendingCostUsd(recipients) });
        assert.ok(recipients > 1000, 'large enough for the default approval threshold');
      });
    });

    it('answers a send_email dry run with what it would send and sends nothing', async () => {
      await withCrm(era, async (connection, state) => {
        const email = { to: 'noah.johnson@example.com', subject: 'Hello', body: 'Welcome aboard.', idempotency_key: 'welcome-noah-dry' };
        const result = await connection.client.callTool({ name: 'send_email', arguments: { ...email, dry_run: true } });
        assert.deepEqual(result.structuredContent, {
          dry_run: true,
          to: email.to,
          subject: 'Hello',
          status: 'not_sent',
          replayed: false,
          would: 'send one email to noah.johnson@example.com (subject "Hello")',
          estimate: { recipient_count: 1, cost_usd: 0.001 },
        });
        assert.equal(state.outbox.sent().length, 0);
        await connection.client.callTool({ name: 'send_email', arguments: email });
        const again = await connection.client.callTool({ name: 'send_email', arguments: { ...email, dry_run: true } });
        assert.deepEqual((again.structuredContent as { estimate: unknown }).estimate, { recipient_count: 0, cost_usd: 0 }, 'a replay would send nothing');
        assert.equal(state.outbox.sent().length, 1);
      });
    });
  });
}
