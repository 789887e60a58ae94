// A registry entry: one governed backend as a resource in the Kubernetes
// style, `spec` (what its owner asked for), `status` (what the platform
// observed: lifecycle state, reviews, conditions) and `metadata` (the
// resourceVersion behind ETag / If-Match). Validation of the spec lives here.

import { z } from 'zod';
import { formatKeyPath, type KeyPathSegment } from '../config/errors.ts';
import { BACKEND_NAME, BACKEND_NAME_MAX_LENGTH } from '../config/backend-schema.ts';
import type { Condition } from './conditions.ts';
import { RegistryError, type SpecProblem } from './errors.ts';
import type { RecordedToolChange } from './tool-governance.ts';
import type { RecordedDefinitionChange } from './definition-governance.ts';

import { DATA_CLASSIFICATIONS, RISK_TIERS, type DataClassification, type RiskTier } from '../config/registry-vocabulary.ts';

export { DATA_CLASSIFICATIONS, RISK_TIERS, type DataClassification, type RiskTier };

export const LIFECYCLE_STATES = ['proposed', 'in_review', 'approved', 'active', 'deprecated', 'retired', 'rejected', 'suspended'] as const;
export type LifecycleState = (typeof LIFECYCLE_STATES)[number];

export interface EntrySpec {
  /** The backend's name, as in `backends[].name`; the entry's key, never changed. */
  name: string;
  description: string;
  /** Who answers for it, Backstage-style: `user:alice`, `group:payments`, `team:crm`. */
  owner: string;
  tenant: string;
  team?: string;
  riskTier: RiskTier;
  dataClassification: DataClassification;
  /** OAuth scopes its tools need (RFC 6749 section 3.3 scope tokens). */
  scopes: string[];
  links: { repo?: string; runbook?: string };
  version?: string;
  /** Starts `active` without a review; only a platform admin (or the config file) may set it. */
  preApproved: boolean;
}

export const REVIEW_DECISIONS = ['approve', 'reject', 'request_changes'] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];

/** One check a reviewer ran (the CI vetting plugs in here): its name, outcome and what it found. */
export interface ReviewCheck {
  name: string;
  outcome: 'passed' | 'failed' | 'skipped';
  detail?: string;
}

/** A review is its own record: who decided what, on which round and generation of the spec, and when to look again. */
export interface Review {
  id: string;
  reviewer: string;
  decision: ReviewDecision;
  checks: ReviewCheck[];
  notes: string;
  /** RFC 3339. */
  at: string;
  /** RFC 3339: when the next periodic review is due, as the reviewer set it. */
  nextReviewAt?: string;
  /** Which review round (status.reviewRound) it counts in; a new round starts each time the entry enters review. */
  round: number;
  /** The spec generation it looked at. */
  generation: number;
}

export interface EntryStatus {
  state: LifecycleState;
  /** The principal that proposed it (`user:alice`, `agent:admin`); no reviewer may be it. */
  proposedBy: string;
  reviewRound: number;
  reviews: Review[];
  nextReviewAt?: string;
  /** Set while suspended: where a lifted suspension returns to. */
  suspendedFrom?: LifecycleState;
  deprecatedAt?: string;
  /** The spec generation the last completed review approved. */
  observedGeneration?: number;
  conditions: Condition[];
  /** Changed tool definitions tool pinning reported (tool-governance.ts), each acted on once. */
  toolChanges?: RecordedToolChange[];
  /** Breaking changes of the backend's definitions against its approved snapshot (definition-governance.ts), each acted on once. */
  definitionChanges?: RecordedDefinitionChange[];
}

export interface EntryMetadata {
  /** Opaque to clients; the ETag. Each write through the store compares and replaces it. */
  resourceVersion: string;
  /** Counts spec changes (status changes leave it), as in Kubernetes. */
  generation: number;
  createdAt: string;
  updatedAt: string;
}

export interface RegistryEntry {
  apiVersion: typeof API_VERSION;
  kind: 'RegistryEntry';
  metadata: EntryMetadata;
  spec: EntrySpec;
  status: EntryStatus;
}

