// The operators' listener, apart from the client-facing port (127.0.0.1:8081
// by default): liveness, readiness and metrics, open to probes and scrapers;
// the admin API under /admin/, every route of it behind admin-guard.ts
// (a token with the admin scope). Never on the port agents reach.

import type { Server } from 'node:http';

import type { Backend } from '../upstream/backend.ts';
import { writeJson } from '../transport/http-io.ts';
import type { GatewayMetrics } from '../telemetry/metrics.ts';
import type { AdminHandler } from './approval-queue-api.ts';
import { isAdminApiPath, withAdmin, type AdminAuthentication } from './admin-guard.ts';
import { METRICS_PATH, serveMetrics } from '../telemetry/metrics-endpoint.ts';
import { resilienceOf } from '../upstream/resilient-backend.ts';
import { serveAdminApiDocument } from './openapi-route.ts';
import type { ConsoleFiles } from './console-route.ts';
import type { ConsoleAuth } from './console-auth.ts';
import type { ConsoleSessions } from './console-session.ts';

// Not an ESM import of node:http, for the reason transport/mcp-http-server.ts gives.
const { createServer } = process.getBuiltinModule('node:http');

export interface AdminServerOptions {
  backends: () => readonly Backend[];
  isReady: () => boolean;
  /** The session store's state: a shared store that is down makes the replica not ready (new sessions would fail). */
  sessionStore?: () => { kind: string; isAvailable: boolean };
  /**
   * The audit store's state: while it is out, calls are refused (fail-closed)
   * or spooled (fail-open), so the replica reports not ready and the load
   * balancer drains it.
   */
  auditStore?: () => { kind: string; isAvailable: boolean; reason?: string; spooled: number };
  /** A draining gateway is not ready whatever else holds: the load balancer must stop sending to it at once. */
  isDraining?: () => boolean;
  metrics?: GatewayMetrics;
  /** The admin API's handlers (approvals, tool pins); each answers its own paths. */
  handlers?: readonly AdminHandler[];
  /** Checked before any /admin/ route runs; without it the admin API fails closed (403). */
  adminAuthentication?: AdminAuthentication;
  /** The web console (docs/console.md): its files at /console/, its sign-in at /console/auth/, and the sessions whose cookie stands for a token. */
  console?: { files: ConsoleFiles; auth?: ConsoleAuth; sessions?: ConsoleSessions };
}

const NO_AUTHENTICATION: AdminAuthentication = { authenticate: async () => undefined, isAuthenticationOn: false };

export function createAdminServer(options: AdminServerOptions): Server {
  return createServer((request, response) => {
    // Parsed as the handlers parse it, so a dot-segment cannot route around the guard.
    const path = new URL(request.url ?? '/', 'http://admin.invalid').pathname;
    if (isAdminApiPath(path)) {
      // A request that rides on the console's cookie, not a bearer token, must prove it comes from the console's own page.
      const csrf = options.console?.sessions?.checkCsrf(request);
      if (csrf !== undefined) return writeJson(response, csrf.status, { error: csrf.message, code: csrf.code });
      void withAdmin(options.adminAuthentication ?? NO_AUTHENTICATION, request, response, () => {
        if (serveAdminApiDocument(request, response, path)) return;
        for (const handler of options.handlers ?? []) if (handler(request, response)) return;
        writeJson(response, 404, { error: `no admin route ${path}` });
      });
      return;
    }
    for (const handler of options.handlers ?? []) if (handler(request, response)) return;
    if (options.console?.auth?.handle(request, response, path) === true) return;
    if (options.console?.files.serve(request, response, path) === true) return;
    if (request.method !== 'GET' && request.method !== 'HEAD') return writeJson(response, 405, { error: 'only GET is served here' }, { allow: 'GET' });
    if (path === '/healthz') return writeJson(response, 200, { status: 'ok' });
    if (path === METRICS_PATH && options.metrics?.isEnabled === true) return serveMetrics(options.metrics, request, response);
    if (path === '/readyz') {
      const backends = options.backends().map((backend) => {
        const resilience = resilienceOf(backend);
        return {
          name: backend.name,
          kind: backend.kind,
          state: backend.state,
          era: backend.handshake?.era,
          protocolVersion: backend.handshake?.protocolVersion,
          // An open circuit does not make the gateway unready: the other backends still serve.
          ...(resilience === undefined ? {} : { circuit: resilience.circuit, health: resilience.health }),
        };
      });
      const store = options.sessionStore?.();
      const isStoreUp = store === undefined || store.isAvailable;
      const isDraining = options.isDraining?.() === true;
      const audit = options.auditStore?.();
      const isAuditUp = audit === undefined || audit.isAvailable;
      const isReady = options.isReady() && isStoreUp && isAuditUp && !isDraining;
      const status = isDraining ? 'draining' : isReady ? 'ready' : !isStoreUp ? 'session_store_unavailable' : !isAuditUp ? 'audit_store_unavailable' : 'starting';
      return writeJson(response, isReady ? 200 : 503, {
        status,
        ...(store === undefined ? {} : { sessionStore: { kind: store.kind, available: store.isAvailable } }),
        ...(audit === undefined ? {} : { auditStore: { kind: audit.kind, available: audit.isAvailable, ...(audit.reason === undefined ? {} : { reason: audit.reason }), spooled: audit.spooled } }),
        backends,
      });
    }
    writeJson(response, 404, { error: `no admin route ${path}; try /healthz or /readyz` });
  });
}
