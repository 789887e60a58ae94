// The gateway's Prometheus metrics, in a Registry of their own (never
// prom-client's global one, so two gateways in one process do not collide).
// Names and labels follow the MCP metric names users' dashboards expect
// (docs/observability.md), plus policy, breaker, audit and rate-limit families. The transport records one `ExchangeOutcome` per
// finished message; sessions, identity, breakers and audit call the small
// recorders. The admin listener serves `render()` on `/metrics`.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { CounterFamily, HistogramFamily } from './metric-family.ts';
import { LiveSessions, SESSION_COST_METRIC, type LiveSessionOptions } from './live-sessions.ts';
import { createUserLabeler, type UserLabeler, type UserLabelOptions } from './user-label.ts';
import type { ExchangeOutcome } from './exchange-outcome.ts';
import type { TrafficCounts, TrafficTotals } from './traffic-window.ts';

export const METRIC_NAMES = {
  requests: 'mcp_requests_total',
  requestDuration: 'mcp_request_duration_seconds',
  toolCalls: 'mcp_tool_calls_total',
  resourceReads: 'mcp_resource_reads_total',
  requestsPerUser: 'mcp_requests_per_user',
  costPerSession: SESSION_COST_METRIC,
  authFailures: 'mcp_auth_failures_total',
  scopeCheckFailures: 'mcp_scope_check_failures_total',
  sessionDuration: 'mcp_session_duration_seconds',
  concurrentSessions: 'mcp_concurrent_sessions',
  sessionCapacity: 'mcp_session_capacity',
  backendCallDuration: 'mcp_backend_call_duration_seconds',
  policyDecisions: 'mcp_policy_decisions_total',
  breakerState: 'mcp_backend_breaker_state',
  auditQueueDepth: 'mcp_audit_queue_depth',
  auditWriteDuration: 'mcp_audit_write_duration_seconds',
  auditWriteFailures: 'mcp_audit_write_failures_total',
  rateLimitHits: 'mcp_rate_limit_hits_total',
  configReloads: 'mcp_config_reloads_total',
  discoveredBackends: 'mcp_discovered_backends',
  usageCalls: 'mcp_usage_calls_total',
  usageCost: 'mcp_usage_cost_usd_total',
} as const;

/** `mcp_config_reloads_total` outcomes: applied, nothing changed, refused (the file is bad), failed (applying threw). */
export type ReloadOutcome = 'applied' | 'unchanged' | 'refused' | 'failed';

/** The `server` label when the gateway answered itself (ping, discover, the federated lists). Backend names cannot start with `_`. */
export const GATEWAY_SERVER_LABEL = '_gatehouse';

export type BreakerState = 'closed' | 'half_open' | 'open';
/** `mcp_backend_breaker_state` values; alerts and the dashboard read `2` as open. */
export const BREAKER_STATE_VALUES: Readonly<Record<BreakerState, number>> = { closed: 0, half_open: 1, open: 2 };

export const DEFAULT_BUCKETS = {
  request: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
  session: [1, 10, 60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400],
  auditWrite: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
} as const;

export const DEFAULT_SESSION_CAPACITY = 10_000;

export interface GatewayMetricsOptions {
  /** Bounds the `user` label; see user-label.ts. */
  users?: UserLabelOptions;
  /** Label sets per metric before new ones fold into the `__overflow__` series. Default 10000. */
  maxSeriesPerMetric?: number;
  /** `mcp_cost_per_session`: how many sessions a scrape shows, and how many open sessions are tracked. */
  sessions?: LiveSessionOptions;
  /** Buckets for request and backend-call durations, in seconds. */
  requestBuckets?: readonly number[];
  sessionBuckets?: readonly number[];
  auditWriteBuckets?: readonly number[];
  /** Sessions one replica is sized for (`mcp_session_capacity`, read by the capacity alert). Default 10000; set it from a load test. */
  sessionCapacity?: number;
  /** prom-client's process_* and nodejs_* metrics. Default true. */
  hasProcessMetrics?: boolean;
  /** Told once per metric when its label sets reach the cap (log it: a label is unbounded somewhere). */
  onSeriesOverflow?: (metric: string) => void;
  /** `telemetry.metrics.enabled: false`: every recorder returns at once and `/metrics` is not served. Default true. */
  isEnabled?: boolean;
  /** How a call's charge and tenant are read for the usage counters (usage/usage-pricing.ts); without it calls count under `default` and nothing is charged. */
  usage?: UsagePricing;
}

