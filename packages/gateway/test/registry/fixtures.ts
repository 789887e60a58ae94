// Factories for the registry tests: a valid spec, the cast of actors (the
// proposer, an owner group's member, two reviewers, a platform admin) and
// entries put straight into any lifecycle state.

import type { EntrySpec, LifecycleState, RegistryEntry } from '../../src/registry/entry.ts';
import { validateSpec } from '../../src/registry/entry.ts';
import { createEntry, type Actor } from '../../src/registry/lifecycle.ts';

export const NOW = new Date('2026-12-07T10:00:00.000Z');
export const LATER = new Date('2027-01-07T10:00:00.000Z');
export const FUTURE_REVIEW = '2027-03-07T10:00:00.000Z';

export const proposer: Actor = { principal: 'user:alice', roles: [] };
export const owner: Actor = { principal: 'user:olga', roles: [], memberOf: ['group:crm'] };
export const reviewer: Actor = { principal: 'user:rita', roles: ['reviewer'] };
export const secondReviewer: Actor = { principal: 'user:ravi', roles: ['reviewer'] };
export const platformAdmin: Actor = { principal: 'user:pat', roles: ['platform_admin'] };
export const stranger: Actor = { principal: 'user:sam', roles: [] };

export function specFor(overrides: Partial<EntrySpec> = {}): EntrySpec {
  return validateSpec({
    name: 'crm',
    description: 'Customer records for the sales agents',
    owner: 'group:crm',
    tenant: 'sales',
    riskTier: 'low',
    dataClassification: 'confidential',
    scopes: ['crm.read'],
    links: { repo: 'https://git.example.com/crm-mcp', runbook: 'https://wiki.example.com/crm-mcp' },
    version: '1.4.0',
    ...overrides,
  });
}

/** A new entry proposed by `proposer`. */
export function proposedEntry(overrides: Partial<EntrySpec> = {}): RegistryEntry {
  const outcome = createEntry(specFor(overrides), proposer, NOW, 'new CRM server');
  if (!outcome.isApplied) throw outcome.error;
  return outcome.entry;
}

/** An entry put straight into `state` (as a store might hold it), its review current unless told otherwise, no conditions observed yet. */
export function entryIn(state: LifecycleState, options: { spec?: Partial<EntrySpec>; nextReviewAt?: string; suspendedFrom?: LifecycleState } = {}): RegistryEntry {
  const entry = proposedEntry(options.spec);
  const isReviewed = !['proposed', 'in_review', 'rejected'].includes(state);
  return {
    ...entry,
    status: {
      ...entry.status,
      state,
      reviewRound: state === 'proposed' ? 0 : 1,
      // Observed anew by the first change, as if the platform had not looked yet.
      conditions: [],
      ...(isReviewed ? { nextReviewAt: options.nextReviewAt ?? FUTURE_REVIEW, observedGeneration: 1 } : {}),
      ...(state === 'suspended' ? { suspendedFrom: options.suspendedFrom ?? 'active' } : {}),
      ...(state === 'deprecated' ? { deprecatedAt: NOW.toISOString() } : {}),
    },
  };
}