export const API_VERSION = 'gatehouse.dev/v1alpha1';

/** `kind:name`, the principal forms identity uses plus the group and team forms of an owner. */
const OWNER = /^(user|group|team|agent):[^\s:][^\s]*$/;
/** RFC 6749 section 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const TENANT = /^[a-z0-9][a-z0-9-]{0,62}$/;

const text = (expected: string, max = 256) => z.string({ error: expected }).trim().min(1, { error: expected }).max(max, { error: `${expected}, at most ${max} characters` });
const url = (what: string) =>
  z.string({ error: `expected an http(s) URL of the ${what}` }).refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), { error: `expected an http(s) URL of the ${what}` });

const specSchema = z.strictObject({
  name: text('expected a backend name: letters, digits and hyphens', BACKEND_NAME_MAX_LENGTH).regex(BACKEND_NAME, { error: 'expected a backend name: letters, digits and hyphens, starting with a letter or digit' }),
  description: text('expected a description of what the server does', 2_000),
  owner: text('expected an owner such as user:alice or group:payments').regex(OWNER, { error: 'expected an owner such as user:alice, group:payments or team:crm' }),
  tenant: text('expected a tenant name', 63).regex(TENANT, { error: 'expected a tenant name: lower-case letters, digits and hyphens' }).default('default'),
  team: text('expected a team name', 128).optional(),
  riskTier: z.enum(RISK_TIERS, { error: `expected one of ${RISK_TIERS.join(', ')}` }),
  dataClassification: z.enum(DATA_CLASSIFICATIONS, { error: `expected one of ${DATA_CLASSIFICATIONS.join(', ')}` }),
  scopes: z.array(z.string({ error: 'expected a scope' }).regex(SCOPE_TOKEN, { error: 'expected a scope token (RFC 6749 section 3.3: no spaces, quotes or backslashes)' }), { error: 'expected a list of scopes' }).default([]),
  links: z.strictObject({ repo: url('source repository').optional(), runbook: url('runbook').optional() }, { error: 'expected a mapping with repo and runbook URLs' }).default({}),
  version: text('expected a version such as 1.4.0', 64).optional(),
  preApproved: z.boolean({ error: 'expected true or false' }).default(false),
}, { error: 'expected a mapping (the entry spec)' });

/** The spec, checked and with defaults filled in, or an `invalid_spec` error naming every bad field. */
export function validateSpec(input: unknown): EntrySpec {
  const result = specSchema.safeParse(input);
  if (result.success) return stripUndefined(result.data) as EntrySpec;
  const problems: SpecProblem[] = [];
  for (const issue of result.error.issues) {
    const path = ['spec', ...(issue.path as KeyPathSegment[])];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push({ path: formatKeyPath([...path, key]), message: `unknown field; the spec has ${Object.keys(specSchema.shape).join(', ')}` });
    } else {
      problems.push({ path: formatKeyPath(path), message: issue.message });
    }
  }
  throw new RegistryError('invalid_spec', `the entry spec is invalid: ${problems.map((problem) => `${problem.path}: ${problem.message}`).join('; ')}`, { problems });
}

/** Optional fields absent rather than `undefined`, so specs compare and serialize the same from every store. */
function stripUndefined<T extends Record<string, unknown>>(value: T): T {
  const result: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (field === undefined) continue;
    result[key] = typeof field === 'object' && field !== null && !Array.isArray(field) ? stripUndefined(field as Record<string, unknown>) : field;
  }
  return result as T;
}

/** The ETag of an entry (RFC 9110 section 8.8.3: a strong validator, since any write changes the version). */
export function etagOf(entry: RegistryEntry): string {
  return `"${entry.metadata.resourceVersion}"`;
}

/** The resourceVersion an If-Match header names; undefined for `*` or no header (then no comparison is asked for). */
export function resourceVersionOfIfMatch(header: string | undefined): string | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  return header.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}
