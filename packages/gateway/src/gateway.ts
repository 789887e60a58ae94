// Assembles one gateway process from a validated config: backends, catalog,
// router, policy chain, session state, the client-facing listener and the
// admin listener. `startGateway` is what the CLI's `start` and the tests call.
// The parts it wires live where they belong; the wiring's own pieces are in
// assembly/ (shared state, telemetry, the policies' dependencies, drain and
// close) and the client-facing HTTP routing in transport/mcp-http-server.ts.
// The backend set and the policies change at run time (runtime/: reload, discovery).

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve as resolvePath } from 'node:path';
import type { GatewayConfig } from './config/schema.ts';
import type { ConfigDiff } from './config/config-diff.ts';
import { ConfigError } from './config/errors.ts';
import { loadConfig } from './config/load.ts';
import { roleScopesOf } from './admin/admin-permissions.ts';
import { openAdminListener } from './admin/admin-listener.ts';
import type { Backend, Implementation } from './upstream/backend.ts';
import type { Catalog } from './catalog/catalog.ts';
import { Router } from './router/router.ts';
import { buildPolicies } from './policy/registry.ts';
import { BackendSet } from './runtime/backend-set.ts';
import { LiveConfig } from './runtime/live-config.ts';
import { ConfigReloader, type ReloadReport, type ReloadTrigger } from './runtime/config-reloader.ts';
import type { RunningDiscovery } from './discovery/discovery.ts';
import { AuditTrail } from './audit/trail.ts';
import { resolveAuditSettings } from './audit/settings.ts';
import { authFailureFacts } from './audit/gateway-events.ts';
import { HeldCallForwarding } from './cluster/held-call-forwarding.ts';
import { TaskRelay } from './tasks/task-relay.ts';
import { RequestStateSealer } from './bridge/request-state.ts';
import type { McpEndpointContext } from './transport/mcp-endpoint.ts';
import { createMcpHttpServer } from './transport/mcp-http-server.ts';
import { createOriginPolicy } from './transport/origin.ts';
import { RequestDrain, type DrainOutcome } from './transport/request-drain.ts';
import { closeServer, formatHost, listen } from './transport/http-listener.ts';
import { assembleIdentity, embeddedIdpKeysInAdvance } from './identity/gateway-identity.ts';
import { RedisSeenGrants } from './identity/embedded-idp/redis-seen-grants.ts';
import { lazyOAuthClientStateStore, openOAuthClientStateStore } from './upstream/oauth-client/open-client-state-store.ts';
import { createClientMetadataResponder } from './upstream/oauth-client/client-metadata-document.ts';
import type { OAuthClientStateStore } from './upstream/oauth-client/client-state-store.ts';
import type { BackendAuthorizer } from './upstream/oauth-client/oauth-backend-credentials.ts';
import { createLogger, type Logger } from './telemetry/logger.ts';
import type { GatewayMetrics } from './telemetry/metrics.ts';
import type { GatewayTracing } from './telemetry/tracing.ts';
import { OutboundGuard } from './outbound/outbound-guard.ts';
import { TenantDirectory } from './tenancy/tenant-directory.ts';
import { GATEWAY_VERSION } from './version.ts';
import { wireBackends } from './assembly/backend-wiring.ts';
import { openSharedState } from './assembly/shared-state.ts';
import { openTelemetry } from './assembly/gateway-telemetry.ts';
import { policyDependencies } from './assembly/policy-dependencies.ts';
import { closeInOrder, drainGateway, type CloseStep } from './assembly/gateway-lifecycle.ts';

const DEFAULT_DRAIN_TIMEOUT_SECONDS = 25;

