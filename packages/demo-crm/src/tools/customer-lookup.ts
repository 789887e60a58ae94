// Read-only tools over customer records: fetch one record by id, or find
// records by part of a name, email, company, city or phone number. Both
// return the full record, PII included; redacting it is the gateway's job.

import { defineTool } from '@gatehouse/server-kit';
import * as z from 'zod';

import { customerSchema, customerTiers, type CustomerStore } from '../data.ts';

const customerIdSchema = z
  .string()
  .min(1)
  .max(64)
  .describe('The customer id, e.g. "C-1001". Find ids with search_customers.');

const customerSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  company: z.string(),
  email: z.string(),
  tier: z.enum(customerTiers),
});

export function getCustomerTool(customers: CustomerStore) {
  return defineTool({
    name: 'get_customer',
    title: 'Get customer',
    description:
      'Fetch one customer record by id: contact details, tier, address, payment card, notes. ' +
      'Use when you already know the customer id (from search_customers or the user). ' +
      'If you only know a name or email, call search_customers first.',
    input: z.object({ customer_id: customerIdSchema }),
    output: z.object({ customer: customerSchema }),
    annotations: { readOnlyHint: true, openWorldHint: false },
    describe: ({ customer }) => JSON.stringify(customer, null, 2),
    handler: ({ customer_id }) => ({ customer: customers.get(customer_id) }),
  });
}

export function searchCustomersTool(customers: CustomerStore) {
  return defineTool({
    name: 'search_customers',
    title: 'Search customers',
    description:
      'Find customers whose name, email, company, city, id or phone number contains the query (case-insensitive). ' +
      'Use when you need a customer id and know only part of a name, email or phone number. ' +
      'Returns short summaries; call get_customer for the full record.',
    input: z.object({
      query: z.string().trim().min(2).max(200).describe('Text to look for, at least 2 characters, e.g. "gonzalez" or "@example.org".'),
      limit: z.number().int().min(1).max(50).default(10).describe('Maximum number of customers to return (1-50, default 10).'),
    }),
    output: z.object({
      customers: z.array(customerSummarySchema),
      total: z.number().int().describe('How many customers matched, before the limit was applied.'),
    }),
    annotations: { readOnlyHint: true, openWorldHint: false },
    handler: ({ query, limit }) => {
      const { matches, total } = customers.search(query, limit);
      return { customers: matches.map(({ id, name, company, email, tier }) => ({ id, name, company, email, tier })), total };
    },
    describe: ({ customers: summaries, total }, { query }) =>
      total === 0
        ? `No customers match "${query}"; try a shorter part of the name, the email domain, or the last digits of the phone number`
        : `${total} customer(s) match "${query}"` +
          (total > summaries.length ? `, showing the first ${summaries.length}; raise limit to see more` : '') +
          ':\n' +
          summaries.map((summary) => `${summary.id}  ${summary.name} (${summary.company}) <${summary.email}> ${summary.tier}`).join('\n'),
  });
}
