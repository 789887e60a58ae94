// Every method that names a backend's tool, prompt or resource takes one path:
// resolve the target -> authorize the caller on it -> the policy chain -> forward.
// The table below is the only way such a method reaches a backend: an entry
// declares how it resolves its target and how it forwards; the order of the
// steps is written once, in runTargetedCall, so no method can skip one.

import { upstreamUiUri, withClientUri } from '../catalog/app-ui.ts';
import type { Exchange, ExchangeTarget } from '../exchange/exchange.ts';
import type { CatalogView } from '../catalog/catalog.ts';
import { findResourceOwner } from '../catalog/catalog.ts';
import { headerArgumentText, readHeaderArgument } from '../catalog/x-mcp-header.ts';
import { encodeHeaderValue } from '../upstream/header-value.ts';
import { GatewayRpcError, rpcErrors } from '../protocol/errors.ts';
import type { Backend } from '../upstream/backend.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { PrimitiveRef } from '../identity/authorization.ts';
import type { ApprovalBinding } from '../bridge/approval-round.ts';
import { forwardInteractive, type BridgeContext } from '../bridge/interactive-call.ts';
import { forwardToBackend, upstreamParams } from '../forward/forward.ts';
import type { ResourceSubscriptions } from './resource-subscriptions.ts';

type Result = Record<string, unknown>;

/** What the forward step needs from the gateway. */
interface ForwardingContext {
  bridge: BridgeContext;
  logger: Logger;
  subscriptions: ResourceSubscriptions;
}

/** A 2026-07-28 tools/call that an approval may hold: the params to forward and what its sealed state binds. */
export interface HeldForApproval {
  params: Record<string, unknown>;
  binding: ApprovalBinding;
}

/** A target as resolution found it: what policies and audit see, what authorization checks, what goes upstream. */
interface ResolvedTarget {
  target: ExchangeTarget & { name: string };
  /** What identity's rules are asked about: a completion is checked as its prompt or its resource template. */
  access: PrimitiveRef;
  /** The name or URI the client used (sealed states and errors speak the client's names). */
  clientName: string;
  /** The params as the backend receives them (names mapped back, per-hop `_meta` removed). */
  params: Record<string, unknown>;
  headers?: Record<string, string>;
}

export interface TargetedMethod {
  /** A refused tools/call is an `isError` result the agent reads; other methods get a JSON-RPC error. */
  isToolCall: boolean;
  /** Finds the target on the endpoint's view, or throws the method's own "not found" error. Pure over the view. */
  resolve(exchange: Exchange, params: Record<string, unknown>, view: CatalogView): ResolvedTarget;
  forward(context: ForwardingContext, exchange: Exchange, resolved: ResolvedTarget, backend: Backend): Result | Promise<Result>;
}

/** The steps runTargetedCall takes from the router, which owns the catalog, identity's rules and the policy set. */
export interface TargetedPipeline {
  context: ForwardingContext;
  view(exchange: Exchange): CatalogView;
  backend(name: string): Backend | undefined;
  /** Throws the AuthError (403 with the scopes to step up to) when the caller may not use the target. */
  authorize(exchange: Exchange, access: PrimitiveRef): void;
  /** Runs the request hooks, `call` when they allow, then the response hooks. */
  policed(exchange: Exchange, isToolCall: boolean, call: () => Result | Promise<Result>, held?: HeldForApproval): Result | Promise<Result>;
}

export function runTargetedCall(pipeline: TargetedPipeline, exchange: Exchange, method: TargetedMethod, params: Record<string, unknown>): Result | Promise<Result> {
  const resolved = method.resolve(exchange, params, pipeline.view(exchange));
  exchange.target = resolved.target;
  pipeline.authorize(exchange, resolved.access);
  const backend = pipeline.backend(resolved.target.backend);
  if (backend === undefined) throw rpcErrors.invalidParams(`backend "${resolved.target.backend}" is no longer configured on this gateway; list again for the current names`);
  const held = method.isToolCall && exchange.client.era === 'modern' ? heldFor(exchange, resolved) : undefined;
  return pipeline.policed(exchange, method.isToolCall, () => method.forward(pipeline.context, exchange, resolved, backend), held);
}

function heldFor(exchange: Exchange, resolved: ResolvedTarget): HeldForApproval {
  const { target, params, clientName } = resolved;
  return { params, binding: { endpoint: exchange.endpointBackend ?? '', backend: target.backend, method: exchange.message.method, target: clientName } };
}

// --- resolution

