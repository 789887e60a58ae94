// Outgoing email tools: one email to one address, made safe to retry by the
// kit's idempotency keys, and a mass email to a whole customer segment. Both
// answer `dry_run: true` (the kit's `dryRun`) with what they would send and
// an estimate counted from the CRM's own records (dry-run.ts), which a
// gateway's approval rule decides on; a mass email whose declared
// recipient_count is not the segment's real size is refused, so the number a
// policy sees is the number that gets the email.

import { defineTool } from '@gatehouse/server-kit';
import * as z from 'zod';

import { segments, type CustomerStore } from '../data.ts';
import { dryRunArgument, sendingEstimate, sendingEstimateSchema } from '../dry-run.ts';
import { idempotencyKeyReused, recipientCountMismatch } from '../errors.ts';
import type { Outbox } from '../outbox.ts';

const sendEmailOutput = z.object({
  dry_run: z.boolean(),
  message_id: z.string().optional().describe('Absent in a dry run.'),
  to: z.string(),
  subject: z.string(),
  status: z.enum(['sent', 'not_sent']).describe('not_sent: a dry run.'),
  replayed: z.boolean().describe('True when this key was already used and nothing new was (or would be) sent.'),
  sent_at: z.string().optional(),
  would: z.string().optional().describe('A dry run: what the real call would do.'),
  estimate: sendingEstimateSchema.optional().describe('A dry run: what the real call would reach and cost.'),
});

export function sendEmailTool(outbox: Outbox) {
  return defineTool({
    name: 'send_email',
    title: 'Send email',
    description:
      'Send one email to one address. Use when the user asks to reply to or contact a single customer. ' +
      'Always pass a fresh idempotency_key (e.g. a UUID) per email; if the call fails or times out, retry with the SAME key: ' +
      'the email is sent at most once and the retry returns the first result. ' +
      'With dry_run true nothing is sent: the answer says what would be sent and what it would cost.',
    input: z.object({
      to: z.email().describe('Recipient email address, e.g. the customer email from get_customer.'),
      subject: z.string().min(1).max(200).describe('Subject line.'),
      body: z.string().min(1).max(20000).describe('Plain-text body.'),
      // Declared here, not added by the kit: the CRM requires a key on every email.
      idempotency_key: z
        .string()
        .min(8)
        .max(200)
        .describe('Unique key for this email (8-200 characters, e.g. a UUID). Reuse it only to retry the same email.'),
      dry_run: dryRunArgument,
    }),
    output: sendEmailOutput,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    idempotency: {
      replay: (first, key) => ({
        output: { ...first, replayed: true },
        text: `Replay: idempotency_key "${key}" already sent message ${first.message_id} to ${first.to} at ${first.sent_at}; nothing was sent again`,
      }),
      reused: (key, first) => idempotencyKeyReused(key, first),
    },
    dryRun: async ({ to, subject, idempotency_key }, call) => {
      const previous = (await call.replayOf()) as z.output<typeof sendEmailOutput> | undefined;
      const would =
        previous === undefined
          ? `send one email to ${to} (subject "${subject}")`
          : `send nothing: idempotency_key "${idempotency_key}" already sent message ${previous.message_id} to ${previous.to}`;
      return {
        would,
        estimate: sendingEstimate(previous === undefined ? 1 : 0),
        output: { to, subject, status: 'not_sent', replayed: previous !== undefined },
        text: `Dry run, nothing sent. The real call would ${would}`,
      };
    },
    handler: ({ to, subject, body, idempotency_key }) => {
      const email = outbox.send({ to, subject, body, idempotencyKey: idempotency_key });
      return { dry_run: false, message_id: email.messageId, to: email.to, subject: email.subject, status: 'sent' as const, replayed: false, sent_at: email.sentAt };
    },
    describe: ({ message_id, to }) => `Sent message ${message_id} to ${to}`,
  });
}

export function sendMassEmailTool(outbox: Outbox, customers: CustomerStore) {
  return defineTool({
    name: 'send_mass_email',
    title: 'Send mass email',
    description:
      'Queue one email to every recipient in a segment (all customers, one tier: free, pro or enterprise, or the newsletter list of customers and prospects). ' +
      'Use only when the user explicitly asks for a campaign or announcement to many customers; ' +
      'for one customer use send_email. Call with dry_run true first: it queues nothing and answers the real recipient count and cost. ' +
      "Then pass that count as recipient_count; a call whose recipient_count is not the segment's size is refused.",
    input: z.object({
      segment: z.enum(segments).describe('Who receives it: all customers, one tier (free, pro, enterprise), or newsletter (customers and opted-in prospects).'),
      subject: z.string().min(1).max(200).describe('Subject line.'),
      body: z.string().min(1).max(20000).describe('Plain-text body.'),
      recipient_count: z
        .number()
        .int()
        .min(1)
        .max(10_000_000)
        .describe("How many recipients the campaign reaches: the estimate.recipient_count of a dry run. A real call is refused unless it equals the segment's size."),
      dry_run: dryRunArgument,
    }),
    output: z.object({
      dry_run: z.boolean(),
      campaign_id: z.string().optional().describe('Absent in a dry run.'),
      segment: z.enum(segments),
      recipient_count: z.number().int().describe('The recipient_count the call declared.'),
      segment_size: z.number().int().describe('Recipients in this segment, counted by the CRM.'),
      status: z.enum(['queued', 'not_queued']).describe('not_queued: a dry run.'),
      queued_at: z.string().optional(),
      would: z.string().optional().describe('A dry run: what the real call would do.'),
      estimate: sendingEstimateSchema.optional().describe('A dry run: what the real call would reach and cost.'),
    }),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    dryRun: ({ segment, subject, recipient_count }) => {
      const segmentSize = customers.segmentSize(segment);
      const would = `queue one email (subject "${subject}") to the ${segmentSize} recipients of segment "${segment}"`;
      const mismatch = recipient_count === segmentSize ? '' : `. recipient_count ${recipient_count} does not match: the real call is refused unless it says ${segmentSize}`;
      return {
        would,
        estimate: sendingEstimate(segmentSize),
        output: { segment, recipient_count, segment_size: segmentSize, status: 'not_queued' },
        text: `Dry run, nothing queued. The real call would ${would}${mismatch}`,
      };
    },
    handler: ({ segment, subject, body, recipient_count }) => {
      const segmentSize = customers.segmentSize(segment);
      if (recipient_count !== segmentSize) throw recipientCountMismatch(segment, recipient_count, segmentSize);
      const campaign = outbox.queueCampaign({ segment, subject, body, recipientCount: recipient_count });
      return { dry_run: false, campaign_id: campaign.campaignId, segment, recipient_count, segment_size: segmentSize, status: 'queued' as const, queued_at: campaign.queuedAt };
    },
    describe: ({ campaign_id, segment, segment_size }) => `Queued campaign ${campaign_id} to the ${segment_size} recipients of segment "${segment}"`,
  });
}