export interface StartGatewayOptions {
  logger?: Logger;
  /** Overrides `gateway.port` / `gateway.host` / `gateway.admin_port` (CLI flags, tests). */
  port?: number;
  host?: string;
  adminPort?: number;
  adminHost?: string;
  /** Set false to skip the admin listener (some tests). */
  hasAdmin?: boolean;
  /** The config file, so relative paths in it (the audit store) resolve beside it. */
  configPath?: string;
  /** The CLI's --allow-anonymous: every caller anonymous, whatever the config says. */
  isAnonymousAllowed?: boolean;
  /** Reload when the config file (configPath) changes; default `reload.watch` of the config. SIGHUP is the CLI's. */
  isConfigWatched?: boolean;
  /** Applied to every reloaded config: command-line overrides of file keys (--session-store), so a reload does not undo them. */
  adjustReloadedConfig?: (config: GatewayConfig) => void;
  /** Injected by tests that read metrics or spans; built from `config.telemetry` otherwise. */
  metrics?: GatewayMetrics;
  tracing?: GatewayTracing;
  /** Injected by tests (a resolver for made-up names); built from `config.outbound` otherwise. */
  outbound?: OutboundGuard;
  /** `auth: { type: oauth }` backends: where their tokens are kept (default upstream/oauth-client/open-client-state-store.ts). */
  oauthClientStore?: OAuthClientStateStore;
  /** Who gives consent when such a backend needs it while running (tests, the conformance driver); none: the error names `gatehouse backend authorize`. */
  backendAuthorizer?: BackendAuthorizer;
}

export interface RunningGateway {
  /** The MCP endpoint, e.g. http://127.0.0.1:8080/mcp */
  url: string;
  adminUrl: string | undefined;
  /** The backends running now (they change on reload and discovery). */
  readonly backends: readonly Backend[];
  catalog: Catalog;
  metrics: GatewayMetrics;
  /** Whether callers must present tokens, and from which issuer. */
  authentication: { isEnforced: boolean; issuer: string | undefined };
  /** Applies a validated config: backends and policies live, other keys reported as needing a restart. Rejects with a ConfigError when refused. */
  applyConfig(config: GatewayConfig): Promise<ConfigDiff>;
  /** Re-reads the config file (configPath) and applies it; a bad file is refused and the running config stays. */
  reload(trigger?: ReloadTrigger): Promise<ReloadReport>;
  /** Resolves once the backend changes asked for so far (reload, discovery) are applied. */
  settled(): Promise<void>;
  /**
   * Graceful shutdown (SIGTERM): /readyz turns 503 at once, the listener
   * stops accepting, new requests get 503 + Retry-After, GET and listen
   * streams end with a reconnect hint, calls in flight are waited for until
   * only the teardown budget of `timeoutMs` (default
   * `gateway.drain_timeout_seconds`) is left, those still running are
   * answered with a shutdown error and cancelled upstream, then it closes
   * everything as `close()` does, all within `timeoutMs`.
   */
  drain(timeoutMs?: number): Promise<DrainOutcome>;
  /** Closes everything; later calls (and drain's own) share the first one's promise. */
  close(): Promise<void>;
}

