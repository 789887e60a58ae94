// The one tool that changes a customer record. Only contact details, tier and
// notes can change; a dry run returns the diff and an estimate of its size
// without applying it, so an agent (or an approval rule in the gateway,
// docs/server-authors-dry-run.md) can check the change first.

import type { McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod';

import { customerTiers, type CustomerStore } from '../data.ts';
import { answerOrExplain, CrmError } from '../errors.ts';

const fieldChangeSchema = z.object({
  field: z.enum(['email', 'phone', 'tier', 'notes']),
  before: z.string(),
  after: z.string(),
});

export function registerUpdateCustomerTool(server: McpServer, customers: CustomerStore): void {
  server.registerTool(
    'update_customer',
    {
      title: 'Update customer',
      description:
        "Change a customer's email, phone, tier or notes. " +
        'Use when the user asks to correct contact details, move a customer to another tier, or record a note. ' +
        'Call with dry_run true first to see the diff, then again with dry_run false to apply it. ' +
        'Payment cards, SSNs and addresses cannot be changed with this tool.',
      inputSchema: z.object({
        customer_id: z.string().min(1).max(64).describe('The customer id, e.g. "C-1001".'),
        updates: z
          .strictObject({
            email: z.email().optional().describe('New email address.'),
            phone: z.string().min(7).max(32).optional().describe('New phone number, any common format, e.g. "+1 415-555-0132".'),
            tier: z.enum(customerTiers).optional().describe('New tier: free, pro or enterprise.'),
            notes: z.string().max(2000).optional().describe('Replaces the notes field; include the old notes if you want to keep them.'),
          })
          .describe('The fields to change; omit fields that stay the same.'),
        dry_run: z
          .boolean()
          .default(false)
          .describe('When true, return the changes that would be made without making them. Default false.'),
      }),
      outputSchema: z.object({
        customer_id: z.string(),
        dry_run: z.boolean(),
        applied: z.boolean().describe('Whether the record was changed by this call.'),
        changes: z.array(fieldChangeSchema),
        would: z.string().optional().describe('A dry run: what the real call would do.'),
        estimate: z
          .object({ customers_changed: z.number().int(), fields_changed: z.number().int() })
          .optional()
          .describe('A dry run: how much the real call would change (docs/server-authors-dry-run.md).'),
      }),
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    ({ customer_id, updates, dry_run }) =>
      answerOrExplain(() => {
        if (Object.values(updates).every((value) => value === undefined)) {
          throw new CrmError(
            'empty_update',
            'updates is empty; pass at least one of email, phone, tier or notes, e.g. {"updates": {"tier": "pro"}}',
          );
        }
        const changes = dry_run ? customers.diff(customer_id, updates) : customers.update(customer_id, updates);
        const customerId = customers.get(customer_id).id;
        const applied = !dry_run && changes.length > 0;
        const listed = changes.map((change) => `  ${change.field}: "${change.before}" -> "${change.after}"`).join('\n');
        const text =
          changes.length === 0
            ? `No changes: ${customerId} already has these values`
            : dry_run
              ? `Dry run, nothing changed. Calling again with dry_run false would change ${customerId}:\n${listed}`
              : `Updated ${customerId}:\n${listed}`;
        const structuredContent = dry_run
          ? {
              customer_id: customerId,
              dry_run,
              applied,
              changes,
              would: changes.length === 0 ? `change nothing on ${customerId}` : `change ${changes.map((change) => change.field).join(', ')} of ${customerId}`,
              estimate: { customers_changed: changes.length === 0 ? 0 : 1, fields_changed: changes.length },
            }
          : { customer_id: customerId, dry_run, applied, changes };
        return { content: [{ type: 'text', text }], structuredContent };
      }),
  );
}
