// Outgoing email tools: one email to one address, made safe to retry by an
// idempotency key, and a mass email to a whole customer segment. Both answer
// `dry_run: true` with what they would send and an estimate counted from the
// CRM's own records (dry-run.ts), which a gateway's approval rule decides on;
// a mass email whose declared recipient_count is not the segment's real size
// is refused, so the number a policy sees is the number that gets the email.

import type { McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod';

import { segments, type CustomerStore } from '../data.ts';
import { dryRunArgument, sendingEstimate, sendingEstimateSchema } from '../dry-run.ts';
import { answerOrExplain, CrmError } from '../errors.ts';
import type { Outbox } from '../outbox.ts';

export function registerEmailTools(server: McpServer, outbox: Outbox, customers: CustomerStore): void {
  server.registerTool(
    'send_email',
    {
      title: 'Send email',
      description:
        'Send one email to one address. Use when the user asks to reply to or contact a single customer. ' +
        'Always pass a fresh idempotency_key (e.g. a UUID) per email; if the call fails or times out, retry with the SAME key: ' +
        'the email is sent at most once and the retry returns the first result. ' +
        'With dry_run true nothing is sent: the answer says what would be sent and what it would cost.',
      inputSchema: z.object({
        to: z.email().describe('Recipient email address, e.g. the customer email from get_customer.'),
        subject: z.string().min(1).max(200).describe('Subject line.'),
        body: z.string().min(1).max(20000).describe('Plain-text body.'),
        idempotency_key: z
          .string()
          .min(8)
          .max(200)
          .describe('Unique key for this email (8-200 characters, e.g. a UUID). Reuse it only to retry the same email.'),
        dry_run: dryRunArgument,
      }),
      outputSchema: z.object({
        dry_run: z.boolean(),
        message_id: z.string().optional().describe('Absent in a dry run.'),
        to: z.string(),
        subject: z.string(),
        status: z.enum(['sent', 'not_sent']).describe('not_sent: a dry run.'),
        replayed: z.boolean().describe('True when this key was already used and nothing new was (or would be) sent.'),
        sent_at: z.string().optional(),
        would: z.string().optional().describe('A dry run: what the real call would do.'),
        estimate: sendingEstimateSchema.optional().describe('A dry run: what the real call would reach and cost.'),
      }),
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    ({ to, subject, body, idempotency_key, dry_run }) =>
      answerOrExplain(() => {
        const request = { to, subject, body, idempotencyKey: idempotency_key };
        if (dry_run) {
          const previous = outbox.replayOf(request);
          const would = previous === undefined
            ? `send one email to ${to} (subject "${subject}")`
            : `send nothing: idempotency_key "${idempotency_key}" already sent message ${previous.messageId} to ${previous.to}`;
          return {
            content: [{ type: 'text', text: `Dry run, nothing sent. The real call would ${would}` }],
            structuredContent: { dry_run: true, to, subject, status: 'not_sent' as const, replayed: previous !== undefined, would, estimate: sendingEstimate(previous === undefined ? 1 : 0) },
          };
        }
        const { email, isReplay } = outbox.send(request);
        const text = isReplay
          ? `Replay: idempotency_key "${idempotency_key}" already sent message ${email.messageId} to ${email.to} at ${email.sentAt}; nothing was sent again`
          : `Sent message ${email.messageId} to ${email.to}`;
        return {
          content: [{ type: 'text', text }],
          structuredContent: {
            dry_run: false,
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
        'Queue one email to every recipient in a segment (all customers, one tier: free, pro or enterprise, or the newsletter list of customers and prospects). ' +
        'Use only when the user explicitly asks for a campaign or announcement to many customers; ' +
        'for one customer use send_email. Call with dry_run true first: it queues nothing and answers the real recipient count and cost. ' +
        'Then pass that count as recipient_count; a call whose recipient_count is not the segment\'s size is refused.',
      inputSchema: z.object({
        segment: z.enum(segments).describe('Who receives it: all customers, one tier (free, pro, enterprise), or newsletter (customers and opted-in prospects).'),
        subject: z.string().min(1).max(200).describe('Subject line.'),
        body: z.string().min(1).max(20000).describe('Plain-text body.'),
        recipient_count: z
          .number()
          .int()
          .min(1)
          .max(10_000_000)
          .describe('How many recipients the campaign reaches: the estimate.recipient_count of a dry run. A real call is refused unless it equals the segment\'s size.'),
        dry_run: dryRunArgument,
      }),
      outputSchema: z.object({
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
    },
    ({ segment, subject, body, recipient_count, dry_run }) =>
      answerOrExplain(() => {
        const segmentSize = customers.segmentSize(segment);
        if (dry_run) {
          const would = `queue one email (subject "${subject}") to the ${segmentSize} recipients of segment "${segment}"`;
          const mismatch = recipient_count === segmentSize ? '' : `. recipient_count ${recipient_count} does not match: the real call is refused unless it says ${segmentSize}`;
          return {
            content: [{ type: 'text', text: `Dry run, nothing queued. The real call would ${would}${mismatch}` }],
            structuredContent: { dry_run: true, segment, recipient_count, segment_size: segmentSize, status: 'not_queued' as const, would, estimate: sendingEstimate(segmentSize) },
          };
        }
        if (recipient_count !== segmentSize) throw recipientCountMismatch(segment, recipient_count, segmentSize);
        const campaign = outbox.queueCampaign({ segment, subject, body, recipientCount: recipient_count });
        return {
          content: [
            {
              type: 'text',
              text: `Queued campaign ${campaign.campaignId} to the ${segmentSize} recipients of segment "${segment}"`,
            },
          ],
          structuredContent: {
            dry_run: false,
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

/** A declared count that is not the segment's: the number a reviewer or policy saw would not be the number emailed. */
function recipientCountMismatch(segment: string, declared: number, size: number): CrmError {
  return new CrmError(
    'recipient_count_mismatch',
    `recipient_count is ${declared}, but segment "${segment}" has ${size} recipients, so nothing was queued. ` +
      `Tell the user the campaign reaches ${size} recipients and, if they still want it, call again with recipient_count ${size} ` +
      '(a dry_run true call shows the count and cost first)',
  );
}
