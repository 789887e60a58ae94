// Assembles one gateway process from a validated config: backends, catalog,
// router, policy chain, session store, the client-facing listener and the
// admin listener. `startGateway` is what the CLI's `start` and the tests call.
// The backend set and the policies change at run time (runtime/: reload, discovery).

import { classifyToolChange } from './ci-tools/tool-change-classification.ts';
import { roleScopesOf } from './admin/admin-permissions.ts';
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { GatewayConfig } from './config/schema.ts';
import type { BackendConfig } from './config/backend-schema.ts';
import type { ConfigDiff } from './config/config-diff.ts';
import type { Backend, Implementation } from './upstream/backend.ts';
import { createBackendFactory, createBackendRegistry, type UpstreamConfig } from './upstream/backend-registry.ts';
import { Catalog } from './catalog/catalog.ts';
import { Router } from './router/router.ts';
import { buildPolicies } from './policy/registry.ts';
import { dryRunThroughBackends } from './policy/dry-run-estimate.ts';
import { MemoryCounterStore } from './policy/counter-store.ts';
import { BackendSet } from './runtime/backend-set.ts';
import { systemRegistryEventFacts } from './registry/registry-audit.ts';
import { registerRegistryMetrics } from './registry/registry-metrics.ts';
import type { RegistryEvent } from './registry/lifecycle.ts';
import type { PinStatus } from './policy/tool-pinning.ts';
import { LiveConfig } from './runtime/live-config.ts';
import { ConfigReloader, type ReloadReport, type ReloadTrigger } from './runtime/config-reloader.ts';
import { loadConfig } from './config/load.ts';
import { startDiscovery } from './discovery/discovery.ts';
import { dirname, resolve as resolvePath } from 'node:path';
import { AuditTrail } from './audit/trail.ts';
import { resolveAuditSettings } from './audit/settings.ts';
import { ConfigError } from './config/errors.ts';
import { createMemorySessionStore } from './session/memory-store.ts';
import { createRedisSessionStore } from './session/redis-store.ts';
import type { SessionStore } from './session/store.ts';
import type { RedisConnection } from './cluster/redis-connection.ts';
import { ReplicaBus } from './cluster/replica-bus.ts';
import { joinReplicaMesh } from './cluster/replica-mesh.ts';
import { HeldCallForwarding } from './cluster/held-call-forwarding.ts';
import type { OpenExchange } from './transport/dispatch.ts';
import { EventStreams } from './transport/rev2025/event-streams.ts';
import { MemoryEventLog, type EventLog } from './transport/rev2025/event-log.ts';
import { RedisEventLog } from './transport/rev2025/redis-event-log.ts';
import { TaskRelay } from './tasks/task-relay.ts';
import { MemoryTaskDirectory } from './tasks/task-directory.ts';
import { RedisTaskDirectory } from './tasks/redis-task-directory.ts';
import { ClientRequests } from './transport/rev2025/client-requests.ts';
import { HeldCalls } from './bridge/held-calls.ts';
import { ListenStreams } from './transport/rev2026/listen-streams.ts';
import { ResourceSubscriptions } from './router/resource-subscriptions.ts';
import { sessionSubscriber } from './router/router.ts';
import { RequestStateSealer } from './bridge/request-state.ts';
import { endpointOf, handleMcpRequest, type McpEndpointContext } from './transport/mcp-endpoint.ts';
import { createOriginPolicy } from './transport/origin.ts';
import { refuse } from './transport/http-io.ts';
import { RequestDrain, shutdownError, type DrainOutcome } from './transport/request-drain.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { openAdminListener } from './admin/admin-listener.ts';
import { closeServer, formatHost, listen } from './transport/http-listener.ts';
import { authFailureFacts } from './audit/gateway-events.ts';
import { assembleIdentity } from './identity/gateway-identity.ts';
import { backendCredentialOptions, serviceClientOf } from './identity/backend-credential-config.ts';
import { createBackendCredentials } from './identity/backend-credentials.ts';
import { oauthBackendCredentials } from './upstream/oauth-client/gateway-wiring.ts';
import { lazyOAuthClientStateStore, openOAuthClientStateStore } from './upstream/oauth-client/open-client-state-store.ts';
import { createClientMetadataResponder } from './upstream/oauth-client/client-metadata-document.ts';
import type { OAuthClientStateStore } from './upstream/oauth-client/client-state-store.ts';
import type { BackendAuthorizer } from './upstream/oauth-client/oauth-backend-credentials.ts';
import { createLogger, type Logger } from './telemetry/logger.ts';
import { GATEWAY_VERSION } from './version.ts';
import { GatewayMetrics } from './telemetry/metrics.ts';
import { createTracing, type GatewayTracing } from './telemetry/tracing.ts';
import { toTelemetryConfig } from './config/telemetry-schema.ts';
import { OutboundGuard } from './outbound/outbound-guard.ts';
import { TenantDirectory } from './tenancy/tenant-directory.ts';
import { splitTenantPath } from './tenancy/request-tenant.ts';