/** The usage room's rule, handed in so that metrics do not import it (usage/ reads audit/ and policy/, which record metrics). */
export interface UsagePricing {
  /** The tenant a call without one counts under. */
  defaultTenant: string;
  /** What the call was charged in US dollars by its cost policy's verdicts; undefined when nothing charged it. */
  chargeUsdOf(decisions: NonNullable<ExchangeOutcome['decisions']>): number | undefined;
}

const UNPRICED: UsagePricing = { defaultTenant: 'default', chargeUsdOf: () => undefined };

export interface MetricsExposition {
  contentType: string;
  body: string;
}

export class GatewayMetrics {
  readonly registry: Registry;
  readonly isEnabled: boolean;
  readonly #userLabel: UserLabeler;
  readonly #requests: CounterFamily;
  readonly #requestDuration: HistogramFamily;
  readonly #toolCalls: CounterFamily;
  readonly #resourceReads: CounterFamily;
  readonly #requestsPerUser: CounterFamily;
  readonly #backendCallDuration: HistogramFamily;
  readonly #policyDecisions: CounterFamily;
  readonly #authFailures: CounterFamily;
  readonly #scopeCheckFailures: CounterFamily;
  readonly #rateLimitHits: CounterFamily;
  readonly #usageCalls: CounterFamily;
  readonly #usageCost: CounterFamily;
  readonly #usage: UsagePricing;
  readonly #liveSessions: LiveSessions;
  readonly #sessionDuration: Histogram;
  readonly #breakerState: Gauge<'backend'>;
  readonly #auditWriteDuration: Histogram;
  readonly #auditWriteFailures: Counter;
  readonly #configReloads: Counter<'outcome'>;
  readonly #discoveredBackends: Gauge<'source'>;
  #auditQueueDepth: (() => number) | undefined;

