// Read-only tools over customer records: fetch one record by id, or find
// records by part of a name, email, company, city or phone number. Both
// return the full record, PII included; redacting it is the gateway's job.

import type { McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod';

import { customerSchema, customerTiers, type CustomerStore } from '../data.ts';
import { answerOrExplain } from '../errors.ts';

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

export function registerCustomerLookupTools(server: McpServer, customers: CustomerStore): void {
  server.registerTool(
    'get_customer',
    {
      title: 'Get customer',
      description:
        'Fetch one customer record by id: contact details, tier, address, payment card, notes. ' +
        'Use when you already know the customer id (from search_customers or the user). ' +
        'If you only know a name or email, call search_customers first.',
      inputSchema: z.object({ customer_id: customerIdSchema }),
      outputSchema: z.object({ customer: customerSchema }),
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    ({ customer_id }) =>
      answerOrExplain(() => {
        const customer = customers.get(customer_id);
        return {
          content: [{ type: 'text', text: JSON.stringify(customer, null, 2) }],
          structuredContent: { customer },
        };
      }),
  );

  server.registerTool(
    'search_customers',
    {
      title: 'Search customers',
      description:
        'Find customers whose name, email, company, city, id or phone number contains the query (case-insensitive). ' +
        'Use when you need a customer id and know only part of a name, email or phone number. ' +
        'Returns short summaries; call get_customer for the full record.',
      inputSchema: z.object({
        query: z.string().trim().min(2).max(200).describe('Text to look for, at least 2 characters, e.g. "gonzalez" or "@example.org".'),
        limit: z.number().int().min(1).max(50).default(10).describe('Maximum number of customers to return (1-50, default 10).'),
      }),
      outputSchema: z.object({
        customers: z.array(customerSummarySchema),
        total: z.number().int().describe('How many customers matched, before the limit was applied.'),
      }),
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    ({ query, limit }) => {
      const { matches, total } = customers.search(query, limit);
      const summaries = matches.map(({ id, name, company, email, tier }) => ({ id, name, company, email, tier }));
      const text =
        total === 0
          ? `No customers match "${query}"; try a shorter part of the name, the email domain, or the last digits of the phone number`
          : `${total} customer(s) match "${query}"` +
            (total > summaries.length ? `, showing the first ${summaries.length}; raise limit to see more` : '') +
            ':\n' +
            summaries.map((summary) => `${summary.id}  ${summary.name} (${summary.company}) <${summary.email}> ${summary.tier}`).join('\n');
      return { content: [{ type: 'text', text }], structuredContent: { customers: summaries, total } };
    },
  );
}
