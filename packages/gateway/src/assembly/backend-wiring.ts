// The backends a gateway starts with and the catalog over them: each config
// entry the registry lets through (registry/routing-gate.ts) becomes an
// upstream with its credentials, and the catalog federates what they list.

import type { GatewayConfig } from '../config/schema.ts';
import type { BackendConfig } from '../config/backend-schema.ts';
import type { Implementation } from '../upstream/backend.ts';
import { createBackendFactory, createBackendRegistry, type BackendRegistry, type UpstreamConfig } from '../upstream/backend-registry.ts';
import { Catalog } from '../catalog/catalog.ts';
import type { RoutingGate } from '../registry/routing-gate.ts';
import type { RegistryEvent } from '../registry/lifecycle.ts';
import { systemRegistryEventFacts } from '../registry/registry-audit.ts';
import { registerRegistryMetrics } from '../registry/registry-metrics.ts';
import { backendCredentialOptions, serviceClientOf } from '../identity/backend-credential-config.ts';
import { createBackendCredentials } from '../identity/backend-credentials.ts';
import type { AuditTrail } from '../audit/trail.ts';
import type { OutboundGuard } from '../outbound/outbound-guard.ts';
import type { TenantDirectory } from '../tenancy/tenant-directory.ts';
import { oauthBackendCredentials } from '../upstream/oauth-client/gateway-wiring.ts';
import type { OAuthClientStateStore } from '../upstream/oauth-client/client-state-store.ts';
import type { BackendAuthorizer } from '../upstream/oauth-client/oauth-backend-credentials.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { GatewayMetrics } from '../telemetry/metrics.ts';
import { preloadUndici } from '../outbound/undici-on-demand.ts';

/**
 * What the gateway declares to a 2025 backend at `initialize`: everything it
 * can relay, since one upstream session serves every client. Each request is
 * then checked against the capabilities of the client that made the call
 * (forward/related-messages.ts), and 2026 backends get that client's own.
 */
const UPSTREAM_CLIENT_CAPABILITIES = { sampling: {}, elicitation: { form: {}, url: {} }, roots: { listChanged: true } };

export interface BackendWiringOptions {
  clientInfo: Implementation;
  baseDirectory: string;
  logger: Logger;
  metrics: GatewayMetrics;
  audit: AuditTrail | undefined;
  outbound: OutboundGuard;
  tenants: TenantDirectory | undefined;
  /** `auth: { type: oauth }` backends: where their tokens are kept, and who consents while running (none: the error names `gatehouse backend authorize`). */
  oauth: { store: OAuthClientStateStore; authorizer: BackendAuthorizer | undefined };
}

export interface BackendWiring {
  /** Present with a `registry` section: which backends are routed. */
  gate: RoutingGate | undefined;
  registry: BackendRegistry;
  catalog: Catalog;
  /** A backend's config as an upstream (credentials attached); also for backends added later by reload or discovery. */
  toUpstream: (backend: BackendConfig, isDiscovered?: boolean) => UpstreamConfig;
  /** Stops watching the backends' definitions for the registry (nothing without a registry). */
  closeDefinitionWatch: () => void;
}

export async function wireBackends(config: GatewayConfig, options: BackendWiringOptions): Promise<BackendWiring> {
  const { logger, metrics, audit, outbound, tenants } = options;
  if (config.backends.some((backend) => backend.kind === 'http')) await preloadUndici();
  const serviceClient = serviceClientOf(config.authentication);
  const toUpstream = (backend: BackendConfig, isDiscovered = false): UpstreamConfig => {
    if (backend.kind !== 'http') return backend;
    if (backend.auth.type === 'oauth') return { ...backend, credentials: oauthBackendCredentials(backend, backend.auth, { store: options.oauth.store, outbound, logger, authorizer: options.oauth.authorizer }) };
    const credentialOptions = backendCredentialOptions(backend.auth, serviceClient);
    if (credentialOptions === undefined) return backend;
    // A discovered record's token endpoint is fetched through the guard, answers checked after DNS (docs/security.md section 3).
    const context = { backend: backend.name, logger, ...(isDiscovered ? { fetch: outbound.fetcher() } : {}) };
    return { ...backend, credentials: createBackendCredentials(credentialOptions, context) };
  };
  // The gateway's own registry changes (a changed pinned tool or definitions, the overdue sweep) are audited like an admin's.
  const onRegistryEvent = audit === undefined ? undefined : async (event: RegistryEvent, details: Record<string, unknown>) => {
    await audit.record(systemRegistryEventFacts(event, details, config.gateway.id, tenants !== undefined));
  };
  // With a `registry` section only backends the registry routes run; without one, all of them,
  // and the registry's stores (pg among their imports) are never loaded.
  const gate = config.registry === undefined ? undefined : await (await import('../registry/routing-gate.ts')).openRoutingGate(config.registry, {
    baseDirectory: options.baseDirectory,
    logger,
    backends: config.backends,
    // A tenant's own backend is enrolled as that tenant's entry, which its admins then review (docs/tenants.md).
    ...(tenants === undefined ? {} : { tenantOf: (backend: string) => tenants.ownerOf(backend) }),
    ...(onRegistryEvent === undefined ? {} : { onSystemEvent: onRegistryEvent }),
  });
  if (gate !== undefined) registerRegistryMetrics(metrics.registry, () => gate.cachedEntries());
  const registry = createBackendRegistry(
    config.backends.filter((backend) => backend.enabled && (gate?.allows(backend.name) ?? true)).map((backend) => toUpstream(backend)),
    createBackendFactory({ clientInfo: options.clientInfo, logger, clientCapabilities: UPSTREAM_CLIENT_CAPABILITIES, onCircuitChange: (backend, state) => metrics.setBreakerState(backend, state) }),
    { logger },
  );
  const catalog = new Catalog({ backends: registry.all(), separator: config.gateway.nameSeparator, logger, ...(gate === undefined ? {} : { deprecationOf: (name: string) => gate.notice(name), isToolWithheld: (name: string, tool: string) => gate.withholds(name, tool) }) });
  // The registry stores each approved version's schema snapshot and applies the major-bump rule to later changes (docs/registry.md).
  const definitionWatch = gate === undefined ? undefined : (await import('../registry/definition-watch.ts')).watchDefinitions({ gate, catalog, logger, ...(onRegistryEvent === undefined ? {} : { onSystemEvent: onRegistryEvent }) });
  return { gate, registry, catalog, toUpstream, closeDefinitionWatch: () => definitionWatch?.close() };
}
