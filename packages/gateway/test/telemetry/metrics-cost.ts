// CPU per exchange of the gateway's metrics, in-process: `recordExchange`
// with a full outcome (user, backend time, two policy decisions, session
// cost) and a minimal one, beside the same four updates (request counter,
// duration histogram, tool-call counter, per-user counter) made through
// prom-client's own label API with cached children, which the gateway's
// label-indexed families (telemetry/metric-family.ts) stand in for. Not a
// test; run it by hand:
//   node packages/gateway/test/telemetry/metrics-cost.ts [exchanges]
// Figures: docs/observability.md, "Cost".

import { Counter, Histogram, Registry } from 'prom-client';
import { GatewayMetrics } from '../../src/telemetry/metrics.ts';
import type { ExchangeOutcome } from '../../src/telemetry/exchange-outcome.ts';

const exchanges = Number(process.argv[2] ?? 1_000_000);
/** Distinct label values cycled through, as a gateway with a few backends, tools, users and sessions sees them. */
const TOOLS = ['get_customer', 'update_customer', 'list_orders', 'search_tickets'];
const USERS = Array.from({ length: 16 }, (_, index) => `user-${index}`);
const SESSIONS = Array.from({ length: 64 }, (_, index) => `session-${index}`);
const decisions = [{ policy: 'rate_limit', decision: 'allow' }, { policy: 'scope_check', decision: 'allow' }];

function fullOutcome(index: number): ExchangeOutcome {
  return {
    method: 'tools/call',
    server: 'crm',
    tool: TOOLS[index % TOOLS.length],
    status: 'success',
    durationSeconds: 0.0004 + (index % 7) * 0.0001,
    backendDurationSeconds: 0.0003,
    user: USERS[index % USERS.length],
    sessionId: SESSIONS[index % SESSIONS.length],
    decisions,
  };
}

function minimalOutcome(index: number): ExchangeOutcome {
  return { method: 'tools/call', server: 'crm', tool: TOOLS[index % TOOLS.length], status: 'success', durationSeconds: 0.0004 };
}

/** CPU ns per call of `record`, after an unmeasured tenth as warm-up. */
function cpuNanosPerCall(record: (index: number) => void): number {
  for (let index = 0; index < exchanges / 10; index++) record(index);
  const before = process.cpuUsage();
  for (let index = 0; index < exchanges; index++) record(index);
  const cpu = process.cpuUsage(before);
  return ((cpu.user + cpu.system) * 1000) / exchanges;
}

const metrics = new GatewayMetrics({ isEnabled: true, users: { allowlist: [], buckets: 16 } });
for (const session of SESSIONS) metrics.sessionOpened(session);
const full = cpuNanosPerCall((index) => metrics.recordExchange(fullOutcome(index)));
const minimal = cpuNanosPerCall((index) => metrics.recordExchange(minimalOutcome(index)));

const registry = new Registry();
const requests = new Counter({ name: 'bench_requests_total', help: 'h', labelNames: ['server', 'tool', 'status'], registers: [registry] });
const duration = new Histogram({ name: 'bench_request_duration_seconds', help: 'h', labelNames: ['server', 'tool'], buckets: [0.001, 0.005, 0.025, 0.1, 0.5, 2.5], registers: [registry] });
const toolCalls = new Counter({ name: 'bench_tool_calls_total', help: 'h', labelNames: ['server', 'tool'], registers: [registry] });
const perUser = new Counter({ name: 'bench_requests_per_user_total', help: 'h', labelNames: ['user', 'server'], registers: [registry] });
type Children = { requests: Counter.Internal; duration: Histogram.Internal<string>; toolCalls: Counter.Internal; perUser: Counter.Internal };
const children = new Map<string, Children>();
const viaPromClient = cpuNanosPerCall((index) => {
  const outcome = fullOutcome(index);
  const key = `${outcome.server}\u0000${outcome.tool}\u0000${outcome.user}`;
  let cached = children.get(key);
  if (cached === undefined) {
    cached = {
      requests: requests.labels(outcome.server!, outcome.tool!, outcome.status),
      duration: duration.labels(outcome.server!, outcome.tool!),
      toolCalls: toolCalls.labels(outcome.server!, outcome.tool!),
      perUser: perUser.labels(outcome.user!, outcome.server!),
    };
    children.set(key, cached);
  }
  cached.requests.inc();
  cached.duration.observe(outcome.durationSeconds);
  cached.toolCalls.inc();
  cached.perUser.inc();
});

process.stdout.write([
  `${exchanges.toLocaleString('en-US')} exchanges each, CPU ns per exchange:`,
  `  recordExchange, full outcome (user, backend time, 2 decisions, session cost): ${full.toFixed(0)}`,
  `  recordExchange, minimal outcome:                                              ${minimal.toFixed(0)}`,
  `  the same four updates through cached prom-client children:                   ${viaPromClient.toFixed(0)}`,
].join('\n') + '\n');
