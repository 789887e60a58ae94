// The outbox: a sent email is recorded with its own message id, a campaign
// with its declared count. Sending once per idempotency key is the server
// kit's (server.test.ts covers it through the client in both eras).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Outbox } from '../src/index.ts';

const email = { to: 'grace.williams@example.com', subject: 'Card declined', body: 'Please update your card.', idempotencyKey: 'key-00000001' };

describe('Outbox', () => {
  it('sends a new email and records it', () => {
    const outbox = new Outbox();
    const sent = outbox.send(email);
    assert.match(sent.messageId, /^msg-/);
    assert.deepEqual(outbox.sent().map((item) => item.messageId), [sent.messageId]);
  });

  it('queues a campaign with the declared recipient count', () => {
    const outbox = new Outbox();
    const campaign = outbox.queueCampaign({ segment: 'pro', subject: 'News', body: 'Hello', recipientCount: 4000 });
    assert.match(campaign.campaignId, /^camp-/);
    assert.equal(outbox.campaigns()[0]?.recipientCount, 4000);
  });
});
