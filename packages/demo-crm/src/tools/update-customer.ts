// The one tool that changes a customer record. Only contact details, tier and
// notes can change; a dry run (the kit's `dryRun`) returns the diff and an
// estimate of its size without applying it, so an agent (or an approval rule
// in the gateway, docs/server-authors-dry-run.md) can check the change first.

import { defineTool } from '@gatehouse/server-kit';
import * as z from 'zod';

import { customerTiers, type CustomerChanges, type CustomerStore, type FieldChange } from '../data.ts';
import { emptyUpdate } from '../errors.ts';

const fieldChangeSchema = z.object({
  field: z.enum(['email', 'phone', 'tier', 'notes']),
  before: z.string(),
  after: z.string(),
});

function listed(changes: readonly FieldChange[]): string {
  return changes.map((change) => `  ${change.field}: "${change.before}" -> "${change.after}"`).join('\n');
}

function checkNotEmpty(updates: CustomerChanges): void {
  if (Object.values(updates).every((value) => value === undefined)) throw emptyUpdate();
}

export function updateCustomerTool(customers: CustomerStore) {
  return defineTool({
    name: 'update_customer',
    title: 'Update customer',
    description:
      "Change a customer's email, phone, tier or notes. " +
      'Use when the user asks to correct contact details, move a customer to another tier, or record a note. ' +
      'Call with dry_run true first to see the diff, then again with dry_run false to apply it. ' +
      'Payment cards, SSNs and addresses cannot be changed with this tool.',
    input: z.object({
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
    output: z.object({
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
    dryRun: ({ customer_id, updates }) => {
      checkNotEmpty(updates);
      const changes = customers.diff(customer_id, updates);
      const customerId = customers.get(customer_id).id;
      return {
        would: changes.length === 0 ? `change nothing on ${customerId}` : `change ${changes.map((change) => change.field).join(', ')} of ${customerId}`,
        estimate: { customers_changed: changes.length === 0 ? 0 : 1, fields_changed: changes.length },
        changes,
        output: { customer_id: customerId, applied: false },
        text:
          changes.length === 0
            ? `No changes: ${customerId} already has these values`
            : `Dry run, nothing changed. Calling again with dry_run false would change ${customerId}:\n${listed(changes)}`,
      };
    },
    handler: ({ customer_id, updates }) => {
      checkNotEmpty(updates);
      const changes = customers.update(customer_id, updates);
      return { customer_id: customers.get(customer_id).id, dry_run: false, applied: changes.length > 0, changes };
    },
    describe: ({ customer_id, changes }) => (changes.length === 0 ? `No changes: ${customer_id} already has these values` : `Updated ${customer_id}:\n${listed(changes)}`),
  });
}
