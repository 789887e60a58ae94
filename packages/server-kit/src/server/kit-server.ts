// A kit server: the tools and resources a team defines, served on one HTTP
// endpoint to 2026-07-28 clients (one stateless request each, through the
// SDK's createMcpHandler) and 2025-11-25 clients (sessions), behind the
// resource-server gate, beside /healthz, /readyz and /metrics. listen()
// binds it on node:http and drains in-flight calls on shutdown.

import { randomUUID } from 'node:crypto';

import {
  createMcpHandler,
  createRequestStateCodec,
  ProtocolError,
  ProtocolErrorCode,
  hostHeaderValidationResponse,
  isLegacyRequest,
  localhostAllowedHostnames,
  localhostAllowedOrigins,
  McpServer,
  originValidationResponse,
  type AuthInfo,
  type McpHttpHandler,
  type ServerCapabilities,
} from '@modelcontextprotocol/server';
import { serveStdio, type StdioServerHandle } from '@modelcontextprotocol/server/stdio';
import type { Logger } from 'pino';

import { resourceServerGate, type ResourceServerGate, type ResourceServerOptions } from '../identity/resource-server.ts';
import { MemoryIdempotencyStore } from '../idempotency/memory-store.ts';
import type { IdempotencyStore } from '../idempotency/store.ts';
import { LogAuditSink, type AuditSink } from '../operations/audit.ts';
import { createKitLogger } from '../operations/logger.ts';
import { KitMetrics } from '../operations/metrics.ts';
import type { ToolDefinition } from '../tool/define-tool.ts';
import { registerKitTool } from '../tool/run-tool.ts';
import { callerFromAuthInfo } from '../identity/caller.ts';
import type { ResourceDefinition } from '../resource/define-resource.ts';
import { checkResourceAccess, registerKitResource, resolveResource } from '../resource/register-resource.ts';
import { ConfirmationPages } from './confirmation-pages.ts';
import { LegacySessions } from './legacy-sessions.ts';
import { serveFetch } from './node-http.ts';
import type { KitRuntime } from './runtime.ts';

export interface KitServerOptions {
  name: string;
  version: string;
  /** What the server is for and how its tools fit together; clients show it to the model. */
  instructions?: string;
  // The kit keeps definitions of any schema types; registration checks them at run time.
  tools?: readonly ToolDefinition<any, any>[];
  resources?: readonly ResourceDefinition[];
  /**
   * The HMAC key sealing confirmation rounds (32+ bytes). Every replica that
   * may receive a retried call needs the same key; a random per-process key
   * is used when omitted (right for one replica).
   */
  requestStateKey?: string | Uint8Array;
  /** Extra registrations (prompts) on each McpServer instance the kit builds. */
  register?: (server: McpServer, runtime: KitRuntime) => void;
  capabilities?: ServerCapabilities;
  /** Makes the server an OAuth resource server; without it nobody is authenticated and scopes are not checked. */
  auth?: ResourceServerOptions;
  idempotency?: IdempotencyStore;
  audit?: AuditSink;
  logger?: Logger;
  /** Extra readiness checks (a database ping); /readyz answers 503 while any fails. */
  readiness?: () => boolean | Promise<boolean>;
  /** The MCP endpoint's path; /mcp by default. */
  path?: string;
  /** How long an unused 2025 session lives; 30 minutes by default. */
  sessionIdleMs?: number;
  /**
   * Where users' browsers reach this server, e.g. https://orders.example.com:
   * the base of URL-mode confirmation pages. Needed over stdio; over HTTP the
   * request's own origin is used when unset.
   */
  publicUrl?: string;
  /**
   * How long a call waits for the answer on a confirmation page, in ms: a
   * 2025 session holds the call open (5 minutes by default); a 2026 retry
   * waits briefly (5 s by default) and then asks again.
   */
  confirmationWaitMs?: { legacy?: number; modern?: number };
}

export interface ListenOptions {
  port: number;
  host?: string;
  /** How long shutdown waits for calls in flight, in ms; 10 s by default. */
  drainMs?: number;
}

export interface RunningKitServer {
  /** The MCP endpoint, e.g. http://127.0.0.1:43117/mcp */
  url: string;
  origin: string;
  /** Stops taking new requests (readiness 503), waits for calls in flight up to drainMs, then closes. */
  close(): Promise<void>;
}

export class KitServer {
  readonly runtime: KitRuntime;
  readonly options: KitServerOptions;
  readonly path: string;
  readonly #modern: McpHttpHandler;
  readonly #legacy: LegacySessions;
  readonly #gate: ResourceServerGate | undefined;
  #inFlight = 0;
  #isDraining = false;
  readonly #drained = new Set<() => void>();

