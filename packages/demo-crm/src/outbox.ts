// The CRM's outgoing mail, kept in memory: single emails sent and mass
// campaigns queued. A retried send is answered from the first result by the
// server kit's idempotency store (tools/email.ts), not here.

import { randomUUID } from 'node:crypto';

import type { Segment } from './data.ts';

export interface EmailRequest {
  to: string;
  subject: string;
  body: string;
  idempotencyKey: string;
}

export interface SentEmail {
  messageId: string;
  to: string;
  subject: string;
  body: string;
  idempotencyKey: string;
  sentAt: string;
}

export interface QueuedCampaign {
  campaignId: string;
  segment: Segment;
  subject: string;
  body: string;
  recipientCount: number;
  queuedAt: string;
}

export class Outbox {
  readonly #sent: SentEmail[] = [];
  readonly #campaigns: QueuedCampaign[] = [];

  /** Sends one email. Sending it once per idempotency key is the server kit's job (tools/email.ts). */
  send(request: EmailRequest): SentEmail {
    const email: SentEmail = {
      messageId: `msg-${randomUUID()}`,
      to: request.to,
      subject: request.subject,
      body: request.body,
      idempotencyKey: request.idempotencyKey,
      sentAt: new Date().toISOString(),
    };
    this.#sent.push(email);
    return { ...email };
  }

  queueCampaign(campaign: Omit<QueuedCampaign, 'campaignId' | 'queuedAt'>): QueuedCampaign {
    const queued: QueuedCampaign = { ...campaign, campaignId: `camp-${randomUUID()}`, queuedAt: new Date().toISOString() };
    this.#campaigns.push(queued);
    return { ...queued };
  }

  /** Every email actually sent (replays excluded), oldest first. */
  sent(): SentEmail[] {
    return this.#sent.map((email) => ({ ...email }));
  }

  campaigns(): QueuedCampaign[] {
    return this.#campaigns.map((campaign) => ({ ...campaign }));
  }
}
