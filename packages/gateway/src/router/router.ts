// Method dispatch behind the transport: answers what the gateway itself owns
// (discover, ping, the federated lists) and sends everything that names a
// tool, prompt or resource down the one path of targeted-call.ts (resolve,
// authorize, policies, forward); it runs the policy set for both. Era
// differences stay in the transport codecs; the router sees one shape.

import type { Exchange } from '../exchange/exchange.ts';
import type { Catalog, CatalogView } from '../catalog/catalog.ts';
import { paginate } from '../catalog/pagination.ts';
import { rpcErrors } from '../protocol/errors.ts';
import { SUPPORTED_REVISIONS } from '../protocol/revisions.ts';
import type { Implementation } from '../upstream/backend.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { BridgeContext } from '../bridge/interactive-call.ts';
import { approvalInputRequired, claimApprovalState } from '../bridge/approval-round.ts';
import { TARGETED_METHODS, runTargetedCall, type HeldForApproval, type TargetedPipeline } from './targeted-call.ts';
import type { ResourceSubscriptions } from './resource-subscriptions.ts';
import { LOG_LEVELS } from '../forward/related-messages.ts';
import type { LegacySession } from '../session/session.ts';
import type { Authorization, PrimitiveRef } from '../identity/authorization.ts';
import type { PolicySet } from '../policy/registry.ts';
import type { TenantDirectory } from '../tenancy/tenant-directory.ts';
import { offersTasksTo, type TaskRelay } from '../tasks/task-relay.ts';
import { upstreamUiUri } from '../catalog/app-ui.ts';
import { createdTaskOf } from '../tasks/task-shapes.ts';
import type { Era } from '../protocol/revisions.ts';
import type { ClientCodec } from '../exchange/client-codec.ts';
import { allowOnce } from '../policy/policy.ts';

/** The scope check's verdict on an allowed call, shared by every call (frozen, like the policies' own allows). */
const SCOPE_CHECK_ALLOWED = allowOnce('scope_check');

export interface RouterOptions {
  catalog: Catalog;
  serverInfo: Implementation;
  /** A function when the text names things that change at run time (the backends, after a reload). */
  instructions?: string | ((isVisible: (backend: string) => boolean) => string);
  pageSize?: number;
  logger: Logger;
  bridge: BridgeContext;
  subscriptions: ResourceSubscriptions;
  /** Per-caller visibility and call rights; undefined when authentication is off. */
  authorization?: Authorization;
  /** The configured policy chain (policy/registry.ts); runs on every request once its target is known. */
  policies?: PolicySet;
  /** Persists a changed 2025 session (its log level). */
  saveSession?: (session: LegacySession) => Promise<void> | void;
  /** The gateway's tenants: each exchange sees and calls only its tenant's backends (docs/tenants.md). */
  tenants?: TenantDirectory;
  /** Whether what a caller sees may differ by caller (identity filtering), which makes list results `private`. */
  isCatalogCallerDependent?: () => boolean;
  /** Tasks (tasks/task-relay.ts): binds the tasks tools/call creates and routes the task methods to their backends. */
  tasks?: TaskRelay;
}

type Result = Record<string, unknown>;
type Handler = (exchange: Exchange, params: Record<string, unknown>) => Result | Promise<Result>;

/** Methods served the same way for both eras. Era-only methods are added by `methodsFor`. */
export class Router {
  readonly #options: RouterOptions;
  readonly #catalog: Catalog;
  readonly #handlers: ReadonlyMap<string, Handler>;
  readonly #targeted: TargetedPipeline;
  /** The current policy set; swapped whole by a reload (replacePolicies). */
  #policies: PolicySet | undefined;
  /** Exchanges running each set's hooks, so a replaced set is closed only once none does. */
  readonly #policyUses = new Map<PolicySet, number>();
  readonly #policyIdle = new Map<PolicySet, () => void>();

