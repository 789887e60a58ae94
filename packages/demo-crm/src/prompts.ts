// The CRM's prompt: a reply to one customer in a chosen tone, with the
// customer's record embedded so the model drafts from facts. Both arguments
// complete: customer ids from the store, tones from a fixed list.

import { completable, type McpServer, ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import * as z from 'zod';

import type { CustomerStore } from './data.ts';
import { completeCustomerId, customerResourcePrefix } from './resources.ts';

export const replyTones = ['friendly', 'formal', 'apologetic', 'concise'] as const;

export function registerPrompts(server: McpServer, customers: CustomerStore): void {
  server.registerPrompt(
    'draft_customer_reply',
    {
      title: 'Draft a customer reply',
      description: 'Draft an email reply to one customer in the chosen tone, grounded in their CRM record.',
      argsSchema: z.object({
        customer_id: completable(z.string().describe('The customer id, e.g. C-1001.'), (typed) =>
          completeCustomerId(customers, typed),
        ),
        tone: completable(z.enum(replyTones).describe('Tone of the reply: friendly, formal, apologetic or concise.'), (typed) =>
          replyTones.filter((tone) => tone.startsWith(typed.trim().toLowerCase())),
        ),
      }),
    },
    ({ customer_id, tone }) => {
      const customer = customers.find(customer_id);
      if (customer === undefined) {
        throw new ProtocolError(
          ProtocolErrorCode.InvalidParams,
          `Customer ${customer_id} not found in active records; complete the customer_id argument to see valid ids`,
        );
      }
      return {
        description: `A ${tone} reply to ${customer.name} (${customer.id})`,
        messages: [
          {
            role: 'user' as const,
            content: {
              type: 'resource' as const,
              resource: {
                uri: `${customerResourcePrefix}${customer.id}`,
                mimeType: 'application/json',
                text: JSON.stringify(customer, null, 2),
              },
            },
          },
          {
            role: 'user' as const,
            content: {
              type: 'text' as const,
              text:
                `Draft a ${tone} email reply to ${customer.name} of ${customer.company} (${customer.tier} tier), ` +
                'using the customer record above and the notes in it. Address them by name, keep to one topic, ' +
                'and never include payment card numbers, Social Security numbers or dates of birth in the email.',
            },
          },
        ],
      };
    },
  );
}
