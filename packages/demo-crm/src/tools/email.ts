// Outgoing email tools: one email to one address, made safe to retry by an
// idempotency key, and a mass email to a whole customer segment, which the
// gateway's policies are expected to gate by recipient_count.

import type { McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod';

import { customerTiers, type CustomerStore } from '../data.ts';
import { answerOrExplain } from '../errors.ts';
import type { Outbox } from '../outbox.ts';

const segments = ['all', ...customerTiers] as const;

export function registerEmailTools(server: McpServer, outbox: Outbox, customers: CustomerStore): void {
  server.registerTool(
    'send_email',
    {
      title: 'Send email',
      description:
        'Send one email to one address. Use when the user asks to reply to or contact a single customer. ' +
        'Always pass a fresh idempotency_key (e.g. a UUID) per email; if the call fails or times out, retry with the SAME key: ' +
        'the email is sent at most once and the retry returns the first result.',
      inputSchema: z.object({
        to: z.email().describe('Recipient email address, e.g. the customer email from get_customer.'),
        subject: z.string().min(1).max(200).describe('Subject line.'),
        body: z.string().min(1).max(20000).describe('Plain-text body.'),
        idempotency_key: z
          .string()
          .min(8)
          .max(200)
          .describe('Unique key for this email (8-200 characters, e.g. a UUID). Reuse it only to retry the same email.'),
      }),
      outputSchema: z.object({
        message_id: z.string(),
        to: z.string(),
        subject: z.string(),
        status: z.literal('sent'),
        replayed: z.boolean().describe('True when this key was already used and nothing new was sent.'),
        sent_at: z.string(),
      }),
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    ({ to, subject, body, idempotency_key }) =>
      answerOrExplain(() => {
        const { email, isReplay } = outbox.send({ to, subject, body, idempotencyKey: idempotency_key });
        const text = isReplay
          ? `Replay: idempotency_key "${idempotency_key}" already sent message ${email.messageId} to ${email.to} at ${email.sentAt}; nothing was sent again`
          : `Sent message ${email.messageId} to ${email.to}`;
        return {
          content: [{ type: 'text', text }],
          structuredContent: {
            message_id: email.messageId,
            to: email.to,
            subject: email.subject,
            status: 'sent' as const,
            replayed: isReplay,
            sent_at: email.sentAt,
          },
        };
      }),
  );

  server.registerTool(
    'send_mass_email',
    {
      title: 'Send mass email',
      description:
        'Queue one email to every customer in a segment (all, free, pro or enterprise). ' +
        'Use only when the user explicitly asks for a campaign or announcement to many customers; ' +
        'for one customer use send_email. State how many recipients you expect in recipient_count.',
      inputSchema: z.object({
        segment: z.enum(segments).describe('Who receives it: all customers, or one tier (free, pro, enterprise).'),
        subject: z.string().min(1).max(200).describe('Subject line.'),
        body: z.string().min(1).max(20000).describe('Plain-text body.'),
        recipient_count: z
          .number()
          .int()
          .min(1)
          .max(10_000_000)
          .describe('How many recipients you expect the campaign to reach; approval policies use this number.'),
      }),
      outputSchema: z.object({
        campaign_id: z.string(),
        segment: z.enum(segments),
        recipient_count: z.number().int(),
        segment_size: z.number().int().describe('Customers in this segment in the demo data set.'),
        status: z.literal('queued'),
        queued_at: z.string(),
      }),
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    ({ segment, subject, body, recipient_count }) =>
      answerOrExplain(() => {
        const campaign = outbox.queueCampaign({ segment, subject, body, recipientCount: recipient_count });
        const segmentSize = customers.segmentSize(segment);
        return {
          content: [
            {
              type: 'text',
              text: `Queued campaign ${campaign.campaignId} to segment "${segment}" (${recipient_count} recipients declared, ${segmentSize} in the demo data)`,
            },
          ],
          structuredContent: {
            campaign_id: campaign.campaignId,
            segment,
            recipient_count,
            segment_size: segmentSize,
            status: 'queued' as const,
            queued_at: campaign.queuedAt,
          },
        };
      }),
  );
}