const DEFAULT_DRAIN_TIMEOUT_SECONDS = 25;
/** The SSE `retry:` sent on streams ended by a drain: reconnect soon, to whichever replica the balancer picks. */
const RECONNECT_AFTER_MS = 1_000;

const DEFAULT_TELEMETRY = toTelemetryConfig({ tracing: { protocol: 'http/protobuf', sampling_ratio: 1, service_name: 'gatehouse' }, metrics: { enabled: true, user_allowlist: [], user_buckets: 16, max_series_per_metric: 10_000, session_capacity: 10_000 } }, {});

/**
 * What the gateway declares to a 2025 backend at `initialize`: everything it
 * can relay, since one upstream session serves every client. Each request is
 * then checked against the capabilities of the client that made the call
 * (forward/related-messages.ts), and 2026 backends get that client's own.
 */
const UPSTREAM_CLIENT_CAPABILITIES = { sampling: {}, elicitation: { form: {}, url: {} }, roots: { listChanged: true } };

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

  const telemetry = config.telemetry ?? DEFAULT_TELEMETRY;
  const metrics = options.metrics ?? new GatewayMetrics({
    isEnabled: telemetry.metrics.isEnabled,
    users: { allowlist: telemetry.metrics.userAllowlist, buckets: telemetry.metrics.userBuckets },
    maxSeriesPerMetric: telemetry.metrics.maxSeriesPerMetric,
    sessionCapacity: telemetry.metrics.sessionCapacity,
    onSeriesOverflow: (metric) => logger.warn({ metric }, 'metric label cap reached; new label sets count as __overflow__'),
  });
  const tracing = options.tracing ?? await createTracing({
    isEnabled: telemetry.tracing.isEnabled,
    ...(telemetry.tracing.endpoint === undefined ? {} : { endpoint: telemetry.tracing.endpoint }),
    protocol: telemetry.tracing.protocol,
    samplingRatio: telemetry.tracing.samplingRatio,
    serviceName: telemetry.tracing.serviceName,
    serviceVersion: GATEWAY_VERSION,
    serviceInstanceId: config.gateway.id,
    onExportError: (error) => logger.warn({ err: error }, 'trace export failed; the spans of that batch are dropped'),
  });
  // Audit is on when the config has an `audit` section (the embedded default has one: SQLite under .gatehouse/).
  const audit = config.audit === undefined ? undefined : await AuditTrail.open({ settings: resolveAuditSettings(config, options.configPath), gatewayId: config.gateway.id, logger });
  if (audit !== undefined) {
    metrics.watchAuditQueue(() => audit.queueDepth);
    audit.observeWrites((seconds, isOk) => metrics.recordAuditWrite(seconds, isOk));
  }
  // One guard for every URL a caller or a discovered record supplies (docs/security.md section 3).
  const outbound = options.outbound ?? new OutboundGuard(config.outbound ?? {});
  const serviceClient = serviceClientOf(config.authentication);
  const oauthClientStore = options.oauthClientStore ?? lazyOAuthClientStateStore(() => openOAuthClientStateStore(config, logger));
  const toUpstream = (backend: BackendConfig, isDiscovered = false): UpstreamConfig => {
    if (backend.kind !== 'http') return backend;
    if (backend.auth.type === 'oauth') return { ...backend, credentials: oauthBackendCredentials(backend, backend.auth, { store: oauthClientStore, outbound, logger, authorizer: options.backendAuthorizer }) };
    const credentialOptions = backendCredentialOptions(backend.auth, serviceClient);
    if (credentialOptions === undefined) return backend;
    // A discovered record's token endpoint is fetched through the guard, answers checked after DNS (docs/security.md section 3).
    const context = { backend: backend.name, logger, ...(isDiscovered ? { fetch: outbound.fetcher() } : {}) };
    return { ...backend, credentials: createBackendCredentials(credentialOptions, context) };
  };
  const tenants = config.tenants === undefined ? undefined : new TenantDirectory(config.tenants);
  // With a `registry` section only backends the registry routes run (registry/routing-gate.ts); without one, all of them,
  // and the registry's stores (pg among their imports) are never loaded.
  const gate = config.registry === undefined ? undefined : await (await import('./registry/routing-gate.ts')).openRoutingGate(config.registry, {
    baseDirectory: options.configPath === undefined ? process.cwd() : dirname(resolvePath(options.configPath)),
    logger,
    backends: config.backends,
    // A tenant's own backend is enrolled as that tenant's entry, which its admins then review (docs/tenants.md).
    ...(tenants === undefined ? {} : { tenantOf: (backend: string) => tenants.ownerOf(backend) }),
    // The gateway's own registry changes (a changed pinned tool, the overdue sweep) are audited like an admin's.
    ...(audit === undefined ? {} : { onSystemEvent: async (event: RegistryEvent, details: Record<string, unknown>) => {
      await audit.record(systemRegistryEventFacts(event, details, config.gateway.id, tenants !== undefined));
    } }),
  });
  if (gate !== undefined) registerRegistryMetrics(metrics.registry, () => gate.cachedEntries());
  const registry = createBackendRegistry(
    config.backends.filter((backend) => backend.enabled && (gate?.allows(backend.name) ?? true)).map((backend) => toUpstream(backend)),
    createBackendFactory({ clientInfo, logger, clientCapabilities: UPSTREAM_CLIENT_CAPABILITIES, onCircuitChange: (backend, state) => metrics.setBreakerState(backend, state) }),
    { logger },
  );
  const backends = registry.all();
  const catalog = new Catalog({ backends, separator: config.gateway.nameSeparator, logger, ...(gate === undefined ? {} : { deprecationOf: (name: string) => gate.notice(name) }) });
  // A redis session_store shares sessions, SSE event logs and a bus between replicas (docs/scale-out.md).
  const redisClients = config.session.store === 'memory' ? undefined : await importRedisClients();
  const redis: RedisConnection | undefined = redisClients?.openRedisConnection(config.session.store, logger);
  const keyPrefix = config.session.keyPrefix ?? 'gatehouse:';
  const replicaId = `${config.gateway.id}/${randomBytes(4).toString('hex')}`;
  const bus = redis === undefined ? undefined : new ReplicaBus({ commands: redis.commands, subscriber: redis.subscriber(), replicaId, prefix: keyPrefix, logger });
  const events: EventLog = redis === undefined
    ? new MemoryEventLog()
    : new RedisEventLog({ commands: redis.commands, subscriber: redis.subscriber(), prefix: keyPrefix, ttlSeconds: config.session.ttlSeconds, logger, replicaId });
  const streams = new EventStreams(events, { streamTimeoutMs: config.session.streamTimeoutSeconds * 1000 });
  const listens = new ListenStreams();
  const subscriptions = new ResourceSubscriptions(
    backends,
    (subscriber, notification) => (subscriber.startsWith('session:') ? streams.send(subscriber.slice('session:'.length), notification) : listens.send(subscriber, notification)),
    logger,
  );
  const endSession = (sessionId: string) => {
    metrics.sessionClosed(sessionId);
    subscriptions.releaseAll(sessionSubscriber(sessionId));
    streams.close(sessionId);
    events.dropSession(sessionId);
  };
  const held = new HeldCalls({ maxHeld: 10_000, ttlMs: config.session.streamTimeoutSeconds * 1000, logger });
  // A session idle past its TTL: its resources are released, and audit records its end.
  const expireSession = (sessionId: string) => {
    endSession(sessionId);
    void audit?.sessions.expired(sessionId)?.catch(() => undefined);
  };
  const sessions: SessionStore = redis === undefined
    ? createMemorySessionStore({ ttlMs: config.session.ttlSeconds * 1000, maxSessionsPerOwner: config.session.maxConcurrentSessionsPerUser, onExpire: expireSession })
    : createRedisSessionStore({
      commands: redis.commands,
      isReady: () => redis.isReady,
      where: `Redis at ${redisClients!.describeRedisUrl(redis.url)}`,
      ttlSeconds: config.session.ttlSeconds,
      maxSessionsPerOwner: config.session.maxConcurrentSessionsPerUser,
      prefix: keyPrefix,
      onExpire: expireSession,
    });
  const clientRequests = new ClientRequests(config.session.streamTimeoutSeconds * 1000, bus === undefined ? {} : { idPrefix: `gatehouse-${replicaId.slice(-8)}-` });
  const inFlight = new Map<string, OpenExchange>();
  const mesh = bus === undefined ? undefined : joinReplicaMesh({ bus, endSession, clientRequests, inFlight, logger });
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
  const clientMetadataDocument = createClientMetadataResponder(config.backends);
  const drainer = new RequestDrain();
  const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (request, response) => {
    if (!drainer.admit(request, response)) return;
    const url = request.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    // `/t/{tenant}/mcp` and `/t/{tenant}/servers/{name}/mcp`: the endpoints under a tenant's prefix (docs/tenants.md).
    const tenantPath = splitTenantPath(path);
    const endpoint = endpointOf(tenantPath?.rest ?? path);
    if (context === undefined) return refuse(response, 503, 'Service Unavailable: the gateway is starting; retry in a moment', -32603, { 'retry-after': '1' });
    if (endpoint === undefined) {
      const clientMetadata = clientMetadataDocument(path);
      if (clientMetadata !== undefined) return void response.writeHead(clientMetadata.status, clientMetadata.headers).end(clientMetadata.body);
      const metadata = context.identity.metadata(path);
      if (metadata !== undefined) return void response.writeHead(metadata.status, metadata.headers).end(metadata.body);
      return refuse(response, 404, `Not Found: the MCP endpoint is /mcp (or /servers/{name}/mcp for one backend)`);
    }
    const handled = handleMcpRequest(context, request, response, endpoint, tenantPath?.tenant);
    if (handled instanceof Promise) {
      handled.catch((error: unknown) => {
        logger.error({ err: error }, 'unhandled error in the MCP endpoint');
        if (!response.headersSent) refuse(response, 500, 'Internal error: the gateway failed while handling this request; it has been logged', -32603);
        else response.end();
      });
    }
  });
  server.on('clientError', (error, socket) => {
    logger.debug({ err: error }, 'malformed HTTP from a client');
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
  });

  const host = options.host ?? config.gateway.host;
  const port = options.port ?? config.gateway.port;
  await listen(server, port, host);
  const address = server.address() as AddressInfo;
  const url = `http://${formatHost(host)}:${address.port}/mcp`;
  // GATEHOUSE_STATE_SECRET gives every replica one key, so any replica can read which replica holds a call.
  const sealer = RequestStateSealer.fromEnvironment();
  const localHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  const heldCallForwarding = bus === undefined ? undefined : new HeldCallForwarding({
    bus,
    sealer,
    held,
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
    ...(audit === undefined ? {} : {
      onAuthenticationFailure: (error, request, endpointBackend) => audit.record(authFailureFacts({ error, request, gatewayId: config.gateway.id, endpointBackend })),
    }),
  });
  // Rate limits (rate-limiter-flexible) need a whole node-redis client (MULTI, EVAL), not only raw commands: the policies get their own.
  const policyRedis = redisClients?.openPolicyRedis(config.session.store, logger);
  let adminUrl: string | undefined;
  // Memory counters (step budgets, cost ceilings) and the approvals queue outlive a policy reload.
  const counters = new MemoryCounterStore();
  const policyDependencies = {
    toolDefinitions: (backend: string, tool: string) => catalog.view(backend).toolsByName.get(tool)?.definition as never,
    dryRun: dryRunThroughBackends((name) => catalog.backend(name)),
    ...(policyRedis === undefined ? {} : { redis: policyRedis }),
    approvalUrlBase: () => adminUrl ?? publicBaseUrl,
    ...(identity.isEnforced ? { authorization: identity.authorization } : {}),
    ...(options.configPath === undefined ? {} : { baseDirectory: dirname(resolvePath(options.configPath)) }),
    counters,
    onQuarantine: (status: PinStatus, definitions: { pinned: Record<string, unknown> | undefined; current: Record<string, unknown> }) => {
      logger.warn({ status }, 'a tool definition changed after review; the tool is quarantined until an admin accepts it');
      // A changed definition of a reviewed backend sends its registry entry back to review (registry/tool-governance.ts),
      // with the schema diff's verdict on the change (breaking or not) for the reviewer.
      if (gate !== undefined && status.state === 'quarantined' && status.currentHash !== undefined) {
        const schema = definitions.pinned === undefined ? undefined : classifyToolChange(status.tool, definitions.pinned, definitions.current);
        gate.reviewToolChange(status.backend, { tool: status.tool, pinnedHash: status.pinnedHash, currentHash: status.currentHash, changes: status.changes, ...(schema === undefined ? {} : { schema }) })
          .catch((error: unknown) => logger.warn({ backend: status.backend, tool: status.tool, err: error }, 'a changed tool definition could not send its backend back to review; the tool itself stays quarantined'));
      }
    },
  };
  const built = buildPolicies(config.policies, policyDependencies);
  if (!built.ok) throw new ConfigError('config_invalid', options.configPath ?? 'gatehouse.yaml', built.problems);
  const policies = built.set;
  catalog.onChange(() => {
    const current = router.policies;
    if (current !== undefined) for (const backend of registry.all()) current.invalidateBackend(backend.name);
  });
  // Task ids -> owning backend and caller; in Redis with the sessions, so any replica answers a poll (docs/tasks.md).
  const tasks = new TaskRelay({
    directory: redis === undefined ? new MemoryTaskDirectory() : new RedisTaskDirectory({ commands: redis.commands, prefix: keyPrefix }),
    backend: (name) => catalog.backend(name),
    logger,
  });
  const router = new Router({
    catalog,
    tasks,
    serverInfo,
    logger,
    authorization: identity.isEnforced ? identity.authorization : undefined,
    policies,
    isCatalogCallerDependent: () => identity.isEnforced || tenants !== undefined,
    ...(tenants === undefined ? {} : { tenants }),
    subscriptions,
    saveSession: (session) => sessions.save(session),
    bridge: { sealer, held, stateTtlMs: config.session.streamTimeoutSeconds * 1000, maxRounds: 8, ...(bus === undefined ? {} : { replicaId }) },
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
    sessions,
    streams,
    clientRequests,
    inFlight,
    onSessionEnd: mesh === undefined ? endSession : mesh.endSessionEverywhere,
    ...(mesh === undefined ? {} : { mesh }),
    ...(heldCallForwarding === undefined ? {} : { heldCallForwarding }),
    events,
    listens,
    subscriptions,
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
      probes: { backends: () => registry.all(), isReady: () => isReady, isDraining: () => drainer.isDraining, sessionStore: () => ({ kind: sessions.kind, isAvailable: sessions.isAvailable }), ...(audit?.isEnabled === true ? { auditStore: () => ({ kind: audit.settings.store, ...audit.availability }) } : {}), metrics },
      adminAuthentication: { authenticate: identity.authenticateBearer, isAuthenticationOn: identity.isEnforced, audit, ...(tenants === undefined ? {} : { tenants }) },
      policies,
      currentPolicies: () => router.policies,
      ...(gate === undefined ? {} : { gate }),
      catalog,
      sessions: { store: sessions, endEverywhere: mesh === undefined ? endSession : mesh.endSessionEverywhere },
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

  const backendSet = new BackendSet({ registry, catalog, subscriptions, logger, toUpstream, initial: config.backends, discoveredOutbound: outbound, ...(gate === undefined ? {} : { gate }) });
  const configFile = options.configPath ?? 'gatehouse.yaml';
  const live = new LiveConfig({
    initial: config,
    backends: backendSet,
    configFile,
    logger,
    buildPolicies: (configs) => buildPolicies(configs, { ...policyDependencies, ...(router.policies?.approvals === undefined ? {} : { approvals: router.policies.approvals }) }),
    replacePolicies: (next) => router.replacePolicies(next),
    startDiscovery: (discovery) => startDiscovery(discovery, {
      logger,
      metrics,
      baseDirectory: options.configPath === undefined ? process.cwd() : dirname(resolvePath(options.configPath)),
      nameSeparator: config.gateway.nameSeparator,
      report: (source, found) => backendSet.setDiscovered(source, found),
    }),
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

  const running: RunningGateway = {
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
    async drain(timeoutMs = (config.gateway.drainTimeoutSeconds ?? DEFAULT_DRAIN_TIMEOUT_SECONDS) * 1000) {
      const deadline = performance.now() + timeoutMs;
      // The close after the calls (backends, audit flush, traces) is budgeted inside the deadline, not after it.
      const teardownMs = teardownBudgetMs(timeoutMs);
      logger.info({ inFlight: drainer.inFlight, timeoutMs }, 'draining: refusing new requests, finishing the calls in flight');
      const finished = drainer.drain(server, timeoutMs - teardownMs);
      // Long-lived streams never finish on their own: end them with a reconnect hint.
      streams.closeAll(RECONNECT_AFTER_MS);
      listens.closeAll();
      const outcome = await finished;
      if (outcome.abandoned > 0) {
        logger.warn({ abandoned: outcome.abandoned, waitedMs: outcome.waitedMs }, 'drain deadline reached with calls still running; answering each with a shutdown error and cancelling it upstream');
        // Half the budget at most for the given-up calls to settle (their cancellation sent, their records written).
        await drainer.giveUpAll(shutdownError(timeoutMs), teardownMs / 2);
      } else logger.info({ waitedMs: outcome.waitedMs }, 'drained: no request in flight');
      // The CLI's own guard exits at the deadline itself; stop waiting just before it to report what did not close.
      const isClosed = await Promise.race([running.close().then(() => true), sleep(Math.max(0, deadline - performance.now() - 50)).then(() => false)]);
      if (!isClosed) logger.error({ timeoutMs }, 'closing did not finish within the drain deadline; exiting anyway');
      return { ...outcome, isClosed };
    },
    close() {
      closing ??= closeEverything();
      return closing;
    },
  };
  let closing: Promise<void> | undefined;
  async function closeEverything(): Promise<void> {
    reloader?.close();
    await live.close();
    streams.closeAll();
    listens.closeAll();
    held.close();
    server.closeAllConnections();
    await Promise.all([closeServer(server), admin === undefined ? undefined : closeServer(admin)]);
    await registry.closeAll();
    await identity.close();
    if (options.oauthClientStore === undefined) await oauthClientStore.close();
    if (options.outbound === undefined) await outbound.close();
    await router.policies?.close();
    if (policyRedis !== undefined) await redisClients!.closePolicyRedis(policyRedis);
    await audit?.close();
    await gate?.close();
    await tracing.shutdown();
    await sessions.close();
    await bus?.close();
    await redis?.close();
  }
  return running;
}

/**
 * The Redis clients (node-redis and its modules, about 30 MB), imported only
 * for a redis session_store: a memory-only gateway never loads them.
 */
async function importRedisClients() {
  const [connection, policy] = await Promise.all([import('./cluster/redis-connection.ts'), import('./policy/policy-redis.ts')]);
  return { openRedisConnection: connection.openRedisConnection, describeRedisUrl: connection.describeRedisUrl, openPolicyRedis: policy.openPolicyRedis, closePolicyRedis: policy.closePolicyRedis };
}

/**
 * How much of a drain's deadline is kept for closing after the calls: a
 * fifth, between 250 ms and 5 s (5 s of the default 25 s).
 */
export function teardownBudgetMs(drainTimeoutMs: number): number {
  return Math.min(5_000, Math.max(250, drainTimeoutMs / 5));
}

/** The gateway as clients reach it: `gateway.endpoint` (without a trailing /mcp), else the listener's address. */
function publicBaseUrlOf(endpoint: string | undefined, listening: string): string {
  if (endpoint === undefined) return listening;
  return endpoint.replace(/\/+$/, '').replace(/\/mcp$/, '');
}
