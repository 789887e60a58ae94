// The CRM's outgoing mail, kept in memory: single emails keyed by the
// caller's idempotency key so a retried send is answered from the first
// result instead of reaching the customer twice, and queued mass campaigns.

import { randomUUID } from 'node:crypto';

import { CrmError } from './errors.ts';
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
  readonly #sentByKey = new Map<string, SentEmail>();
  readonly #sent: SentEmail[] = [];
  readonly #campaigns: QueuedCampaign[] = [];

  /**
   * Sends once per idempotency key. A repeat with the same key and the same
   * email returns the first result with `isReplay`; the same key with a
   * different email is refused, because silently answering with another
   * email's result would hide a bug in the caller.
   */
  send(request: EmailRequest): { email: SentEmail; isReplay: boolean } {
    const previous = this.replayOf(request);
    if (previous !== undefined) return { email: previous, isReplay: true };
    const email: SentEmail = {
      messageId: `msg-${randomUUID()}`,
      to: request.to,
      subject: request.subject,
      body: request.body,
      idempotencyKey: request.idempotencyKey,
      sentAt: new Date().toISOString(),
    };
    this.#sentByKey.set(email.idempotencyKey, email);
    this.#sent.push(email);
    return { email: { ...email }, isReplay: false };
  }

  /**
   * The email this request's key already sent (a copy), or `undefined` when
   * the key is new; the same key with a different email is a CrmError. Sends
   * nothing, so a dry run can ask it too.
   */
  replayOf(request: EmailRequest): SentEmail | undefined {
    const previous = this.#sentByKey.get(request.idempotencyKey);
    if (previous !== undefined) {
      const isSameEmail =
        previous.to === request.to && previous.subject === request.subject && previous.body === request.body;
      if (!isSameEmail) {
        throw new CrmError(
          'idempotency_key_reused',
          `idempotency_key "${request.idempotencyKey}" was already used for a different email ` +
            `(message ${previous.messageId} to ${previous.to}, subject "${previous.subject}"); ` +
            'use a new idempotency_key for a new email, or repeat the original arguments to get the first result',
        );
      }
      return { ...previous };
    }
    return undefined;
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