function unknownName(kind: 'tool' | 'prompt', name: string, listMethod: string): GatewayRpcError {
  return rpcErrors.invalidParams(`Unknown ${kind} "${name}": it is not in this endpoint's catalog; call ${listMethod} for the current names`);
}

/** The backend answering for a URI: on a per-backend endpoint always that backend (its resources need not be listed), else the catalog's owner. */
function resourceOwner(exchange: Exchange, view: CatalogView, uri: string): string | undefined {
  return exchange.endpointBackend ?? findResourceOwner(view, uri);
}

function requireUri(method: string, params: Record<string, unknown>): string {
  const uri = params.uri;
  if (typeof uri !== 'string') throw rpcErrors.invalidParams(`${method} needs "uri", a URI from resources/list or a resource template`);
  return uri;
}

function resourceTarget(exchange: Exchange, view: CatalogView, uri: string, notFound: () => GatewayRpcError, params: Record<string, unknown>): ResolvedTarget {
  const backend = resourceOwner(exchange, view, uri);
  if (backend === undefined) throw notFound();
  // A URI the view shows in place of the backend's (app-ui.ts): policies, rules and the backend see the backend's own.
  const upstreamUri = exchange.endpointBackend === undefined ? view.upstreamUris.get(uri) ?? upstreamUiUri(backend, uri) : undefined;
  if (upstreamUri === undefined) return { target: { backend, kind: 'resource', name: uri }, access: { backend, kind: 'resource', name: uri }, clientName: uri, params: upstreamParams(params) };
  return { target: { backend, kind: 'resource', name: upstreamUri }, access: { backend, kind: 'resource', name: upstreamUri }, clientName: uri, params: { ...upstreamParams(params), uri: upstreamUri } };
}

function resolveTool(_exchange: Exchange, params: Record<string, unknown>, view: CatalogView): ResolvedTarget {
  const name = params.name;
  if (typeof name !== 'string') throw rpcErrors.invalidParams('tools/call needs "name", the tool name from tools/list');
  const entry = view.toolsByName.get(name);
  if (entry === undefined) throw unknownName('tool', name, 'tools/list');
  let headers: Record<string, string> | undefined;
  for (const parameter of entry.headerParameters) {
    const text = headerArgumentText(readHeaderArgument(params.arguments, parameter.path));
    if (text !== undefined) (headers ??= {})[`Mcp-Param-${parameter.header}`] = encodeHeaderValue(text);
  }
  const resolved: ResolvedTarget = {
    target: { backend: entry.backend, kind: 'tool', name: entry.name },
    access: { backend: entry.backend, kind: 'tool', name: entry.name },
    clientName: name,
    params: upstreamParams(params, { field: 'name', value: entry.name }),
  };
  if (headers !== undefined) resolved.headers = headers;
  return resolved;
}

function resolvePrompt(_exchange: Exchange, params: Record<string, unknown>, view: CatalogView): ResolvedTarget {
  const name = params.name;
  if (typeof name !== 'string') throw rpcErrors.invalidParams('prompts/get needs "name", the prompt name from prompts/list');
  const entry = view.promptsByName.get(name);
  if (entry === undefined) throw unknownName('prompt', name, 'prompts/list');
  return {
    target: { backend: entry.backend, kind: 'prompt', name: entry.name },
    access: { backend: entry.backend, kind: 'prompt', name: entry.name },
    clientName: name,
    params: upstreamParams(params, { field: 'name', value: entry.name }),
  };
}

function resolveRead(exchange: Exchange, params: Record<string, unknown>, view: CatalogView): ResolvedTarget {
  const uri = requireUri('resources/read', params);
  return resourceTarget(exchange, view, uri, () => new GatewayRpcError(exchange.client.codec.resourceNotFoundCode,
    `Resource not found: no backend serves "${uri}"; call resources/list or resources/templates/list for the URIs this gateway offers`,
    { data: { uri } }), params);
}

