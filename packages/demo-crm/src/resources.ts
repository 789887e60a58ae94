// The CRM's resources: two team documents shipped as markdown in data/, and
// one resource per customer record under doc://team/customers/{customer_id},
// listable and with completion for the id.

import { readFileSync } from 'node:fs';

import { type McpServer, ResourceNotFoundError, ResourceTemplate } from '@modelcontextprotocol/server';

import type { CustomerStore } from './data.ts';

export const customerResourcePrefix = 'doc://team/customers/';

interface TeamDocument {
  name: string;
  uri: string;
  title: string;
  description: string;
  file: string;
}

const teamDocuments: readonly TeamDocument[] = [
  {
    name: 'handbook',
    uri: 'doc://team/handbook',
    title: 'Customer success handbook',
    description: 'How the team works with customers: tiers, response times, writing and updating records.',
    file: 'handbook.md',
  },
  {
    name: 'escalation-policy',
    uri: 'doc://team/escalation-policy',
    title: 'Escalation policy',
    description: 'Severity levels, who to contact, and what an escalation must include.',
    file: 'escalation-policy.md',
  },
];

// Read once per process: the documents are static and small.
const documentText = new Map<string, string>();
function readDocument(document: TeamDocument): string {
  let text = documentText.get(document.file);
  if (text === undefined) {
    text = readFileSync(new URL(`../data/${document.file}`, import.meta.url), 'utf8');
    documentText.set(document.file, text);
  }
  return text;
}

/** Ids matching what the user typed so far, case-insensitively, for completion. */
export function completeCustomerId(customers: CustomerStore, typed: string): string[] {
  const prefix = typed.trim().toUpperCase();
  return customers.ids().filter((id) => id.startsWith(prefix));
}

export function registerResources(server: McpServer, customers: CustomerStore): void {
  for (const document of teamDocuments) {
    server.registerResource(
      document.name,
      document.uri,
      { title: document.title, description: document.description, mimeType: 'text/markdown' },
      (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/markdown', text: readDocument(document) }] }),
    );
  }

  server.registerResource(
    'customer-record',
    new ResourceTemplate(`${customerResourcePrefix}{customer_id}`, {
      list: () => ({
        resources: customers.ids().map((id) => {
          const customer = customers.get(id);
          return {
            uri: `${customerResourcePrefix}${id}`,
            name: `customer-${id}`,
            title: `${customer.name} (${customer.company})`,
            mimeType: 'application/json',
          };
        }),
      }),
      complete: { customer_id: (typed) => completeCustomerId(customers, typed) },
    }),
    {
      title: 'Customer record',
      description: 'One customer record as JSON, PII included. customer_id is an id like C-1001.',
      mimeType: 'application/json',
    },
    (uri, variables) => {
      const requested = variables['customer_id'];
      const customerId = decodeURIComponent(Array.isArray(requested) ? (requested[0] ?? '') : (requested ?? ''));
      const customer = customers.find(customerId);
      if (customer === undefined) {
        throw new ResourceNotFoundError(
          uri.href,
          `Customer ${customerId} not found in active records; list resources or complete customer_id to see valid ids`,
        );
      }
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(customer, null, 2) }] };
    },
  );
}
