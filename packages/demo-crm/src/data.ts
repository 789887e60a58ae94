// The CRM's customer records: the schema of one record, the sample data
// shipped in data/customers.json, and the in-memory store the tools read and
// change. Records carry realistic PII on purpose, so the gateway's redaction
// and audit policies have something real to act on.

import { readFileSync } from 'node:fs';
import * as z from 'zod';

import { customerNotFound } from './errors.ts';

export const customerTiers = ['free', 'pro', 'enterprise'] as const;
export type CustomerTier = (typeof customerTiers)[number];

/** Who a mass email can go to: all customers, one tier, or the newsletter list (customers and prospects). */
export const segments = ['all', ...customerTiers, 'newsletter'] as const;
export type Segment = (typeof segments)[number];

/**
 * Opted-in newsletter subscribers who are not customers yet. The demo keeps
 * only their number, so a campaign to the newsletter reaches well over the
 * 1000 recipients that the gateway's default approval rule is about.
 */
export const NEWSLETTER_PROSPECTS = 2388;

export const customerSchema = z.object({
  id: z.string().describe('Customer id, e.g. C-1001'),
  name: z.string(),
  company: z.string(),
  email: z.string(),
  phone: z.string(),
  tier: z.enum(customerTiers),
  address: z.object({
    street: z.string(),
    city: z.string(),
    region: z.string(),
    postal_code: z.string(),
    country: z.string().describe('ISO 3166-1 alpha-2 country code'),
  }),
  payment_card: z.object({
    brand: z.string(),
    number: z.string(),
    expiry: z.string().describe('YYYY-MM'),
  }),
  ssn: z.string().describe('US Social Security number, NNN-NN-NNNN'),
  date_of_birth: z.string().describe('YYYY-MM-DD'),
  notes: z.string(),
  created_at: z.string().describe('ISO 8601 timestamp'),
});

/** One customer record, in the snake_case shape it has on the wire and in the JSON file. */
export type Customer = z.infer<typeof customerSchema>;

/** The fields an agent may change; everything else (card, SSN, address) is read-only here. */
export interface CustomerChanges {
  email?: string;
  phone?: string;
  tier?: CustomerTier;
  notes?: string;
}

export interface FieldChange {
  field: keyof CustomerChanges;
  before: string;
  after: string;
}

const sampleFile = new URL('../data/customers.json', import.meta.url);

/** Reads and validates the shipped sample data; a malformed file fails loudly at startup. */
export function loadSampleCustomers(): Customer[] {
  const parsed: unknown = JSON.parse(readFileSync(sampleFile, 'utf8'));
  return z.array(customerSchema).parse(parsed);
}

// Parsed once per process; each store gets its own deep copy so that one
// store's updates never leak into another's (tests rely on this).
let sampleCustomers: readonly Customer[] | undefined;

export class CustomerStore {
  readonly #customers = new Map<string, Customer>();

  constructor(customers: readonly Customer[] = (sampleCustomers ??= loadSampleCustomers())) {
    for (const customer of customers) this.#customers.set(customer.id, structuredClone(customer));
  }

  /** All customer ids, in insertion order. */
  ids(): string[] {
    return [...this.#customers.keys()];
  }

  /** A copy of the record, or undefined; callers cannot change the store through it. */
  find(customerId: string): Customer | undefined {
    const customer = this.#customers.get(customerId.trim().toUpperCase());
    return customer === undefined ? undefined : structuredClone(customer);
  }

  /** Like `find`, but a missing customer is a ToolError the kit explains to the agent. */
  get(customerId: string): Customer {
    const customer = this.find(customerId);
    if (customer === undefined) throw customerNotFound(customerId);
    return customer;
  }

  /**
   * Customers whose id, name, company, email, city or phone contains the
   * query (case-insensitive; phone numbers compare by digits only).
   */
  search(query: string, limit: number): { matches: Customer[]; total: number } {
    const needle = query.trim().toLowerCase();
    const needleDigits = needle.replace(/\D/g, '');
    const matches: Customer[] = [];
    for (const customer of this.#customers.values()) {
      const haystack = [customer.id, customer.name, customer.company, customer.email, customer.address.city]
        .join('\n')
        .toLowerCase();
      const phoneMatches = needleDigits.length >= 4 && customer.phone.replace(/\D/g, '').includes(needleDigits);
      if (haystack.includes(needle) || phoneMatches) matches.push(customer);
    }
    return { matches: matches.slice(0, limit).map((customer) => structuredClone(customer)), total: matches.length };
  }

  /** The changes `update` would make, without making them. */
  diff(customerId: string, changes: CustomerChanges): FieldChange[] {
    const customer = this.get(customerId);
    const fieldChanges: FieldChange[] = [];
    for (const field of ['email', 'phone', 'tier', 'notes'] as const) {
      const after = changes[field];
      if (after !== undefined && after !== customer[field]) {
        fieldChanges.push({ field, before: customer[field], after });
      }
    }
    return fieldChanges;
  }

  /** Applies the changes and returns what changed (fields already equal are skipped). */
  update(customerId: string, changes: CustomerChanges): FieldChange[] {
    const fieldChanges = this.diff(customerId, changes);
    const customer = this.#customers.get(customerId.trim().toUpperCase());
    if (customer === undefined) throw customerNotFound(customerId);
    for (const change of fieldChanges) {
      if (change.field === 'tier') customer.tier = change.after as CustomerTier;
      else customer[change.field] = change.after;
    }
    return fieldChanges;
  }

  /** How many recipients a mass email to this segment would reach: counted from the records, never taken from the caller. */
  segmentSize(segment: Segment): number {
    if (segment === 'all') return this.#customers.size;
    if (segment === 'newsletter') return this.#customers.size + NEWSLETTER_PROSPECTS;
    let count = 0;
    for (const customer of this.#customers.values()) if (customer.tier === segment) count += 1;
    return count;
  }
}
