// The feature runs of `npm run bench -- --features`: what each gateway
// feature costs, as the throughput of a gateway with the feature on over the
// same gateway without it. Each feature names its reference configuration and
// the goal its issue sets. Pure: feature-run.ts starts the processes.

/**
 * `bare`: no metrics, no tracing, no authentication, no policies, no audit.
 * `plain`: the gateway as `npm run bench` measures it (metrics on, the rest off).
 */
export type ReferenceName = 'bare' | 'plain';

export interface Feature {
  name: string;
  /** What the feature's gateway has on, for the report. */
  description: string;
  reference: ReferenceName;
  /** Minimum feature rps / reference rps at the bench's concurrency. */
  goal: number;
  /** The issue that sets the goal. */
  issue: number;
  /** YAML appended to the bench config; `${BENCH_DIR}` is the gateway's temporary directory, `${OTLP_URL}` the bench's trace sink. */
  extraYaml: string;
  /** Whether each request carries a bearer token from the gateway's embedded identity provider. */
  isAuthenticated: boolean;
}

const METRICS_OFF = 'telemetry:\n  metrics:\n    enabled: false\n';

export const REFERENCE_YAML: Readonly<Record<ReferenceName, string>> = {
  bare: METRICS_OFF,
  plain: '',
};

/**
 * Authentication by the embedded identity provider (on a free port), with
 * the scope check: the demo agent's crm scopes stand in for the bench
 * backends' own. All 64 clients are one agent, so the per-identity session
 * cap is raised above them.
 */
export const AUTHENTICATION_YAML = 'authentication:\n  embedded_idp:\n    port: 0\nauthorization:\n  read_scope: crm.read\n  invoke_scope: crm.invoke\nmax_concurrent_sessions_per_user: 1000\n';

/** Every operation audited into SQLite under the gateway's temporary directory. */
export const AUDIT_YAML = 'audit:\n  store: sqlite\n  path: ${BENCH_DIR}/audit.db\n';

/**
 * The embedded default's policy chain (packages/gateway/config/default.yaml),
 * every policy on, with its limits raised past what the bench sends: the run
 * measures what the checks cost, not what a denial costs.
 */
export const DEFAULT_CHAIN_YAML = `policies:
  - name: tool_pinning
    type: tool_pinning
    path: \${BENCH_DIR}/tool-pins.sqlite
  - name: argument_validation
    type: argument_validation
  - name: rate_limit_per_user
    type: rate_limit
    requests_per_minute: 100000000
  - name: step_budget
    type: step_budget
    max_steps: 100000000
  - name: cost_ceiling
    type: cost_per_session
    max_usd: 100000000
    tool_costs: { send_mass_email: 0.50, send_email: 0.01, "bench/*": 0.001 }
  - name: mass_email_approval
    type: approval
    rules:
      - tool: send_mass_email
        when: args.recipient_count > 1000
        reason: a mass email to more than 1000 recipients needs a human's approval
  - name: pii_redaction
    type: response_filter
    patterns: [ssn, credit_card, full_email]
`;

export const FEATURES: readonly Feature[] = [
  {
    name: 'metrics',
    description: 'Prometheus metrics on (the default)',
    reference: 'bare',
    goal: 0.9,
    issue: 8,
    extraYaml: '',
    isAuthenticated: false,
  },
  {
    name: 'tracing',
    description: 'metrics and OpenTelemetry tracing, sampling 100%, exported over OTLP/HTTP',
    reference: 'bare',
    goal: 0.8,
    issue: 8,
    extraYaml: 'telemetry:\n  tracing:\n    enabled: true\n    endpoint: ${OTLP_URL}\n    sampling_ratio: 1\n',
    isAuthenticated: false,
  },
  {
    name: 'auth',
    description: 'a JWT from the embedded identity provider verified on every request',
    reference: 'plain',
    goal: 0.9,
    issue: 4,
    extraYaml: AUTHENTICATION_YAML,
    isAuthenticated: true,
  },
  {
    name: 'policies',
    description: "the embedded default's policy chain (pinning, argument validation, rate limit, step budget, cost ceiling, approval, redaction)",
    reference: 'plain',
    goal: 0.85,
    issue: 5,
    extraYaml: DEFAULT_CHAIN_YAML,
    isAuthenticated: false,
  },
  {
    name: 'audit',
    description: 'every operation audited into SQLite, durable before the answer',
    reference: 'plain',
    goal: 0.85,
    issue: 6,
    extraYaml: AUDIT_YAML,
    isAuthenticated: false,
  },
];

export class UnknownFeatureError extends Error {
  readonly code = 'bench_unknown_feature';
}

/** The features a `--features a,b` list names, in the table's order; all of them for an empty list. */
export function selectFeatures(names: readonly string[]): Feature[] {
  if (names.length === 0) return [...FEATURES];
  for (const name of names) {
    if (!FEATURES.some((feature) => feature.name === name)) {
      throw new UnknownFeatureError(`unknown feature "${name}"; choose from ${FEATURES.map((feature) => feature.name).join(', ')}`);
    }
  }
  return FEATURES.filter((feature) => names.includes(feature.name));
}

export interface FeatureRatio {
  feature: string;
  era: string;
  value: number;
  goal: number;
  isMet: boolean;
}

/** Feature rps over reference rps; NaN (a miss) when either side had errors or no requests. */
export function featureRatio(feature: Feature, era: string, featureSide: { rps: number; errors: number; requests: number }, referenceSide: { rps: number; errors: number; requests: number }): FeatureRatio {
  const isUsable = (side: { errors: number; requests: number }) => side.errors === 0 && side.requests > 0;
  const value = isUsable(featureSide) && isUsable(referenceSide) ? featureSide.rps / referenceSide.rps : Number.NaN;
  return { feature: feature.name, era, value, goal: feature.goal, isMet: value >= feature.goal };
}
