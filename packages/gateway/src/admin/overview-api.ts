// GET /admin/overview on the admin listener: every backend with its
// registry lifecycle state, connection state, circuit breaker, health and
// calls in flight, and the live traffic figures (calls/min, error rate, p95)
// per backend and overall from the gateway's own metrics (telemetry/
// traffic-window.ts), for the console to poll. Permission overview.read.

import { writeJson } from '../transport/http-io.ts';
import type { AdminHandler } from './approval-queue-api.ts';
import { adminTenantScope } from './tenant-scope.ts';
import { withAdmin, type AdminAuthentication } from './admin-guard.ts';
import type { Backend } from '../upstream/backend.ts';
import type { InFlightBackend } from '../upstream/in-flight-backend.ts';
import { resilienceOf } from '../upstream/resilient-backend.ts';
import type { RoutingGate } from '../registry/routing-gate.ts';
import type { RegistryEntry } from '../registry/entry.ts';
import { GATEWAY_SERVER_LABEL, type GatewayMetrics } from '../telemetry/metrics.ts';
import { TrafficWindow, type TrafficRates } from '../telemetry/traffic-window.ts';

const OVERVIEW_PATH = '/admin/overview';

export interface OverviewApiOptions extends AdminAuthentication {
  backends: () => readonly Backend[];
  gate?: RoutingGate | undefined;
  metrics?: GatewayMetrics | undefined;
  now?: () => number;
}

const NO_TRAFFIC: TrafficRates = { calls_per_minute: 0, error_rate: null, denied_rate: null, p95_ms: null };

/**
 * GET /admin/overview
 *   200 {"generated_at", "metrics_enabled", "window_seconds", "overall": {...rates, in_flight}, "backends": [...]}
 */
export function createOverviewApi(options: OverviewApiOptions): AdminHandler {
  const metrics = options.metrics?.isEnabled === true ? options.metrics : undefined;
  const now = options.now ?? Date.now;
  // Sampled when asked for: a console polling every few seconds keeps a minute of samples (bounded), nobody polling costs nothing.
  const traffic = metrics === undefined ? undefined : new TrafficWindow({ read: () => metrics.trafficTotals(), now });
  return (request, response) => {
    const path = new URL(request.url ?? '/', 'http://admin.invalid').pathname;
    if (path !== OVERVIEW_PATH && path !== `${OVERVIEW_PATH}/`) return false;
    void withAdmin(options, request, response, async (caller) => {
      if (request.method !== 'GET') return writeJson(response, 405, { error: 'GET shows the overview' }, { allow: 'GET' });
      // A tenant admin sees its tenant's backends (owned and granted); `overall` stays the gateway's, naming no backend (docs/tenants.md).
      const scope = adminTenantScope(caller, options.tenants);
      const isVisible = (name: string) => scope.isPlatform || options.tenants === undefined || options.tenants.sees(scope.tenant, name);
      const entries = options.gate === undefined ? [] : await options.gate.store.list();
      const lifecycle = new Map(entries.map((entry) => [entry.spec.name, entry]));
      const report = traffic?.report();
      const running = options.backends().filter((backend) => isVisible(backend.name));
      let inFlightTotal = 0;
      const backends = running.map((backend) => {
        const resilience = resilienceOf(backend);
        const inFlight = (backend as Partial<InFlightBackend>).inFlight ?? 0;
        inFlightTotal += inFlight;
        return {
          name: backend.name,
          kind: backend.kind,
          state: backend.state,
          ...registryView(lifecycle.get(backend.name)),
          circuit: resilience?.circuit === undefined ? null : withoutUndefined(resilience.circuit),
          health: resilience === undefined ? null : withoutUndefined(resilience.health),
          in_flight: inFlight,
          ...(report?.servers.get(backend.name) ?? NO_TRAFFIC),
        };
      });
      // Registered but not running (proposed, in review, suspended, retired...): listed so the overview is the whole fleet.
      const names = new Set(running.map((backend) => backend.name));
      for (const entry of entries) {
        if (names.has(entry.spec.name) || !isVisible(entry.spec.name)) continue;
        backends.push({ name: entry.spec.name, kind: null, state: null, ...registryView(entry), circuit: null, health: null, in_flight: 0, ...NO_TRAFFIC } as never);
      }
      writeJson(response, 200, {
        generated_at: new Date(now()).toISOString(),
        metrics_enabled: metrics !== undefined,
        window_seconds: report?.windowSeconds ?? 0,
        overall: { ...(report?.overall ?? NO_TRAFFIC), in_flight: inFlightTotal },
        gateway: report?.servers.get(GATEWAY_SERVER_LABEL) ?? NO_TRAFFIC,
        backends,
      }, { 'cache-control': 'no-store' });
    });
    return true;
  };
}

function registryView(entry: RegistryEntry | undefined): { lifecycle: string | null; owner: string | null; risk_tier: string | null } {
  return entry === undefined ? { lifecycle: null, owner: null, risk_tier: null } : { lifecycle: entry.status.state, owner: entry.spec.owner, risk_tier: entry.spec.riskTier };
}

function withoutUndefined<T extends object>(value: T): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined));
}
