// GatewayMetrics through a real scrape: record known exchanges, GET /metrics
// over HTTP, and compare exact series and values.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { register as globalRegistry } from 'prom-client';
import { USAGE_PRICING } from '../../src/usage/call-cost.ts';
import { GatewayMetrics, GATEWAY_SERVER_LABEL, METRIC_NAMES, resourceTypeOf } from '../../src/telemetry/metrics.ts';
import { createMetricsHandler } from '../../src/telemetry/metrics-endpoint.ts';
import type { ExchangeOutcome } from '../../src/telemetry/exchange-outcome.ts';
import { OVERFLOW_LABEL } from '../../src/telemetry/series-table.ts';
import { userBucketOf } from '../../src/telemetry/user-label.ts';
import { parseExposition, samplesOf, type Exposition } from './exposition.ts';

function outcome(overrides: Partial<ExchangeOutcome>): ExchangeOutcome {
  return { method: 'tools/call', server: 'crm', tool: 'get_customer', status: 'success', durationSeconds: 0.02, ...overrides };
}

async function serve(metrics: GatewayMetrics): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(createMetricsHandler(metrics));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function scrape(url: string): Promise<Exposition> {
  const response = await fetch(`${url}/metrics`);
  assert.equal(response.status, 200);
  return parseExposition(await response.text());
}