  constructor(options: KitServerOptions) {
    this.options = options;
    this.path = options.path ?? '/mcp';
    const logger = options.logger ?? createKitLogger(options.name);
    this.runtime = {
      serverName: options.name,
      instanceId: `${options.name}-${randomUUID().slice(0, 8)}`,
      idempotency: options.idempotency ?? new MemoryIdempotencyStore(),
      metrics: new KitMetrics(options.name),
      audit: options.audit ?? new LogAuditSink(logger),
      logger,
      confirmations: createRequestStateCodec({
        key: options.requestStateKey ?? crypto.getRandomValues(new Uint8Array(32)),
        ttlSeconds: 600,
        // The spec's user binding for state that gates an action (basic/patterns/mrtr): a round minted for one caller is void for another.
        bind: (ctx) => `${ctx.mcpReq.method}\u0000${callerFromAuthInfo(ctx.http?.authInfo).subject}`,
      }),
      confirmationPages: new ConfirmationPages(),
      confirmationWaitMs: { legacy: options.confirmationWaitMs?.legacy ?? 300_000, modern: options.confirmationWaitMs?.modern ?? 5_000 },
      publicUrl: options.publicUrl,
    };
    this.#modern = createMcpHandler(() => this.createMcpServer('modern'), {
      legacy: 'reject',
      onerror: (error) => logger.warn({ err: error }, 'mcp request failed'),
    });
    this.#legacy = new LegacySessions(() => this.createMcpServer('legacy'), { ...(options.sessionIdleMs !== undefined && { idleMs: options.sessionIdleMs }) });
    this.#gate = options.auth === undefined ? undefined : resourceServerGate(options.auth, this.declaredScopes());
  }

  /** Every scope a tool declares, for the resource metadata's `scopes_supported`. */
  declaredScopes(): string[] {
    const declared = [...(this.options.tools ?? []), ...(this.options.resources ?? [])].flatMap((item) => item.scopes ?? []);
    return [...new Set(declared)].sort();
  }

  /** A fresh McpServer with every tool and registration: one per 2026 request, one per 2025 session or stdio connection. */
  createMcpServer(era: 'legacy' | 'modern' = 'legacy'): McpServer {
    const resources = this.options.resources ?? [];
    const server = new McpServer(
      { name: this.options.name, version: this.options.version },
      {
        capabilities: { tools: {}, ...(resources.length > 0 && { resources: { subscribe: true, listChanged: true } }), ...this.options.capabilities },
        ...(this.options.instructions !== undefined && { instructions: this.options.instructions }),
        requestState: { verify: this.runtime.confirmations.verify },
      },
    );
    for (const tool of this.options.tools ?? []) registerKitTool(server, tool, this.runtime, era);
    for (const resource of resources) registerKitResource(server, resource, this.runtime);
    // 2026-07-28 has no resources/subscribe: subscriptions/listen on the per-request handler replaces it.
    if (era === 'legacy' && resources.length > 0) this.#acceptSubscriptions(server, resources);
    this.options.register?.(server, this.runtime);
    return server;
  }

  readonly #subscriptions = new WeakMap<McpServer, Set<string>>();

  /** resources/subscribe inside a 2025 session, authorized like a read of the same URI. */
  #acceptSubscriptions(server: McpServer, resources: readonly ResourceDefinition[]): void {
    const subscribed = new Set<string>();
    this.#subscriptions.set(server, subscribed);
    server.server.setRequestHandler('resources/subscribe', async (request, ctx) => {
      const resolved = resolveResource(resources, request.params.uri);
      if (resolved === undefined) throw new ProtocolError(ProtocolErrorCode.ResourceNotFound, `Resource ${request.params.uri} not found`);
      await checkResourceAccess(resolved.definition, new URL(request.params.uri), resolved.variables, callerFromAuthInfo(ctx.http?.authInfo), this.runtime);
      subscribed.add(request.params.uri);
      return {};
    });
    server.server.setRequestHandler('resources/unsubscribe', (request) => {
      subscribed.delete(request.params.uri);
      return {};
    });
  }

  readonly #stdioServers = new Set<McpServer>();

  /** Servers that hold a connection open: 2025 sessions and the stdio connection. */
  #liveServers(): McpServer[] {
    return [...this.#legacy.servers(), ...this.#stdioServers];
  }

  /** Tells subscribers that `uri` changed: 2026 listen streams, and 2025 sessions (or stdio) that subscribed to it. */
  async resourceUpdated(uri: string): Promise<void> {
    this.#modern.notify.resourceUpdated(uri);
    await Promise.allSettled(
      this.#liveServers().filter((server) => this.#subscriptions.get(server)?.has(uri) === true).map((server) => server.server.sendResourceUpdated({ uri })),
    );
  }

  /** Tells every client that the resource list changed. */
  async resourcesChanged(): Promise<void> {
    this.#modern.notify.resourcesChanged();
    await Promise.allSettled(this.#liveServers().map((server) => server.server.sendResourceListChanged()));
  }

  /** Serves one client over stdin/stdout (either era), as a gateway's stdio backend; stdout carries only the protocol. */
  serveStdio(): StdioServerHandle {
    return serveStdio(
      (context) => {
        const server = this.createMcpServer(context.era);
        this.#stdioServers.add(server);
        const previous = server.server.onclose;
        server.server.onclose = () => {
          previous?.();
          this.#stdioServers.delete(server);
        };
        return server;
      },
      { onerror: (error) => this.runtime.logger.warn({ err: error }, 'stdio transport error') },
    );
  }

  /** The MCP endpoint after authentication: 2025 traffic to sessions, 2026 requests to the per-request handler. */
  async serveMcp(request: Request, authInfo?: AuthInfo): Promise<Response> {
    if (await isLegacyRequest(request)) return this.#legacy.answer(request, authInfo);
    return this.#modern.fetch(request, authInfo === undefined ? undefined : { authInfo });
  }

  /** The whole HTTP surface. */
  readonly fetch = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname;
    if (path === '/healthz') return Response.json({ status: 'ok' });
    if (path === '/readyz') return this.#readiness();
    if (path === '/metrics') {
      return new Response(await this.runtime.metrics.exposition(), { headers: { 'content-type': this.runtime.metrics.registry.contentType } });
    }
    // Before the bearer gate: the user's browser opens the page, with no token (the id is the capability).
    const confirmationPage = await this.runtime.confirmationPages.answer(request);
    if (confirmationPage !== undefined) return confirmationPage;
    const metadata = this.#gate?.metadataResponse(request);
    if (metadata !== undefined) return metadata;
    if (path !== this.path) return Response.json({ error: 'not_found', message: `The MCP endpoint is ${this.path}` }, { status: 404 });
    if (this.#isDraining) return Response.json({ jsonrpc: '2.0', id: null, error: { code: -32000, message: 'The server is shutting down; retry on another replica' } }, { status: 503, headers: { 'retry-after': '1' } });
    let authInfo: AuthInfo | undefined;
    if (this.#gate !== undefined) {
      const verdict = await this.#gate.authenticate(request);
      if (verdict instanceof Response) {
        this.runtime.metrics.authFailed(verdict.status === 403 ? 'insufficient_scope' : request.headers.has('authorization') ? 'invalid_token' : 'missing_token');
        return verdict;
      }
      authInfo = verdict;
    }
    return this.#track(() => this.serveMcp(request, authInfo));
  };

  async #track(serve: () => Promise<Response>): Promise<Response> {
    this.#inFlight += 1;
    try {
      return await serve();
    } finally {
      this.#inFlight -= 1;
      if (this.#inFlight === 0) for (const resolve of this.#drained) resolve();
    }
  }

  async #readiness(): Promise<Response> {
    if (this.#isDraining) return Response.json({ status: 'draining' }, { status: 503 });
    const isReady = (await this.options.readiness?.()) ?? true;
    return Response.json({ status: isReady ? 'ready' : 'not_ready' }, { status: isReady ? 200 : 503 });
  }

  /** Live 2025 sessions and their servers (to send resource updates and list changes to). */
  get legacySessions(): LegacySessions {
    return this.#legacy;
  }

  get modernHandler(): McpHttpHandler {
    return this.#modern;
  }

  async listen(options: ListenOptions): Promise<RunningKitServer> {
    const host = options.host ?? '127.0.0.1';
    const isLoopback = host === 'localhost' || host === '::1' || host.startsWith('127.');
    const running = await serveFetch(async (request) => {
      // The transport spec's DNS-rebinding guard for local servers (basic/transports, "Security Warning").
      const rejected = isLoopback
        ? (hostHeaderValidationResponse(request, localhostAllowedHostnames()) ?? originValidationResponse(request, localhostAllowedOrigins()))
        : undefined;
      return rejected ?? this.fetch(request);
    }, { port: options.port, host });
    return {
      url: `${running.origin}${this.path}`,
      origin: running.origin,
      close: async () => {
        await this.drain(options.drainMs ?? 10_000);
        await this.close();
        await running.close();
      },
    };
  }

  /** Refuses new calls and waits (up to `timeoutMs`) for those in flight. */
  async drain(timeoutMs: number): Promise<void> {
    this.#isDraining = true;
    if (this.#inFlight === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.#drained.add(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#modern.close(), this.#legacy.closeAll(), this.runtime.idempotency.close?.()]);
  }
}

export function createKitServer(options: KitServerOptions): KitServer {
  return new KitServer(options);
}

/** Closes `running` on SIGTERM/SIGINT after draining, then exits: what a container orchestrator expects. */
export function closeOnSignals(running: RunningKitServer, logger?: Logger): void {
  const shutDown = (signal: string) => {
    logger?.info({ signal }, 'shutting down: draining calls in flight');
    void running.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutDown('SIGTERM'));
  process.once('SIGINT', () => shutDown('SIGINT'));
}
