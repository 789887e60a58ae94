// The shipped alert rules and Grafana dashboard: promtool checks the rules and
// runs their unit tests (deploy/prometheus/alerts.test.yaml), checks every
// dashboard query as PromQL, and every metric they name must be one the
// gateway exposes. promtool comes from Debian's `prometheus` package; without
// it these tests skip, except under CI=true, where they fail.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { METRIC_NAMES } from '../../src/telemetry/metrics.ts';

const PROMETHEUS_DIR = fileURLToPath(new URL('../../../../deploy/prometheus/', import.meta.url));
const DASHBOARD = fileURLToPath(new URL('../../../../deploy/grafana/gatehouse-dashboard.json', import.meta.url));

const promtoolMissing = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).error !== undefined;
if (promtoolMissing && process.env.CI === 'true') {
  throw new Error('promtool is not on PATH, and CI=true requires these tests to run: apt-get install -y --no-install-recommends prometheus');
}
const skipWithoutPromtool = promtoolMissing ? 'promtool is not on PATH (install Debian\'s prometheus package: apt-get install -y --no-install-recommends prometheus)' : false;

function promtool(args: string[], cwd: string): { status: number | null; output: string } {
  const run = spawnSync('promtool', args, { cwd, encoding: 'utf8', timeout: 30_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

interface AlertRule {
  alert: string;
  expr: string;
}

const alertRules: AlertRule[] = (parseYaml(readFileSync(join(PROMETHEUS_DIR, 'alerts.yaml'), 'utf8')) as { groups: Array<{ rules: AlertRule[] }> }).groups.flatMap(
  (group) => group.rules,
);
const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Array<{ type: string; title: string; targets?: Array<{ expr: string }> }> };
const dashboardQueries = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })));

const EXPOSED = new Set<string>(
  Object.values(METRIC_NAMES).flatMap((name) => [name, `${name}_bucket`, `${name}_sum`, `${name}_count`]),
);

function metricNamesIn(expr: string): string[] {
  return [...expr.matchAll(/\bmcp_[a-z_]+\b/g)].map((match) => match[0]);
}

describe('alert rules', () => {
  it('pass promtool check rules', { skip: skipWithoutPromtool }, () => {
    const { status, output } = promtool(['check', 'rules', 'alerts.yaml'], PROMETHEUS_DIR);
    assert.equal(status, 0, output);
    assert.match(output, new RegExp(`SUCCESS: ${alertRules.length} rules found`));
  });

  it('pass their promtool unit tests', { skip: skipWithoutPromtool }, () => {
    const { status, output } = promtool(['test', 'rules', 'alerts.test.yaml'], PROMETHEUS_DIR);
    assert.equal(status, 0, output);
  });

  it('each have a unit test in which they fire and one in which they stay quiet', () => {
    const tests = parseYaml(readFileSync(join(PROMETHEUS_DIR, 'alerts.test.yaml'), 'utf8')) as {
      tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts?: unknown[] }> }>;
    };
    const cases = tests.tests.flatMap((test) => test.alert_rule_test ?? []);
    for (const rule of alertRules) {
      const own = cases.filter((testCase) => testCase.alertname === rule.alert);
      assert.ok(own.some((testCase) => (testCase.exp_alerts ?? []).length > 0), `${rule.alert} has no case where it fires`);
      assert.ok(own.some((testCase) => (testCase.exp_alerts ?? []).length === 0), `${rule.alert} has no case where it stays quiet`);
    }
  });

  it('cover the seed\'s conditions: error rate, p99 above SLA, auth-failure spike, cost per session, sessions above capacity', () => {
    const names = alertRules.map((rule) => rule.alert);
    for (const name of ['GatehouseErrorRateHigh', 'GatehouseLatencyP99AboveSLA', 'GatehouseAuthFailureSpike', 'GatehouseSessionCostSpike', 'GatehouseSessionsAboveCapacity']) {
      assert.ok(names.includes(name), name);
    }
  });

  it('name only metrics the gateway exposes', () => {
    for (const rule of alertRules) {
      for (const name of metricNamesIn(rule.expr)) assert.ok(EXPOSED.has(name), `${rule.alert} uses ${name}, which GatewayMetrics does not expose`);
    }
  });
});

describe('Grafana dashboard', () => {
  it('names only metrics the gateway exposes', () => {
    for (const query of dashboardQueries) {
      for (const name of metricNamesIn(query.expr)) assert.ok(EXPOSED.has(name), `panel "${query.panel}" uses ${name}, which GatewayMetrics does not expose`);
    }
  });

  it('shows per-server and per-tool rate, error rate, p50/p95/p99, sessions, auth failures, cost and breaker state', () => {
    const all = dashboardQueries.map((query) => query.expr).join('\n');
    const expectations: Array<[string, RegExp]> = [
      ['rate by server', /sum by \(server\) \(rate\(mcp_requests_total/],
      ['rate by tool', /sum by \(server, tool\) \(rate\(mcp_requests_total/],
      ['error rate by tool', /sum by \(server, tool\) \(rate\(mcp_requests_total\{[^}]*status="error"/],
      ['p50', /histogram_quantile\(0\.5, sum by \(server, le\) \(rate\(mcp_request_duration_seconds_bucket/],
      ['p95', /histogram_quantile\(0\.95, sum by \(server, le\)/],
      ['p99', /histogram_quantile\(0\.99, sum by \(server, le\)/],
      ['sessions', /mcp_concurrent_sessions/],
      ['auth failures', /mcp_auth_failures_total/],
      ['cost', /topk\(10, sum by \(session_id\) \(mcp_cost_per_session\)\)/],
      ['breaker state', /mcp_backend_breaker_state/],
    ];
    for (const [what, pattern] of expectations) assert.match(all, pattern, what);
  });

  it('has queries that promtool accepts as PromQL', { skip: skipWithoutPromtool }, () => {
    // Grafana's variables, replaced by what they expand to, make each query a recording rule promtool can check.
    const rules = dashboardQueries.map((query, index) => ({
      record: `gatehouse:dashboard_query_${index}`,
      expr: query.expr.replaceAll('$__rate_interval', '5m').replaceAll('$server', '.*').replaceAll('$tool', '.*'),
    }));
    const directory = mkdtempSync(join(tmpdir(), 'gatehouse-dashboard-'));
    try {
      writeFileSync(join(directory, 'dashboard-queries.yaml'), JSON.stringify({ groups: [{ name: 'dashboard', rules }] }));
      const { status, output } = promtool(['check', 'rules', 'dashboard-queries.yaml'], directory);
      assert.equal(status, 0, output);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('uses a data source variable rather than a fixed data source', () => {
    const text = readFileSync(DASHBOARD, 'utf8');
    assert.ok(!/"uid":\s*"(?!\$\{datasource\}|-- Grafana --)[^"]+"/.test(text.replace('"uid": "gatehouse-overview"', '')), 'every panel points at ${datasource}');
  });
});