  constructor(options: GatewayMetricsOptions = {}) {
    const registry = new Registry();
    this.registry = registry;
    this.isEnabled = options.isEnabled !== false;
    this.#usage = options.usage ?? UNPRICED;
    this.#userLabel = createUserLabeler(options.users);
    const family = (name: string, help: string, labelNames: readonly string[]) => ({
      name,
      help,
      labelNames,
      maxSeries: options.maxSeriesPerMetric ?? 10_000,
      onOverflow: options.onSeriesOverflow,
    });
    const requestBuckets = options.requestBuckets ?? DEFAULT_BUCKETS.request;

    this.#requests = new CounterFamily(family(METRIC_NAMES.requests, 'MCP requests answered, by backend server, tool (or method) and status', ['server', 'tool', 'status'])).registerIn(registry);
    this.#requestDuration = new HistogramFamily({
      ...family(METRIC_NAMES.requestDuration, 'Time from a request arriving to its answer, by backend server and tool (or method)', ['server', 'tool']),
      buckets: requestBuckets,
    }).registerIn(registry);
    this.#toolCalls = new CounterFamily(family(METRIC_NAMES.toolCalls, 'tools/call requests, by backend server and tool', ['server', 'tool'])).registerIn(registry);
    this.#resourceReads = new CounterFamily(family(METRIC_NAMES.resourceReads, 'resources/read requests, by backend server and URI scheme', ['server', 'resource_type'])).registerIn(registry);
    this.#requestsPerUser = new CounterFamily(family(METRIC_NAMES.requestsPerUser, 'Requests by caller (allowlisted users by name, others hashed into buckets) and backend server', ['user', 'server'])).registerIn(registry);
    this.#backendCallDuration = new HistogramFamily({
      ...family(METRIC_NAMES.backendCallDuration, 'Time waiting for a backend to answer, by backend server and upstream', ['server', 'backend']),
      buckets: requestBuckets,
    }).registerIn(registry);
    this.#policyDecisions = new CounterFamily(family(METRIC_NAMES.policyDecisions, 'Policy decisions, by policy and decision (allow, deny, rewrite)', ['policy', 'decision'])).registerIn(registry);
    this.#authFailures = new CounterFamily(family(METRIC_NAMES.authFailures, 'Requests refused by authentication, by server and reason', ['server', 'reason'])).registerIn(registry);
    this.#scopeCheckFailures = new CounterFamily(family(METRIC_NAMES.scopeCheckFailures, 'Requests refused for a missing scope, by the scope required', ['scope'])).registerIn(registry);
    this.#rateLimitHits = new CounterFamily(family(METRIC_NAMES.rateLimitHits, 'Requests refused by a rate limit, by backend server and limit', ['server', 'limit'])).registerIn(registry);
    // Usage by tenant and backend only: both are bounded by config, never a user id (docs/usage.md).
    this.#usageCalls = new CounterFamily(family(METRIC_NAMES.usageCalls, 'Tool calls that reached a backend and were not refused, by tenant and backend (docs/usage.md)', ['tenant', 'backend'])).registerIn(registry);
    this.#usageCost = new CounterFamily(family(METRIC_NAMES.usageCost, 'What the cost policy charged for tool calls, in US dollars, by tenant and backend (docs/usage.md)', ['tenant', 'backend'])).registerIn(registry);
    const liveSessions = new LiveSessions(options.sessions).registerIn(registry);
    this.#liveSessions = liveSessions;

    new Gauge({
      name: METRIC_NAMES.concurrentSessions,
      help: 'Sessions open on this replica',
      registers: [registry],
      collect() {
        this.set(liveSessions.size);
      },
    });
    new Gauge({ name: METRIC_NAMES.sessionCapacity, help: 'Sessions this replica is sized for (configured)', registers: [registry] }).set(
      options.sessionCapacity ?? DEFAULT_SESSION_CAPACITY,
    );
    this.#sessionDuration = new Histogram({
      name: METRIC_NAMES.sessionDuration,
      help: 'Lifetime of closed sessions',
      buckets: [...(options.sessionBuckets ?? DEFAULT_BUCKETS.session)],
      registers: [registry],
    });
    this.#breakerState = new Gauge({
      name: METRIC_NAMES.breakerState,
      help: 'Circuit breaker state per backend: 0 closed, 1 half-open, 2 open',
      labelNames: ['backend'],
      registers: [registry],
    });
    const metrics = this;
    new Gauge({
      name: METRIC_NAMES.auditQueueDepth,
      help: 'Audit records accepted but not yet durably written',
      registers: [registry],
      collect() {
        if (metrics.#auditQueueDepth !== undefined) this.set(metrics.#auditQueueDepth());
      },
    });
    this.#auditWriteDuration = new Histogram({
      name: METRIC_NAMES.auditWriteDuration,
      help: 'Time to durably write one batch of audit records',
      buckets: [...(options.auditWriteBuckets ?? DEFAULT_BUCKETS.auditWrite)],
      registers: [registry],
    });
    this.#auditWriteFailures = new Counter({ name: METRIC_NAMES.auditWriteFailures, help: 'Audit batch writes that failed (records are retried)', registers: [registry] });
    this.#configReloads = new Counter({ name: METRIC_NAMES.configReloads, help: 'Config reloads (SIGHUP or a file change), by outcome: applied, unchanged, refused (invalid file; the old config keeps running), failed', labelNames: ['outcome'], registers: [registry] });
    this.#discoveredBackends = new Gauge({ name: METRIC_NAMES.discoveredBackends, help: 'Backends a discovery source currently reports, by source', labelNames: ['source'], registers: [registry] });
    if (options.hasProcessMetrics !== false && this.isEnabled) collectDefaultMetrics({ register: registry });
  }

  /** One call per finished exchange. Does not keep `outcome`, so the caller may reuse one object. */
  recordExchange(outcome: ExchangeOutcome): void {
    if (!this.isEnabled) return;
    const server = outcome.server ?? GATEWAY_SERVER_LABEL;
    const tool = outcome.tool ?? outcome.method;
    this.#requests.inc3(server, tool, outcome.status);
    this.#requestDuration.observe2(server, tool, outcome.durationSeconds);
    if (outcome.method === 'tools/call') {
      this.#toolCalls.inc2(server, tool);
      if (outcome.server !== undefined && outcome.status !== 'denied') this.#recordUsage(outcome.tenant ?? this.#usage.defaultTenant, outcome.server, outcome.decisions);
    }
    else if (outcome.method === 'resources/read') this.#resourceReads.inc2(server, resourceTypeOf(outcome.resourceUri));
    this.#requestsPerUser.inc2(this.#userLabel(outcome.user), server);
    if (outcome.backendDurationSeconds !== undefined) {
      this.#backendCallDuration.observe2(server, outcome.backend ?? server, outcome.backendDurationSeconds);
    }
    const decisions = outcome.decisions;
    if (decisions !== undefined) {
      for (let i = 0; i < decisions.length; i++) this.#policyDecisions.inc2(decisions[i]!.policy, decisions[i]!.decision);
    }
    if (outcome.sessionId !== undefined) {
      const cost = outcome.cost ?? (outcome.method === 'tools/call' ? 1 : 0);
      if (cost !== 0) this.#liveSessions.addCost(outcome.sessionId, cost);
    }
  }

  #recordUsage(tenant: string, backend: string, decisions: ExchangeOutcome['decisions']): void {
    this.#usageCalls.inc2(tenant, backend);
    const charged = decisions === undefined ? undefined : this.#usage.chargeUsdOf(decisions);
    if (charged !== undefined && charged > 0) this.#usageCost.inc2(tenant, backend, charged);
  }

  /** A session opened on this replica (2025 `initialize`, or a 2026 session handle a policy mints). */
  sessionOpened(sessionId: string, openedAtMs = Date.now()): void {
    this.#liveSessions.open(sessionId, openedAtMs);
  }

  /** A session ended (DELETE, idle expiry, eviction): its lifetime is observed and its cost forgotten. Unknown ids are ignored. */
  sessionClosed(sessionId: string, closedAtMs = Date.now()): void {
    const lifetimeSeconds = this.#liveSessions.close(sessionId, closedAtMs);
    if (lifetimeSeconds !== undefined) this.#sessionDuration.observe(lifetimeSeconds);
  }

  /** `server` is the backend the request was for, `undefined` on `/mcp`; `reason` a short stable code (`missing_token`, `expired`, ...). */
  recordAuthFailure(server: string | undefined, reason: string): void {
    this.#authFailures.inc2(server ?? GATEWAY_SERVER_LABEL, reason);
  }

  recordScopeFailure(scope: string): void {
    this.#scopeCheckFailures.inc1(scope);
  }

  /** `limit` names the limit that was hit (the policy's name, or `per_user`, `per_tool`, ...). */
  recordRateLimitHit(server: string | undefined, limit: string): void {
    this.#rateLimitHits.inc2(server ?? GATEWAY_SERVER_LABEL, limit);
  }

  setBreakerState(backend: string, state: BreakerState): void {
    this.#breakerState.labels(backend).set(BREAKER_STATE_VALUES[state]);
  }

  /** The audit queue's depth is read at scrape time, so enqueueing costs nothing here. */
  watchAuditQueue(depth: () => number): void {
    this.#auditQueueDepth = depth;
  }

  /** One durable write of a batch of audit records. */
  recordAuditWrite(durationSeconds: number, isOk = true): void {
    this.#auditWriteDuration.observe(durationSeconds);
    if (!isOk) this.#auditWriteFailures.inc();
  }

  recordConfigReload(outcome: ReloadOutcome): void {
    this.#configReloads.labels(outcome).inc();
  }

  setDiscoveredBackends(source: string, count: number): void {
    this.#discoveredBackends.labels(source).set(count);
  }

  /**
   * Requests by outcome and their durations per server label since start,
   * read from the families' cells (no exposition, no parsing) for the admin
   * overview's live figures (traffic-window.ts).
   */
  trafficTotals(): TrafficTotals {
    const slots = this.#requestDuration.buckets.length + 1;
    const servers = new Map<string, TrafficCounts>();
    const countsOf = (server: string): TrafficCounts => {
      let counts = servers.get(server);
      if (counts === undefined) servers.set(server, (counts = { calls: 0, errors: 0, denied: 0, durations: new Float64Array(slots) }));
      return counts;
    };
    for (const { labels, cell } of this.#requests.series.entries()) {
      const counts = countsOf(labels.server ?? GATEWAY_SERVER_LABEL);
      counts.calls += cell.value;
      if (labels.status === 'error') counts.errors += cell.value;
      else if (labels.status === 'denied') counts.denied += cell.value;
    }
    for (const { labels, cell } of this.#requestDuration.series.entries()) {
      const durations = countsOf(labels.server ?? GATEWAY_SERVER_LABEL).durations;
      for (let slot = 0; slot < slots; slot++) durations[slot]! += cell.counts[slot]!;
    }
    return { bounds: this.#requestDuration.buckets, servers };
  }

  /** The Prometheus text exposition for `/metrics`. */
  async render(): Promise<MetricsExposition> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]{0,31}$/;

/** The `resource_type` label: the URI's scheme (RFC 3986 section 3.1), lower-cased; `unknown` when there is none. */
export function resourceTypeOf(uri: string | undefined): string {
  if (uri === undefined) return 'unknown';
  const colon = uri.indexOf(':');
  if (colon < 1 || colon > 32) return 'unknown';
  const scheme = uri.slice(0, colon);
  return SCHEME.test(scheme) ? scheme.toLowerCase() : 'unknown';
}
