// The outbox's idempotency: one send per key, replays answered from the
// first result, and a key reused for a different email refused.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { isCrmError, Outbox } from '../src/index.ts';

const email = { to: 'grace.williams@example.com', subject: 'Card declined', body: 'Please update your card.', idempotencyKey: 'key-00000001' };

describe('Outbox', () => {
  it('sends a new email and records it', () => {
    const outbox = new Outbox();
    const { email: sent, isReplay } = outbox.send(email);
    assert.equal(isReplay, false);
    assert.match(sent.messageId, /^msg-/);
    assert.equal(outbox.sent().length, 1);
  });

  it('answers a repeat with the same key from the first result without sending again', () => {
    const outbox = new Outbox();
    const first = outbox.send(email);
    const repeat = outbox.send(email);
    assert.equal(repeat.isReplay, true);
    assert.equal(repeat.email.messageId, first.email.messageId);
    assert.equal(outbox.sent().length, 1);
  });

  it('refuses the same key for a different email', () => {
    const outbox = new Outbox();
    outbox.send(email);
    assert.throws(
      () => outbox.send({ ...email, to: 'someone.else@example.com' }),
      (error: unknown) => isCrmError(error) && error.code === 'idempotency_key_reused',
    );
    assert.equal(outbox.sent().length, 1);
  });

  it('queues a campaign with the declared recipient count', () => {
    const outbox = new Outbox();
    const campaign = outbox.queueCampaign({ segment: 'pro', subject: 'News', body: 'Hello', recipientCount: 4000 });
    assert.match(campaign.campaignId, /^camp-/);
    assert.equal(outbox.campaigns()[0]?.recipientCount, 4000);
  });
});