describe('GatewayMetrics scraped over /metrics', () => {
  let metrics: GatewayMetrics;
  let endpoint: Awaited<ReturnType<typeof serve>>;

  before(async () => {
    metrics = new GatewayMetrics({ hasProcessMetrics: false, users: { allowlist: ['svc-reporting'], buckets: 8 } });
    endpoint = await serve(metrics);
  });
  after(() => endpoint.close());

  it('counts each finished exchange under its server, tool and status', async () => {
    for (let i = 0; i < 3; i++) metrics.recordExchange(outcome({}));
    metrics.recordExchange(outcome({ status: 'error', errorCode: -32010 }));
    metrics.recordExchange(outcome({ tool: 'search', status: 'denied', errorCode: -32012 }));
    metrics.recordExchange(outcome({ method: 'tools/list', server: undefined, tool: undefined }));
    metrics.recordExchange(outcome({ method: 'prompts/get', tool: 'summary' }));

    const exposition = await scrape(endpoint.url);
    assert.equal(exposition.types.get(METRIC_NAMES.requests), 'counter');
    assert.deepEqual(samplesOf(exposition, METRIC_NAMES.requests), {
      'mcp_requests_total{server="crm",tool="get_customer",status="success"}': 3,
      'mcp_requests_total{server="crm",tool="get_customer",status="error"}': 1,
      'mcp_requests_total{server="crm",tool="search",status="denied"}': 1,
      [`mcp_requests_total{server="${GATEWAY_SERVER_LABEL}",tool="tools/list",status="success"}`]: 1,
      'mcp_requests_total{server="crm",tool="summary",status="success"}': 1,
    });
    assert.deepEqual(samplesOf(exposition, METRIC_NAMES.toolCalls), {
      'mcp_tool_calls_total{server="crm",tool="get_customer"}': 4,
      'mcp_tool_calls_total{server="crm",tool="search"}': 1,
    });
  });

  it('puts request and backend durations in the right buckets with exact sum and count', async () => {
    const fresh = new GatewayMetrics({ hasProcessMetrics: false, requestBuckets: [0.01, 0.1, 1] });
    fresh.recordExchange(outcome({ durationSeconds: 0.005, backendDurationSeconds: 0.004 }));
    fresh.recordExchange(outcome({ durationSeconds: 0.05, backendDurationSeconds: 0.04, backend: 'crm-2' }));
    fresh.recordExchange(outcome({ durationSeconds: 0.1 }));
    fresh.recordExchange(outcome({ durationSeconds: 3 }));
    const exposition = parseExposition((await fresh.render()).body);

    assert.equal(exposition.types.get(METRIC_NAMES.requestDuration), 'histogram');
    const { 'mcp_request_duration_seconds_sum{server="crm",tool="get_customer"}': sum, ...buckets } = samplesOf(exposition, METRIC_NAMES.requestDuration);
    assert.deepEqual(buckets, {
      'mcp_request_duration_seconds_bucket{server="crm",tool="get_customer",le="0.01"}': 1,
      'mcp_request_duration_seconds_bucket{server="crm",tool="get_customer",le="0.1"}': 3,
      'mcp_request_duration_seconds_bucket{server="crm",tool="get_customer",le="1"}': 3,
      'mcp_request_duration_seconds_bucket{server="crm",tool="get_customer",le="+Inf"}': 4,
      'mcp_request_duration_seconds_count{server="crm",tool="get_customer"}': 4,
    });
    assert.ok(Math.abs(sum! - 3.155) < 1e-9, `sum ${sum}`);
    const backendCounts = Object.entries(samplesOf(exposition, METRIC_NAMES.backendCallDuration)).filter(([series]) => series.includes('_count{'));
    assert.deepEqual(Object.fromEntries(backendCounts), {
      'mcp_backend_call_duration_seconds_count{server="crm",backend="crm"}': 1,
      'mcp_backend_call_duration_seconds_count{server="crm",backend="crm-2"}': 1,
    });
  });

  it('counts resource reads by URI scheme', async () => {
    const fresh = new GatewayMetrics({ hasProcessMetrics: false });
    fresh.recordExchange(outcome({ method: 'resources/read', tool: undefined, resourceUri: 'crm://customers/C-42' }));
    fresh.recordExchange(outcome({ method: 'resources/read', tool: undefined, resourceUri: 'CRM://customers/C-43' }));
    fresh.recordExchange(outcome({ method: 'resources/read', server: 'files', tool: undefined, resourceUri: 'file:///etc/motd' }));
    fresh.recordExchange(outcome({ method: 'resources/read', server: 'files', tool: undefined, resourceUri: 'no scheme here' }));
    const exposition = parseExposition((await fresh.render()).body);
    assert.deepEqual(samplesOf(exposition, METRIC_NAMES.resourceReads), {
      'mcp_resource_reads_total{server="crm",resource_type="crm"}': 2,
      'mcp_resource_reads_total{server="files",resource_type="file"}': 1,
      'mcp_resource_reads_total{server="files",resource_type="unknown"}': 1,
    });
  });

  it('labels users on the allowlist by name and hashes everyone else into a fixed set of buckets', async () => {
    const fresh = new GatewayMetrics({ hasProcessMetrics: false, users: { allowlist: ['svc-reporting'], buckets: 4 } });
    fresh.recordExchange(outcome({ user: 'svc-reporting' }));
    for (let i = 0; i < 200; i++) fresh.recordExchange(outcome({ user: `user-${i}@example.com` }));
    fresh.recordExchange(outcome({ user: undefined }));
    const perUser = samplesOf(parseExposition((await fresh.render()).body), METRIC_NAMES.requestsPerUser);

    assert.equal(perUser['mcp_requests_per_user{user="svc-reporting",server="crm"}'], 1);
    assert.equal(perUser['mcp_requests_per_user{user="anonymous",server="crm"}'], 1);
    const bucketSeries = Object.keys(perUser).filter((series) => series.includes('user="bucket-'));
    assert.equal(bucketSeries.length, 4, 'the 200 other users share exactly 4 series');
    const total = bucketSeries.reduce((sum, series) => sum + perUser[series]!, 0);
    assert.equal(total, 200);
    assert.ok(perUser[`mcp_requests_per_user{user="${userBucketOf('user-7@example.com', 4)}",server="crm"}`]! >= 1);
  });

  it('counts policy decisions by policy and decision', async () => {
    const fresh = new GatewayMetrics({ hasProcessMetrics: false });
    const allow = { policy: 'rate_limit', decision: 'allow' };
    fresh.recordExchange(outcome({ decisions: [allow, { policy: 'scope_check', decision: 'allow' }] }));
    fresh.recordExchange(outcome({ decisions: [allow, { policy: 'scope_check', decision: 'deny' }], status: 'denied', errorCode: -32012 }));
    const exposition = parseExposition((await fresh.render()).body);
    assert.deepEqual(samplesOf(exposition, METRIC_NAMES.policyDecisions), {
      'mcp_policy_decisions_total{policy="rate_limit",decision="allow"}': 2,
      'mcp_policy_decisions_total{policy="scope_check",decision="allow"}': 1,
      'mcp_policy_decisions_total{policy="scope_check",decision="deny"}': 1,
    });
  });

  it('accrues cost per open session and exposes only the most expensive sessions', async () => {
    const fresh = new GatewayMetrics({ hasProcessMetrics: false, sessions: { top: 2 } });
    for (const id of ['sess-a', 'sess-b', 'sess-c']) fresh.sessionOpened(id);
    for (let i = 0; i < 5; i++) fresh.recordExchange(outcome({ sessionId: 'sess-a' }));
    for (let i = 0; i < 3; i++) fresh.recordExchange(outcome({ sessionId: 'sess-b', cost: 2 }));
    fresh.recordExchange(outcome({ sessionId: 'sess-c' }));
    fresh.recordExchange(outcome({ sessionId: 'sess-c', method: 'tools/list', server: undefined, tool: undefined }));
    fresh.recordExchange(outcome({ sessionId: 'sess-never-opened-here' }));
    const exposition = parseExposition((await fresh.render()).body);
    assert.equal(exposition.types.get(METRIC_NAMES.costPerSession), 'gauge');
    assert.deepEqual(samplesOf(exposition, METRIC_NAMES.costPerSession), {
      'mcp_cost_per_session{session_id="sess-b"}': 6,
      'mcp_cost_per_session{session_id="sess-a"}': 5,
    });
  });

  it('counts open sessions, observes each closed session\'s lifetime and forgets its cost', async () => {
    const fresh = new GatewayMetrics({ hasProcessMetrics: false, sessionCapacity: 500 });
    fresh.sessionOpened('sess-kept', 1_000);
    fresh.sessionOpened('sess-gone', 1_000);
    fresh.sessionOpened('sess-gone', 5_000);
    fresh.recordExchange(outcome({ sessionId: 'sess-gone' }));
    fresh.sessionClosed('sess-gone', 43_000);
    fresh.sessionClosed('sess-gone', 99_000);
    fresh.sessionClosed('sess-from-another-replica', 99_000);
    const exposition = parseExposition((await fresh.render()).body);
    assert.equal(exposition.samples.get('mcp_concurrent_sessions'), 1);
    assert.equal(exposition.samples.get('mcp_session_capacity'), 500);
    assert.equal(exposition.samples.get('mcp_session_duration_seconds_count'), 1, 'closing twice or closing an unknown session observes nothing');
    assert.equal(exposition.samples.get('mcp_session_duration_seconds_sum'), 42);
    assert.equal(exposition.samples.get('mcp_session_duration_seconds_bucket{le="10"}'), 0);
    assert.equal(exposition.samples.get('mcp_session_duration_seconds_bucket{le="60"}'), 1);
    assert.deepEqual(samplesOf(exposition, METRIC_NAMES.costPerSession), {});
  });

  it('records auth and scope failures, rate-limit hits, breaker states and audit health', async () => {
    const fresh = new GatewayMetrics({ hasProcessMetrics: false });
    fresh.recordAuthFailure(undefined, 'invalid_token');
    fresh.recordAuthFailure(undefined, 'invalid_token');
    fresh.recordAuthFailure('crm', 'wrong_audience');
    fresh.recordScopeFailure('crm.customers.write');
    fresh.recordRateLimitHit('crm', 'per_user');
    fresh.setBreakerState('crm', 'open');
    fresh.setBreakerState('files', 'half_open');
    fresh.setBreakerState('files', 'closed');
    let depth = 7;
    fresh.watchAuditQueue(() => depth);
    fresh.recordAuditWrite(0.003);
    fresh.recordAuditWrite(0.2, false);
    depth = 9;
    const exposition = parseExposition((await fresh.render()).body);
    assert.deepEqual(samplesOf(exposition, METRIC_NAMES.authFailures), {
      'mcp_auth_failures_total{server="_gatehouse",reason="invalid_token"}': 2,
      'mcp_auth_failures_total{server="crm",reason="wrong_audience"}': 1,
    });
    assert.deepEqual(samplesOf(exposition, METRIC_NAMES.scopeCheckFailures), { 'mcp_scope_check_failures_total{scope="crm.customers.write"}': 1 });
    assert.deepEqual(samplesOf(exposition, METRIC_NAMES.rateLimitHits), { 'mcp_rate_limit_hits_total{server="crm",limit="per_user"}': 1 });
    assert.deepEqual(samplesOf(exposition, METRIC_NAMES.breakerState), {
      'mcp_backend_breaker_state{backend="crm"}': 2,
      'mcp_backend_breaker_state{backend="files"}': 0,
    });
    assert.equal(exposition.samples.get('mcp_audit_queue_depth'), 9, 'read at scrape time');
    assert.equal(exposition.samples.get('mcp_audit_write_duration_seconds_count'), 2);
    assert.equal(exposition.samples.get('mcp_audit_write_failures_total'), 1);
  });

  it('folds label sets past the cap into one overflow series and reports the metric once', async () => {
    const overflowed: string[] = [];
    const fresh = new GatewayMetrics({ hasProcessMetrics: false, maxSeriesPerMetric: 3, onSeriesOverflow: (name) => overflowed.push(name) });
    for (let i = 0; i < 10; i++) fresh.recordExchange(outcome({ tool: `tool-${i}` }));
    fresh.recordExchange(outcome({ tool: 'tool-0' }));
    const requests = samplesOf(parseExposition((await fresh.render()).body), METRIC_NAMES.requests);
    assert.deepEqual(requests, {
      'mcp_requests_total{server="crm",tool="tool-0",status="success"}': 2,
      'mcp_requests_total{server="crm",tool="tool-1",status="success"}': 1,
      'mcp_requests_total{server="crm",tool="tool-2",status="success"}': 1,
      [`mcp_requests_total{server="${OVERFLOW_LABEL}",tool="${OVERFLOW_LABEL}",status="${OVERFLOW_LABEL}"}`]: 7,
    });
    assert.deepEqual(overflowed.sort(), [METRIC_NAMES.requestDuration, METRIC_NAMES.requests, METRIC_NAMES.toolCalls].sort());
  });

  it('keeps each gateway\'s metrics in a registry of its own', async () => {
    const first = new GatewayMetrics({ hasProcessMetrics: false });
    const second = new GatewayMetrics({ hasProcessMetrics: false });
    first.recordExchange(outcome({}));
    const secondRequests = samplesOf(parseExposition((await second.render()).body), METRIC_NAMES.requests);
    assert.deepEqual(secondRequests, {});
    assert.equal(globalRegistry.getSingleMetric(METRIC_NAMES.requests), undefined);
  });

  it('includes the process metrics unless told not to', async () => {
    const withProcess = parseExposition((await new GatewayMetrics().render()).body);
    assert.equal(withProcess.types.get('process_cpu_user_seconds_total'), 'counter');
    assert.equal(withProcess.types.get('nodejs_eventloop_lag_seconds'), 'gauge');
  });

  it('serves the exposition with the Prometheus content type, answers HEAD, and 404s other paths', async () => {
    const response = await fetch(`${endpoint.url}/metrics`);
    assert.equal(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    assert.match(await response.text(), /^# HELP mcp_requests_total /m);
    const head = await fetch(`${endpoint.url}/metrics`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    const other = await fetch(`${endpoint.url}/healthz`);
    assert.equal(other.status, 404);
    assert.match(await other.text(), /metrics are at \/metrics/);
  });
});

describe('resourceTypeOf', () => {
  const cases: Array<[string | undefined, string]> = [
    ['crm://customers/1', 'crm'],
    ['HTTPS://example.com/x', 'https'],
    ['file:///etc/hosts', 'file'],
    ['urn:isbn:0451450523', 'urn'],
    ['git+ssh://host/repo', 'git+ssh'],
    ['no-colon', 'unknown'],
    [':empty-scheme', 'unknown'],
    ['1bad://x', 'unknown'],
    [`${'a'.repeat(40)}://too-long`, 'unknown'],
    [undefined, 'unknown'],
  ];
  for (const [uri, expected] of cases) {
    it(`labels ${JSON.stringify(uri)} as ${expected}`, () => assert.equal(resourceTypeOf(uri), expected));
  }
});

describe('usage counters', () => {
  it('count tool calls and the cost policy\'s charges by tenant and backend, never refused calls or other methods', async () => {
    const metrics = new GatewayMetrics({ hasProcessMetrics: false, usage: USAGE_PRICING });
    const endpoint = await serve(metrics);
    try {
      const charge = (cost: number) => ({ policy: 'cost_ceiling', decision: 'allow', details: { cost_usd: cost, spent_usd: cost } });
      metrics.recordExchange(outcome({ user: 'alice', decisions: [charge(0.02)] }));
      metrics.recordExchange(outcome({ decisions: [charge(0.02), { policy: 'cost_ceiling', decision: 'allow', details: { output_cost_usd: 0.005, spent_usd: 0.045 } }] }));
      metrics.recordExchange(outcome({ server: 'tickets', tool: 'open', status: 'error', decisions: [] }));
      metrics.recordExchange(outcome({ status: 'denied', decisions: [{ policy: 'cost_ceiling', decision: 'deny', details: { cost_usd: 1, spent_usd: 10 } }] }));
      metrics.recordExchange(outcome({ method: 'resources/read', tool: undefined, decisions: [charge(0.5)] }));
      metrics.recordExchange(outcome({ server: undefined, tool: undefined }));
      const exposition = await scrape(endpoint.url);
      assert.deepEqual(samplesOf(exposition, METRIC_NAMES.usageCalls), {
        'mcp_usage_calls_total{tenant="default",backend="crm"}': 2,
        'mcp_usage_calls_total{tenant="default",backend="tickets"}': 1,
      });
      assert.deepEqual(samplesOf(exposition, METRIC_NAMES.usageCost), { 'mcp_usage_cost_usd_total{tenant="default",backend="crm"}': 0.045 });
    } finally {
      await endpoint.close();
    }
  });
});