function resolveCompletion(exchange: Exchange, params: Record<string, unknown>, view: CatalogView): ResolvedTarget {
  const ref = params.ref as Record<string, unknown> | undefined;
  if (typeof ref !== 'object' || ref === null) throw rpcErrors.invalidParams('completion/complete needs "ref" (ref/prompt with a name, or ref/resource with a uri)');
  if (ref.type === 'ref/prompt' && typeof ref.name === 'string') {
    // Completion is a hint, so a prompt named without its namespace is accepted when exactly one backend has it.
    const byOriginal = view.promptsByOriginalName.get(ref.name);
    const entry = view.promptsByName.get(ref.name) ?? (byOriginal?.length === 1 ? byOriginal[0] : undefined);
    if (entry === undefined) throw unknownName('prompt', ref.name, 'prompts/list');
    return {
      target: { backend: entry.backend, kind: 'completion', name: entry.name },
      access: { backend: entry.backend, kind: 'prompt', name: entry.name },
      clientName: ref.name,
      params: { ...upstreamParams(params), ref: { ...ref, name: entry.name } },
    };
  }
  if (ref.type === 'ref/resource' && typeof ref.uri === 'string') {
    const template = ref.uri;
    const backend = view.templateOwners.get(template) ?? findResourceOwner(view, template);
    if (backend === undefined) throw rpcErrors.invalidParams(`no backend offers the resource template "${template}"; see resources/templates/list`);
    return { target: { backend, kind: 'completion', name: template }, access: { backend, kind: 'resource', name: template }, clientName: template, params: upstreamParams(params) };
  }
  throw rpcErrors.invalidParams('completion/complete "ref" must be {type:"ref/prompt", name} or {type:"ref/resource", uri}');
}

/** 2025 sessions subscribe with resources/subscribe; a 2026-07-28 listen stream's resourceSubscriptions come here as its subscriber. */
function resolveSubscription(method: 'resources/subscribe' | 'resources/unsubscribe') {
  return (exchange: Exchange, params: Record<string, unknown>, view: CatalogView): ResolvedTarget => {
    const uri = requireUri(method, params);
    if (subscriberOf(exchange) === undefined) throw rpcErrors.methodNotFound(method);
    return resourceTarget(exchange, view, uri, () => rpcErrors.invalidParams(`no backend serves "${uri}"; see resources/list and resources/templates/list`), params);
  };
}

/** Where resource updates for this exchange go: its 2026 listen stream, or its 2025 session's GET stream. */
function subscriberOf(exchange: Exchange): string | undefined {
  if (exchange.subscriber !== undefined) return exchange.subscriber;
  return exchange.session === undefined ? undefined : sessionSubscriber(exchange.session.id);
}

/** The subscriber id of a 2025 session (its updates go to the session's GET stream). */
export function sessionSubscriber(sessionId: string): string {
  return `session:${sessionId}`;
}

// --- the table

const interactive = (method: string): TargetedMethod['forward'] => (context, exchange, resolved, backend) =>
  forwardInteractive(context.bridge, exchange, backend, method, resolved.params, resolved.clientName, { logger: context.logger });

export const TARGETED_METHODS: ReadonlyMap<string, TargetedMethod> = new Map<string, TargetedMethod>([
  ['tools/call', {
    isToolCall: true,
    resolve: resolveTool,
    forward: (context, exchange, resolved, backend) => {
      const options = resolved.headers === undefined ? { isToolCall: true, logger: context.logger } : { isToolCall: true, headers: resolved.headers, logger: context.logger };
      return forwardInteractive(context.bridge, exchange, backend, 'tools/call', resolved.params, resolved.clientName, options);
    },
  }],
  ['prompts/get', { isToolCall: false, resolve: resolvePrompt, forward: interactive('prompts/get') }],
  ['resources/read', {
    isToolCall: false,
    resolve: resolveRead,
    forward: async (context, exchange, resolved, backend) => {
      const result = await interactive('resources/read')(context, exchange, resolved, backend);
      const upstreamUri = resolved.params.uri as string;
      return upstreamUri === resolved.clientName ? result : withClientUri(result, upstreamUri, resolved.clientName);
    },
  }],
  ['completion/complete', {
    isToolCall: false,
    resolve: resolveCompletion,
    forward: (context, exchange, resolved, backend) => forwardToBackend(exchange, backend, 'completion/complete', resolved.params, { logger: context.logger }),
  }],
  ['resources/subscribe', {
    isToolCall: false,
    resolve: resolveSubscription('resources/subscribe'),
    // One backend subscription per URI, shared by every subscriber that asks (resource-subscriptions.ts).
    forward: async (context, exchange, resolved, backend) => {
      await context.subscriptions.subscribe(subscriberOf(exchange)!, resolved.target.name, backend, resolved.clientName);
      return {};
    },
  }],
  ['resources/unsubscribe', {
    isToolCall: false,
    resolve: resolveSubscription('resources/unsubscribe'),
    forward: (context, exchange, resolved) => {
      context.subscriptions.unsubscribe(subscriberOf(exchange)!, resolved.target.name, resolved.target.backend);
      return {};
    },
  }],
]);
