// The `registry` section of gatehouse.yaml and the per-backend registry keys
// (`lifecycle`, `owner`, `risk_tier`, ...): where lifecycle state is kept and
// whether the routing gate enforces it. The registry itself is src/registry/.

import { z } from 'zod';
import { DATA_CLASSIFICATIONS, RISK_TIERS, type DataClassification, type RiskTier } from './registry-vocabulary.ts';
import { flag, httpUrl, text, wholeNumber } from './fields.ts';

const reviewersPerTier = z.strictObject(Object.fromEntries(RISK_TIERS.map((tier) => [tier, wholeNumber(1, 10).optional()])) as Record<RiskTier, z.ZodOptional<ReturnType<typeof wholeNumber>>>, {
  error: `expected a mapping of risk tier (${RISK_TIERS.join(', ')}) to the number of distinct reviewers it needs`,
});

const registryShape = {
  /** `sqlite` (the embedded default) or a postgres:// URL. */
  store: text('expected "sqlite" or a postgres:// URL').refine((value) => value === 'sqlite' || /^postgres(ql)?:\/\//.test(value), { error: 'expected "sqlite" or a postgres:// URL' }).default('sqlite'),
  path: text('expected the path of the registry SQLite file').optional(),
  postgres_schema: text('expected a PostgreSQL schema name').optional(),
  /** false: entries are kept and reviewed but every backend is routed (a dry run of the gate). */
  enforce: flag().default(true),
  review_tiers: reviewersPerTier.optional(),
  review_interval_days: wholeNumber(1, 3650).optional(),
  /** true: the review sweep suspends an active or deprecated entry whose next review date has passed. */
  suspend_overdue: flag().default(false),
  /** How often the sweep flags overdue entries (and suspends them with suspend_overdue); default 3600. */
  review_sweep_interval_seconds: wholeNumber(1, 86_400).optional(),
  /** true: tools a breaking change without a major serverInfo.version step touched leave the catalog until reviewed (docs/registry.md). */
  block_breaking_without_major: flag().default(false),
};

export const registrySchema = z.strictObject(registryShape, { error: 'expected a mapping' }).optional();

/** Per-backend keys: how a configured backend enters the registry. */
export const backendRegistryShape = {
  lifecycle: z.enum(['pre_approved', 'proposed'], { error: 'expected "pre_approved" (routed from the start) or "proposed" (routed once reviewed)' }).optional(),
  owner: text('expected an owner such as user:alice, group:payments or team:crm').regex(/^(user|group|team|agent):[^\s:][^\s]*$/, { error: 'expected an owner such as user:alice, group:payments or team:crm' }).optional(),
  description: text('expected a description of what the server does').optional(),
  risk_tier: z.enum(RISK_TIERS, { error: `expected one of ${RISK_TIERS.join(', ')}` }).optional(),
  data_classification: z.enum(DATA_CLASSIFICATIONS, { error: `expected one of ${DATA_CLASSIFICATIONS.join(', ')}` }).optional(),
  team: text('expected a team name').optional(),
  /** The entry's spec.scopes (the OAuth scopes its tools need); `scopes` is the backend's own read/invoke mapping. */
  registry_scopes: z.array(text('expected a scope token').regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, { error: 'expected a scope token (RFC 6749 section 3.3: no spaces, quotes or backslashes)' }), { error: 'expected a list of scope tokens' }).optional(),
  links: z.strictObject({ repo: httpUrl().optional(), runbook: httpUrl().optional() }, { error: 'expected a mapping with repo and runbook URLs' }).optional(),
  version: text('expected a version such as 1.4.0').optional(),
};

export interface BackendRegistrySpec {
  lifecycle?: 'pre_approved' | 'proposed';
  owner?: string;
  description?: string;
  riskTier?: RiskTier;
  dataClassification?: DataClassification;
  team?: string;
  scopes?: string[];
  links?: { repo?: string; runbook?: string };
  version?: string;
}

export interface RegistryConfig {
  /** `path` absent: `.gatehouse/registry.db` beside the embedded default's audit database. */
  store: { kind: 'sqlite'; path?: string } | { kind: 'postgres'; url: string; schema?: string };
  enforce: boolean;
  requiredReviewers?: Partial<Record<RiskTier, number>>;
  reviewIntervalDays?: number;
  /** The review sweep suspends overdue active and deprecated entries (registry/review-sweep.ts); absent: false. */
  suspendOverdue?: boolean;
  /** Seconds between sweeps; absent: 3600. */
  reviewSweepIntervalSeconds?: number;
  /** Withhold the tools of a breaking change without a major version step until reviewed (registry/definition-governance.ts); absent: false. */
  blockBreakingWithoutMajor?: boolean;
}

export function toRegistryConfig(file: z.output<typeof registrySchema>): RegistryConfig | undefined {
  if (file === undefined) return undefined;
  return {
    store: file.store === 'sqlite' ? { kind: 'sqlite', ...(file.path === undefined ? {} : { path: file.path }) } : { kind: 'postgres', url: file.store, ...(file.postgres_schema === undefined ? {} : { schema: file.postgres_schema }) },
    enforce: file.enforce,
    ...(file.review_tiers === undefined ? {} : { requiredReviewers: Object.fromEntries(Object.entries(file.review_tiers).filter(([, value]) => value !== undefined)) }),
    ...(file.review_interval_days === undefined ? {} : { reviewIntervalDays: file.review_interval_days }),
    ...(file.suspend_overdue ? { suspendOverdue: true } : {}),
    ...(file.review_sweep_interval_seconds === undefined ? {} : { reviewSweepIntervalSeconds: file.review_sweep_interval_seconds }),
    ...(file.block_breaking_without_major ? { blockBreakingWithoutMajor: true } : {}),
  };
}

export function toBackendRegistrySpec(backend: { [K in keyof typeof backendRegistryShape]?: z.output<(typeof backendRegistryShape)[K]> }): BackendRegistrySpec | undefined {
  const spec: BackendRegistrySpec = {
    ...(backend.lifecycle === undefined ? {} : { lifecycle: backend.lifecycle }),
    ...(backend.owner === undefined ? {} : { owner: backend.owner }),
    ...(backend.description === undefined ? {} : { description: backend.description }),
    ...(backend.risk_tier === undefined ? {} : { riskTier: backend.risk_tier }),
    ...(backend.data_classification === undefined ? {} : { dataClassification: backend.data_classification }),
    ...(backend.team === undefined ? {} : { team: backend.team }),
    ...(backend.registry_scopes === undefined ? {} : { scopes: backend.registry_scopes }),
    ...(backend.links === undefined ? {} : { links: Object.fromEntries(Object.entries(backend.links).filter(([, link]) => link !== undefined)) }),
    ...(backend.version === undefined ? {} : { version: backend.version }),
  };
  return Object.keys(spec).length === 0 ? undefined : spec;
}