  constructor(options: RouterOptions) {
    this.#options = options;
    this.#policies = options.policies;
    this.#catalog = options.catalog;
    this.#handlers = new Map<string, Handler>([
      ['server/discover', (exchange) => this.discover(exchange.endpointBackend, exchange.client.codec, exchange.tenant)],
      ['ping', () => ({})],
      ['tools/list', (exchange, params) => this.#list(exchange, params, 'tools')],
      ['prompts/list', (exchange, params) => this.#list(exchange, params, 'prompts')],
      ['resources/list', (exchange, params) => this.#list(exchange, params, 'resources')],
      ['resources/templates/list', (exchange, params) => this.#list(exchange, params, 'resourceTemplates')],
      ['logging/setLevel', (exchange, params) => this.#setLogLevel(exchange, params)],
    ]);
    // Methods that name a target never reach a handler above: they go resolve -> authorize -> policies -> forward (targeted-call.ts).
    this.#targeted = {
      context: { bridge: options.bridge, logger: options.logger, subscriptions: options.subscriptions },
      view: (exchange) => this.#view(exchange),
      backend: (name) => this.#catalog.backend(name),
      authorize: (exchange, access) => this.#authorize(exchange, access),
      policed: (exchange, isToolCall, call, held) => this.#policed(exchange, isToolCall, call, held),
    };
  }

  /** A backend's own definition of one of its tools (annotations included), as it listed it; undefined when unknown. */
  toolDefinition(backend: string, tool: string): Record<string, unknown> | undefined {
    return this.#catalog.view(backend).toolsByName.get(tool)?.definition as Record<string, unknown> | undefined;
  }

  /** Whether the gateway serves this method at all (the modern transport answers 404 when not). */
  handles(method: string): boolean {
    return this.#handlers.has(method) || TARGETED_METHODS.has(method) || (this.#options.tasks?.handles(method) ?? false);
  }

  handle(exchange: Exchange, method: string, params: Record<string, unknown> | undefined): Result | Promise<Result> {
    const targeted = TARGETED_METHODS.get(method);
    const tasks = this.#options.tasks;
    if (tasks !== undefined && method === 'tools/call' && targeted !== undefined) {
      // Policies run on this call, the task's creation; the task methods after it are bound to its caller instead.
      return tasks.call(exchange, params ?? {}, (name) => this.#toolBackend(exchange, name), (forwarded) => runTargetedCall(this.#targeted, exchange, targeted, forwarded));
    }
    if (targeted !== undefined) return runTargetedCall(this.#targeted, exchange, targeted, params ?? {});
    if (tasks?.handles(method)) return tasks.handle(exchange, method, params ?? {});
    const handler = this.#handlers.get(method);
    if (handler === undefined) throw rpcErrors.methodNotFound(method);
    const chain = this.#policies?.chain;
    if (chain === undefined || chain.isEmpty) return handler(exchange, params ?? {});
    return this.#withPolicies(exchange, false, () => handler(exchange, params ?? {}));
  }

  /**
   * Runs the request hooks, then the call, then the response hooks on its
   * result. A denial becomes a tool error for tools/call (an agent can read
   * and act on it) and a -32012 JSON-RPC error for anything else.
   */
  /**
   * Swaps the policy set for the exchanges that start from now on; those under
   * way finish with the set they started with. Resolves with the old set once
   * no exchange uses it any more, for the caller to close.
   */
  async replacePolicies(next: PolicySet): Promise<PolicySet | undefined> {
    const previous = this.#policies;
    this.#policies = next;
    if (previous === undefined || previous === next || !this.#policyUses.has(previous)) return previous;
    await new Promise<void>((resolve) => this.#policyIdle.set(previous, resolve));
    return previous;
  }

  /** The task relay, when tasks are enabled (listen streams follow tasks through it). */
  get tasks(): TaskRelay | undefined {
    return this.#options.tasks;
  }

  get policies(): PolicySet | undefined {
    return this.#policies;
  }

  async #withPolicies(exchange: Exchange, isToolCall: boolean, call: () => Result | Promise<Result>, held?: HeldForApproval): Promise<Result> {
    const policies = this.#policies!;
    this.#policyUses.set(policies, (this.#policyUses.get(policies) ?? 0) + 1);
    try {
      return await this.#runPolicies(policies, exchange, isToolCall, call, held);
    } finally {
      const uses = this.#policyUses.get(policies)! - 1;
      if (uses > 0) this.#policyUses.set(policies, uses);
      else {
        this.#policyUses.delete(policies);
        this.#policyIdle.get(policies)?.();
        this.#policyIdle.delete(policies);
      }
    }
  }

  async #runPolicies(policies: PolicySet, exchange: Exchange, isToolCall: boolean, call: () => Result | Promise<Result>, held: HeldForApproval | undefined): Promise<Result> {
    const { chain, approvals } = policies;
    // A 2026-07-28 retry of a call held for approval: the policy is told which approval to wait for (bridge/approval-round.ts).
    if (held !== undefined) claimApprovalState(this.#options.bridge, approvals, exchange, held.params, held.binding);
    const span = exchange.trace.startPolicyChain();
    let outcome;
    try {
      // A chain without Redis decides synchronously: no await (and no microtask) for it.
      const requested = chain.runRequest(exchange);
      outcome = requested instanceof Promise ? await requested : requested;
    } finally {
      span.end(exchange.decisions);
    }
    if (!outcome.isAllowed) {
      if (outcome.hold !== undefined && held !== undefined) return approvalInputRequired(this.#options.bridge, exchange, outcome.hold, held.binding);
      if (isToolCall) return outcome.error.toToolResult();
      throw outcome.error.toRpcError();
    }
    const result = await call();
    // A created task has no payload yet: response hooks see the call's result when it is fetched (tasks/get), not this handle.
    if (result.resultType === 'input_required' || !chain.hasResponseHooks || createdTaskOf(result) !== undefined) return result;
    const responded = chain.runResponse(exchange, result);
    const checked = responded instanceof Promise ? await responded : responded;
    if (checked.isAllowed) return result;
    if (isToolCall) return checked.error.toToolResult();
    throw checked.error.toRpcError();
  }

  #policed(exchange: Exchange, isToolCall: boolean, call: () => Result | Promise<Result>, held?: HeldForApproval): Result | Promise<Result> {
    const chain = this.#policies?.chain;
    return chain === undefined || chain.isEmpty ? call() : this.#withPolicies(exchange, isToolCall, call, held);
  }

  /** The backend a tool name on this exchange's endpoint belongs to, and the backend's definition of the tool. */
  #toolBackend(exchange: Exchange, name: string) {
    const entry = this.#view(exchange).toolsByName.get(name);
    return entry === undefined ? undefined : { backend: this.#catalog.backend(entry.backend), definition: entry.definition as Record<string, unknown> };
  }

  /**
   * Capabilities of the gateway as one server: what its backends offer, always with listChanged.
   * Tasks are offered when the endpoint's backend (or, on `/mcp`, any backend) can run them for a client of the codec's revision.
   */
  capabilities(endpointBackend: string | undefined, codec: ClientCodec): Result {
    const capabilities: Result = {
      tools: { listChanged: true },
      prompts: { listChanged: true },
      resources: { listChanged: true, subscribe: true },
      completions: {},
      logging: {},
    };
    if (endpointBackend !== undefined) {
      const backendCapabilities = this.#catalog.backend(endpointBackend)?.handshake?.capabilities;
      if (backendCapabilities !== undefined && backendCapabilities.completions === undefined) delete capabilities.completions;
    }
    if (this.#options.tasks !== undefined && this.#offersTasks(endpointBackend, codec.era)) codec.declareTasks(capabilities);
    return capabilities;
  }

  #offersTasks(endpointBackend: string | undefined, era: Era): boolean {
    const backends = endpointBackend === undefined ? this.#catalog.backends() : [this.#catalog.backend(endpointBackend)];
    return backends.some((backend) => backend !== undefined && offersTasksTo(era, backend.handshake));
  }

  discover(endpointBackend: string | undefined, codec: ClientCodec, tenant?: string): Result {
    const result: Result = {
      supportedVersions: SUPPORTED_REVISIONS,
      capabilities: this.capabilities(endpointBackend, codec),
      ttlMs: 60_000,
      cacheScope: 'public',
    };
    const instructions = this.instructions(endpointBackend, tenant);
    if (instructions !== undefined) result.instructions = instructions;
    return result;
  }

  /** `tenant`: the text names only that tenant's backends. */
  instructions(endpointBackend: string | undefined, tenant?: string): string | undefined {
    if (endpointBackend !== undefined) return this.#catalog.backend(endpointBackend)?.handshake?.instructions;
    const instructions = this.#options.instructions;
    const tenants = this.#options.tenants;
    const isVisible = tenant === undefined || tenants === undefined ? () => true : (backend: string) => tenants.sees(tenant, backend);
    return typeof instructions === 'function' ? instructions(isVisible) : instructions;
  }

  /** A tenant's exchange on `/mcp` sees its tenant's view only; a per-backend endpoint was checked against the tenant by the transport. */
  #view(exchange: Exchange): CatalogView {
    const tenants = this.#options.tenants;
    if (tenants === undefined || exchange.tenant === undefined || exchange.endpointBackend !== undefined) return this.#catalog.view(exchange.endpointBackend);
    return this.#catalog.tenantView(exchange.tenant, tenants.backendsOf(exchange.tenant));
  }

  #list(exchange: Exchange, params: Record<string, unknown>, kind: 'tools' | 'prompts' | 'resources' | 'resourceTemplates'): Result {
    const view = this.#view(exchange);
    const authorization = this.#options.authorization;
    // Permissions apply to (backend, the backend's own name) before anything is paged (cached per caller profile).
    let items = authorization === undefined ? view[kind] : authorization.filter(exchange.caller, view[kind], refOfListed(view, kind));
    const policies = this.#policies;
    if (kind === 'tools' && policies !== undefined) {
      // Quarantined tools (a changed definition) and tools a tool_access policy denies this caller are not listed.
      items = policies.filterTools(exchange.caller, items, (item) => {
        const entry = view.toolsByName.get(item.name as string);
        // The backend's own definition (its own name), as pins and validators know it.
        const own = entry === undefined ? undefined : this.#catalog.view(entry.backend).toolsByName.get(entry.name)?.definition;
        return entry === undefined ? undefined : { backend: entry.backend, tool: entry.name, definition: own as never };
      });
    }
    const page = paginate(items, params.cursor, this.#options.pageSize);
    const result: Result = { [kind]: page.items };
    if (page.nextCursor !== undefined) result.nextCursor = page.nextCursor;
    result.ttlMs = view.ttlMs;
    result.cacheScope = this.#options.isCatalogCallerDependent?.() ? 'private' : 'public';
    return result;
  }

  /** Refuses a call the caller's scopes or roles do not allow (an AuthError: 403 with the scope to step up to). */
  #authorize(exchange: Exchange, ref: PrimitiveRef): void {
    // Isolation does not rest on the view alone: a target outside the exchange's tenant is never forwarded.
    const tenants = this.#options.tenants;
    if (tenants !== undefined && !isInTenant(tenants, exchange, ref.backend)) {
      throw rpcErrors.invalidParams(`"${ref.name}" is not in this tenant's catalog; list again for the names you can use`);
    }
    const authorization = this.#options.authorization;
    if (authorization === undefined) return;
    const decision = authorization.decide(exchange.caller, ref, 'call');
    if (!decision.isAllowed) throw decision.error;
    exchange.decisions.push(SCOPE_CHECK_ALLOWED);
  }

  /**
   * 2025-era `logging/setLevel`: kept on the session, and the gateway filters
   * each backend's log messages by it. Backends are shared by every client, so
   * setting one client's level on them would change what the others get.
   */
  async #setLogLevel(exchange: Exchange, params: Record<string, unknown>): Promise<Result> {
    const level = params.level;
    if (typeof level !== 'string' || !LOG_LEVELS.includes(level)) {
      throw rpcErrors.invalidParams(`logging/setLevel needs "level", one of ${LOG_LEVELS.join(', ')}`);
    }
    const session = exchange.session;
    if (session !== undefined) {
      session.logLevel = level;
      await this.#options.saveSession?.(session);
    }
    return {};
  }

}

/** A gateway with tenants serves no exchange without one (the transport binds it), so an exchange without a tenant sees nothing. */
function isInTenant(tenants: TenantDirectory, exchange: Exchange, backend: string): boolean {
  return exchange.tenant !== undefined && tenants.sees(exchange.tenant, backend);
}

/** Where a listed item came from, for authorization: the view's tables map client names back to (backend, own name). */
function refOfListed(view: CatalogView, kind: 'tools' | 'prompts' | 'resources' | 'resourceTemplates'): (item: Record<string, unknown>) => PrimitiveRef | undefined {
  switch (kind) {
    case 'tools':
      return (item) => {
        const entry = view.toolsByName.get(item.name as string);
        return entry === undefined ? undefined : { backend: entry.backend, kind: 'tool', name: entry.name };
      };
    case 'prompts':
      return (item) => {
        const entry = view.promptsByName.get(item.name as string);
        return entry === undefined ? undefined : { backend: entry.backend, kind: 'prompt', name: entry.name };
      };
    case 'resources':
      return (item) => {
        const backend = view.resourceOwners.get(item.uri as string);
        // Rules name the backend's own URI, also where the view shows another (app-ui.ts).
        return backend === undefined ? undefined : { backend, kind: 'resource', name: view.upstreamUris.get(item.uri as string) ?? (item.uri as string) };
      };
    case 'resourceTemplates':
      return (item) => {
        const backend = view.templateOwners.get(item.uriTemplate as string);
        return backend === undefined ? undefined : { backend, kind: 'resource', name: upstreamUiUri(backend, item.uriTemplate as string) ?? (item.uriTemplate as string) };
      };
  }
}

export { sessionSubscriber } from './targeted-call.ts';