export async function startGateway(config: GatewayConfig, options: StartGatewayOptions = {}): Promise<RunningGateway> {
  const logger = options.logger ?? createLogger();
  const serverInfo: Implementation = { name: 'gatehouse', version: GATEWAY_VERSION, title: 'Gatehouse MCP gateway' };
  const clientInfo: Implementation = { name: 'gatehouse', version: GATEWAY_VERSION };
  const baseDirectory = options.configPath === undefined ? process.cwd() : dirname(resolvePath(options.configPath));
  // First: the embedded provider's RSA key is generated on a pool thread while the rest of the start runs.
  const embeddedIdpKeys = embeddedIdpKeysInAdvance(config, options.isAnonymousAllowed);

  const { metrics, tracing } = await openTelemetry(config, logger, { ...(options.metrics === undefined ? {} : { metrics: options.metrics }), ...(options.tracing === undefined ? {} : { tracing: options.tracing }) });
  // Audit is on when the config has an `audit` section (the embedded default has one: SQLite under .gatehouse/).
  const audit = config.audit === undefined ? undefined : await AuditTrail.open({ settings: resolveAuditSettings(config, options.configPath), gatewayId: config.gateway.id, logger });
  if (audit !== undefined) {
    metrics.watchAuditQueue(() => audit.queueDepth);
    audit.observeWrites((seconds, isOk) => metrics.recordAuditWrite(seconds, isOk));
  }
  // One guard for every URL a caller or a discovered record supplies (docs/security.md section 3).
  const outbound = options.outbound ?? new OutboundGuard(config.outbound ?? {});
  const tenants = config.tenants === undefined ? undefined : new TenantDirectory(config.tenants);
  const oauthClientStore = options.oauthClientStore ?? lazyOAuthClientStateStore(() => openOAuthClientStateStore(config, logger));
  const { gate, registry, catalog, toUpstream, closeDefinitionWatch } = await wireBackends(config, { clientInfo, baseDirectory, logger, metrics, audit, outbound, tenants, oauth: { store: oauthClientStore, authorizer: options.backendAuthorizer } });
  const backends = registry.all();
  // Sessions, event logs, task ids and the replica bus: in this process, or in Redis for several replicas (docs/scale-out.md).
  const shared = await openSharedState(config, { backends, logger, metrics, audit });
  const { streams, listens } = shared;
  catalog.onChange((kinds) => {
    for (const kind of kinds) {
      const method = `notifications/${kind}/list_changed` as const;
      streams.broadcast({ jsonrpc: '2.0', method });
      listens.broadcastListChanged(method);
    }
  });

  // Backends connect in the background: a backend that is down must not keep the gateway from serving the others.
  let isReady = false;
  const connecting = registry.connectAll().then(async () => {
    await catalog.refreshAll();
    isReady = true;
  });

  let context: McpEndpointContext | undefined;
  const drainer = new RequestDrain();
  // The gateway's own Client ID Metadata Document, for backends it is the OAuth client of (docs/identity.md).
  const server = createMcpHttpServer({ drain: drainer, logger, context: () => context, documents: createClientMetadataResponder(config.backends) });
  const host = options.host ?? config.gateway.host;
  const port = options.port ?? config.gateway.port;
  await listen(server, port, host);
  const address = server.address() as AddressInfo;
  const url = `http://${formatHost(host)}:${address.port}/mcp`;
  // GATEHOUSE_STATE_SECRET gives every replica one key, so any replica can read which replica holds a call.
  const sealer = RequestStateSealer.fromEnvironment();
  const localHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  const heldCallForwarding = shared.bus === undefined ? undefined : new HeldCallForwarding({
    bus: shared.bus,
    sealer,
    held: shared.held,
    localOrigin: () => `http://${formatHost(localHost)}:${address.port}`,
    timeoutMs: config.session.streamTimeoutSeconds * 1000,
    logger,
  });
  const publicBaseUrl = publicBaseUrlOf(config.gateway.endpoint, `http://${formatHost(host)}:${address.port}`);
  const identity = await assembleIdentity(config, {
    publicBaseUrl,
    backendNames: backends.map((backend) => backend.name),
    logger,
    ...(options.isAnonymousAllowed === true ? { isAnonymousForced: true } : {}),
    onRefusal: (error) => metrics.recordAuthFailure(undefined, error.code),
    outbound,
    adminRoleScopes: Object.values(roleScopesOf()),
    gatewayPort: port,
    ...(embeddedIdpKeys === undefined ? {} : { embeddedIdpKeys }),
    // Replicas sharing Redis share the ID-JAG replay cache, or a grant could be used once per replica.
    ...(shared.redis === undefined ? {} : { seenGrants: new RedisSeenGrants({ commands: shared.redis.commands, prefix: shared.keyPrefix }) }),
    ...(audit === undefined ? {} : {
      onAuthenticationFailure: (error, request, endpointBackend) => audit.record(authFailureFacts({ error, request, gatewayId: config.gateway.id, endpointBackend })),
    }),
  });
  // Rate limits (rate-limiter-flexible) need a whole node-redis client (MULTI, EVAL), not only raw commands: the policies get their own.
  const policyRedis = shared.redisClients?.openPolicyRedis(config.session.store, logger);
  let adminUrl: string | undefined;
  const dependencies = policyDependencies({ catalog, identity, gate, redis: policyRedis, approvalUrlBase: () => adminUrl ?? publicBaseUrl, configPath: options.configPath, logger });
  const built = await buildPolicies(config.policies, dependencies);
  if (!built.ok) throw new ConfigError('config_invalid', options.configPath ?? 'gatehouse.yaml', built.problems);
  const policies = built.set;
  catalog.onChange(() => {
    const current = router.policies;
    if (current === undefined) return;
    for (const backend of registry.all()) {
      current.invalidateBackend(backend.name);
      current.pins?.checkPinned(backend.name, catalog.view(backend.name).toolsByName.values());
    }
  });
  const tasks = new TaskRelay({ directory: shared.tasks, backend: (name) => catalog.backend(name), logger });
  const router = new Router({
    catalog,
    tasks,
    serverInfo,
    logger,
    authorization: identity.isEnforced ? identity.authorization : undefined,
    policies,
    isCatalogCallerDependent: () => identity.isEnforced || tenants !== undefined,
    ...(tenants === undefined ? {} : { tenants }),
    subscriptions: shared.subscriptions,
    saveSession: (session) => shared.sessions.save(session),
    bridge: { sealer, held: shared.held, stateTtlMs: config.session.streamTimeoutSeconds * 1000, maxRounds: 8, ...(shared.bus === undefined ? {} : { replicaId: shared.replicaId }) },
    instructions: (isVisible) => {
      const running = registry.all().filter((backend) => isVisible(backend.name));
      return `Gatehouse federates ${running.length} MCP servers (${running.map((b) => b.name).join(', ')}). Tool and prompt names are prefixed with the server name and "${config.gateway.nameSeparator}".`;
    },
  });
  context = {
    identity,
    router,
    catalog,
    logger,
    serverInfo,
    sessions: shared.sessions,
    streams,
    clientRequests: shared.clientRequests,
    inFlight: shared.inFlight,
    onSessionEnd: shared.endSessionEverywhere,
    ...(shared.mesh === undefined ? {} : { mesh: shared.mesh }),
    ...(heldCallForwarding === undefined ? {} : { heldCallForwarding }),
    events: shared.events,
    listens,
    subscriptions: shared.subscriptions,
    origins: createOriginPolicy(config.gateway.allowedOrigins),
    ...(tenants === undefined ? {} : { tenants }),
    audit,
    gatewayId: config.gateway.id,
    metrics,
    tracing,
    maxMessageSizeBytes: config.session.maxMessageSizeBytes,
    maxJsonDepth: config.session.maxJsonDepth,
    drain: drainer,
  };

  let admin: Server | undefined;
  /** Teams and tool costs for /admin/usage: the live config's once it exists (a reload changes them). */
  let usageConfig = (): GatewayConfig => config;
  if (options.hasAdmin !== false) {
    const opened = await openAdminListener({
      probes: { backends: () => registry.all(), isReady: () => isReady, isDraining: () => drainer.isDraining, sessionStore: () => ({ kind: shared.sessions.kind, isAvailable: shared.sessions.isAvailable }), ...(audit?.isEnabled === true ? { auditStore: () => ({ kind: audit.settings.store, ...audit.availability }) } : {}), metrics },
      adminAuthentication: { authenticate: identity.authenticateBearer, isAuthenticationOn: identity.isEnforced, audit, ...(tenants === undefined ? {} : { tenants }) },
      policies,
      currentPolicies: () => router.policies,
      ...(gate === undefined ? {} : { gate }),
      catalog,
      sessions: { store: shared.sessions, endEverywhere: shared.endSessionEverywhere },
      ...(audit?.store === undefined ? {} : { auditStore: audit.store }),
      nameSeparator: config.gateway.nameSeparator,
      usageConfig: () => usageConfig(),
      host: options.adminHost ?? config.gateway.adminHost,
      port: options.adminPort ?? config.gateway.adminPort,
      ...(identity.console === undefined ? {} : { console: identity.console }),
    });
    admin = opened.server;
    adminUrl = opened.url;
  }

  // Wait briefly for the first catalog so the first tools/list is complete, without blocking on a dead backend.
  await Promise.race([connecting, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
  identity.warmUp();

  const backendSet = new BackendSet({ registry, catalog, subscriptions: shared.subscriptions, logger, toUpstream, initial: config.backends, discoveredOutbound: outbound, ...(gate === undefined ? {} : { gate }) });
  const live = new LiveConfig({
    initial: config,
    backends: backendSet,
    configFile: options.configPath ?? 'gatehouse.yaml',
    logger,
    // The approvals queue outlives a policy reload: held calls stay held.
    buildPolicies: (configs) => buildPolicies(configs, { ...dependencies, ...(router.policies?.approvals === undefined ? {} : { approvals: router.policies.approvals }) }),
    replacePolicies: (next) => router.replacePolicies(next),
    // Discovery's sources (Kubernetes, DNS SRV, a directory) are imported only for a config that has any (docs/benchmarks.md, "Footprint").
    startDiscovery: async (discovery): Promise<RunningDiscovery> => {
      if (discovery === undefined) return { sources: [], close: async () => {} };
      const { startDiscovery } = await import('./discovery/discovery.ts');
      return startDiscovery(discovery, {
        logger,
        metrics,
        baseDirectory,
        nameSeparator: config.gateway.nameSeparator,
        report: (source, found) => backendSet.setDiscovered(source, found),
      });
    },
  });
  usageConfig = () => live.current;
  await live.startDiscovery();
  const reloader = options.configPath === undefined ? undefined : new ConfigReloader({
    path: options.configPath,
    apply: (next) => live.apply(next),
    logger,
    metrics,
    isWatched: options.isConfigWatched ?? config.reload?.isWatched ?? false,
    load: async (path) => {
      const loaded = await loadConfig(path);
      options.adjustReloadedConfig?.(loaded.config);
      return loaded;
    },
    debounceMs: config.reload?.debounceMs ?? 250,
  });

  // What takes requests closes first, what they write to (audit, stores, Redis) last.
  const closeSteps: CloseStep[] = [
    ['config reloader', () => reloader?.close()],
    ['live config', () => live.close()],
    ['streams', () => {
      streams.closeAll();
      listens.closeAll();
      shared.held.close();
      server.closeAllConnections();
    }],
    ['listeners', () => Promise.all([closeServer(server), admin === undefined ? undefined : closeServer(admin)])],
    ['backends', () => registry.closeAll()],
    ['identity', () => identity.close()],
    ['backend oauth store', () => (options.oauthClientStore === undefined ? oauthClientStore.close() : undefined)],
    ['outbound guard', () => (options.outbound === undefined ? outbound.close() : undefined)],
    ['policies', () => router.policies?.close()],
    ['policy redis', () => (policyRedis === undefined ? undefined : shared.redisClients!.closePolicyRedis(policyRedis))],
    ['audit', () => audit?.close()],
    ['registry', async () => {
      closeDefinitionWatch();
      await gate?.close();
    }],
    ['tracing', () => tracing.shutdown()],
    ['sessions', () => shared.sessions.close()],
    ['replica bus', () => shared.bus?.close()],
    ['redis', () => shared.redis?.close()],
  ];
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= closeInOrder(closeSteps, logger));
  return {
    url,
    adminUrl,
    get backends() {
      return registry.all();
    },
    catalog,
    metrics,
    authentication: { isEnforced: identity.isEnforced, issuer: identity.issuer },
    applyConfig: (next) => live.apply(next),
    async reload(trigger = 'request') {
      if (reloader === undefined) return { outcome: 'refused', error: 'this gateway was started without a config file; nothing to reload' };
      return reloader.reload(trigger);
    },
    settled: () => backendSet.settled(),
    drain: (timeoutMs = (config.gateway.drainTimeoutSeconds ?? DEFAULT_DRAIN_TIMEOUT_SECONDS) * 1000) => drainGateway({
      server,
      drainer,
      endStreams: (reconnectAfterMs) => {
        streams.closeAll(reconnectAfterMs);
        listens.closeAll();
      },
      close,
      logger,
    }, timeoutMs),
    close,
  };
}

/** The gateway as clients reach it: `gateway.endpoint` (without a trailing /mcp), else the listener's address. */
function publicBaseUrlOf(endpoint: string | undefined, listening: string): string {
  if (endpoint === undefined) return listening;
  return endpoint.replace(/\/+$/, '').replace(/\/mcp$/, '');
}
