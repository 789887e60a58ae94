// The admin listener as gateway.ts starts it: the admin API handlers for the
// features the config turned on (approvals, tool pins, registry, audit,
// usage), the console's views (who am I, overview, catalog, sessions), the
// probes and /metrics, and the web console at /console/ with its sign-in,
// bound to `gateway.admin_host`/`admin_port`.

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdminServer, type AdminServerOptions } from './admin-server.ts';
import type { AdminAuthentication } from './admin-guard.ts';
import type { AdminHandler } from './approval-queue-api.ts';
import { createApprovalsApi } from './approval-queue-api.ts';
import { createAuditApi } from './audit-api.ts';
import { createRegistryApi } from './registry-api.ts';
import { createUsageApi } from './usage-api.ts';
import { createMeApi } from './me-api.ts';
import { createOverviewApi } from './overview-api.ts';
import { createCatalogApi } from './catalog-api.ts';
import { createSessionsApi } from './sessions-api.ts';
import { createTenantsApi } from './tenants-api.ts';
import type { SessionStore } from '../session/store.ts';
import type { Catalog } from '../catalog/catalog.ts';
import { createToolPinsApi } from './tool-pins-api.ts';
import type { PolicySet } from '../policy/registry.ts';
import type { RoutingGate } from '../registry/routing-gate.ts';
import type { AuditStore } from '../audit/sink.ts';
import type { GatewayConfig } from '../config/schema.ts';
import { formatHost, listen } from '../transport/http-listener.ts';
import { createConsoleFiles } from './console-route.ts';
import { createConsoleAuth } from './console-auth.ts';
import { ConsoleSessions } from './console-session.ts';
import type { ConsoleClient } from '../identity/gateway-identity.ts';

export interface AdminListenerOptions {
  /** What the probes and /metrics read: backends, readiness, the stores' state, the metrics. */
  probes: Omit<AdminServerOptions, 'handlers' | 'adminAuthentication'>;
  adminAuthentication: AdminAuthentication;
  /** The policy set built at start (which admin APIs exist), and the one serving now (a reload swaps it). */
  policies: PolicySet;
  currentPolicies: () => PolicySet | undefined;
  gate?: RoutingGate;
  /** The federated catalog the console's catalog page lists. */
  catalog?: Catalog;
  /** The session store and how a session is ended on every replica, for the sessions page. */
  sessions?: { store: SessionStore; endEverywhere: (sessionId: string) => void };
  auditStore?: AuditStore;
  nameSeparator: string;
  /** Teams and tool costs for /admin/usage, read per request (a reload changes them). */
  usageConfig: () => GatewayConfig;
  host: string;
  port: number;
  /** The web console's client at the issuer; without it /console/ is served but cannot sign in. */
  console?: ConsoleClient;
}

export async function openAdminListener(options: AdminListenerOptions): Promise<{ server: Server; url: string }> {
  const { policies, gate, auditStore: store } = options;
  // The console's session cookie is a second way to present a token to every admin route (console-session.ts).
  const sessions = new ConsoleSessions();
  const adminAuthentication = { ...options.adminAuthentication, authenticate: sessions.authenticateWith(options.adminAuthentication.authenticate) };
  const consoleAuth = options.console === undefined ? undefined : createConsoleAuth({ client: options.console, sessions, authenticateBearer: options.adminAuthentication.authenticate });
  const handlers: AdminHandler[] = [
    createMeApi(adminAuthentication),
    createOverviewApi({ ...adminAuthentication, backends: options.probes.backends, gate, metrics: options.probes.metrics }),
    ...(options.sessions === undefined ? [] : [createSessionsApi({ ...adminAuthentication, ...options.sessions })]),
    ...(options.catalog === undefined ? [] : [createCatalogApi({ ...adminAuthentication, catalog: options.catalog, pins: () => options.currentPolicies()?.pins ?? policies.pins })]),
    ...(policies.approvals === undefined ? [] : [createApprovalsApi({ approvals: policies.approvals, ...adminAuthentication })]),
    ...(policies.pins === undefined ? [] : [createToolPinsApi({ pins: currentOf(() => options.currentPolicies()?.pins ?? policies.pins!), ...adminAuthentication })]),
    ...(gate === undefined ? [] : [createRegistryApi({ gate, ...adminAuthentication, configuredBackends: () => options.usageConfig().backends, ...(store === undefined ? {} : { auditStore: store }), ...(options.catalog === undefined ? {} : { toolsOf: (backend: string) => [...options.catalog!.view(backend).toolsByName.values()].map((tool) => tool.name) }), ...(options.adminAuthentication.tenants === undefined ? {} : { tenantOf: (backend: string) => options.adminAuthentication.tenants!.ownerOf(backend) }) })]),
    ...(store === undefined ? [] : [createAuditApi({ store, ...adminAuthentication, nameSeparator: options.nameSeparator })]),
    ...(store === undefined ? [] : [createUsageApi({ store, ...adminAuthentication, config: options.usageConfig })]),
    createTenantsApi({ ...adminAuthentication, tenantsAtStart: options.usageConfig().tenants, config: options.usageConfig, backends: options.probes.backends, sessions: options.sessions?.store, store }),
  ];
  const server = createAdminServer({ ...options.probes, handlers, adminAuthentication, console: { files: createConsoleFiles(), sessions, ...(consoleAuth === undefined ? {} : { auth: consoleAuth }) } });
  await listen(server, options.port, options.host);
  return { server, url: `http://${formatHost(options.host)}:${(server.address() as AddressInfo).port}` };
}

/** An object that forwards to whatever `current()` returns now: admin APIs built at start keep serving the set a reload swapped in. */
function currentOf<T extends object>(current: () => T): T {
  return new Proxy({} as T, {
    get(_target, property) {
      const target = current();
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
