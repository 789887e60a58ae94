// The CRM's resources: two team documents shipped as markdown in data/, and
// one resource per customer record under doc://team/customers/{customer_id},
// listable and with completion for the id; the kit adds ETags, audit and
// metrics to every read.

import { readFileSync } from 'node:fs';

import { defineResource, type ResourceDefinition } from '@gatehouse/server-kit';
import { ResourceNotFoundError } from '@modelcontextprotocol/server';

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

function teamDocumentResource(document: TeamDocument): ResourceDefinition {
  return defineResource({
    name: document.name,
    uri: document.uri,
    title: document.title,
    description: document.description,
    mimeType: 'text/markdown',
    read: () => ({ text: readDocument(document) }),
  });
}

function customerRecordResource(customers: CustomerStore): ResourceDefinition {
  return defineResource({
    name: 'customer-record',
    uri: `${customerResourcePrefix}{customer_id}`,
    title: 'Customer record',
    description: 'One customer record as JSON, PII included. customer_id is an id like C-1001.',
    mimeType: 'application/json',
    list: () =>
      customers.ids().map((id) => {
        const customer = customers.get(id);
        return { uri: `${customerResourcePrefix}${id}`, name: `customer-${id}`, title: `${customer.name} (${customer.company})`, mimeType: 'application/json' };
      }),
    complete: { customer_id: (typed) => completeCustomerId(customers, typed) },
    read: ({ uri, variables }) => {
      const customerId = decodeURIComponent(variables['customer_id'] ?? '');
      const customer = customers.find(customerId);
      if (customer === undefined) {
        throw new ResourceNotFoundError(uri.href, `Customer ${customerId} not found in active records; list resources or complete customer_id to see valid ids`);
      }
      return { text: JSON.stringify(customer, null, 2) };
    },
  });
}

/** The CRM's resources as kit definitions: the two team documents and the customer-record template. */
export function crmResources(customers: CustomerStore): ResourceDefinition[] {
  return [...teamDocuments.map(teamDocumentResource), customerRecordResource(customers)];
}
