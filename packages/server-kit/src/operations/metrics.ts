// Prometheus metrics under the names MCP operators watch (docs/observability.md),
// the same names and labels the gateway exports
// (packages/gateway/src/telemetry/metrics.ts), so one dashboard reads both.

import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const KIT_METRIC_NAMES = {
  requests: 'mcp_requests_total',
  requestDuration: 'mcp_request_duration_seconds',
  toolCalls: 'mcp_tool_calls_total',
  resourceReads: 'mcp_resource_reads_total',
  authFailures: 'mcp_auth_failures_total',
  scopeCheckFailures: 'mcp_scope_check_failures_total',
} as const;

export class KitMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter<'server' | 'tool' | 'status'>;
  readonly #requestDuration: Histogram<'server' | 'tool'>;
  readonly #toolCalls: Counter<'server' | 'tool'>;
  readonly #resourceReads: Counter<'server' | 'resource_type'>;
  readonly #authFailures: Counter<'server' | 'reason'>;
  readonly #scopeCheckFailures: Counter<'scope'>;
  readonly #server: string;

  constructor(server: string, options: { collectProcessMetrics?: boolean } = {}) {
    this.#server = server;
    const registers = [this.registry];
    this.#requests = new Counter({ name: KIT_METRIC_NAMES.requests, help: 'MCP requests answered, by server, tool (or method) and status', labelNames: ['server', 'tool', 'status'], registers });
    this.#requestDuration = new Histogram({
      name: KIT_METRIC_NAMES.requestDuration,
      help: 'Time from a request arriving to its answer, by server and tool (or method)',
      labelNames: ['server', 'tool'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.#toolCalls = new Counter({ name: KIT_METRIC_NAMES.toolCalls, help: 'tools/call requests, by server and tool', labelNames: ['server', 'tool'], registers });
    this.#resourceReads = new Counter({ name: KIT_METRIC_NAMES.resourceReads, help: 'resources/read requests, by server and URI scheme', labelNames: ['server', 'resource_type'], registers });
    this.#authFailures = new Counter({ name: KIT_METRIC_NAMES.authFailures, help: 'Requests refused by authentication, by server and reason', labelNames: ['server', 'reason'], registers });
    this.#scopeCheckFailures = new Counter({ name: KIT_METRIC_NAMES.scopeCheckFailures, help: 'Calls refused for a missing scope, by the scope required', labelNames: ['scope'], registers });
    if (options.collectProcessMetrics === true) collectDefaultMetrics({ register: this.registry });
  }

  toolCalled(tool: string, status: string, seconds: number): void {
    this.#toolCalls.inc({ server: this.#server, tool });
    this.#requests.inc({ server: this.#server, tool, status });
    this.#requestDuration.observe({ server: this.#server, tool }, seconds);
  }

  resourceRead(uri: string, status: string, seconds: number): void {
    const scheme = uri.slice(0, Math.max(0, uri.indexOf(':'))) || 'unknown';
    this.#resourceReads.inc({ server: this.#server, resource_type: scheme });
    this.#requests.inc({ server: this.#server, tool: 'resources/read', status });
    this.#requestDuration.observe({ server: this.#server, tool: 'resources/read' }, seconds);
  }

  authFailed(reason: string): void {
    this.#authFailures.inc({ server: this.#server, reason });
  }

  scopeCheckFailed(scope: string): void {
    this.#scopeCheckFailures.inc({ scope });
  }

  async exposition(): Promise<string> {
    return this.registry.metrics();
  }
}
