// Serves one stateless 2026-07-28 POST. Header checks and routing decisions
// that the headers alone settle (version, method, the named tool) happen
// before the body is parsed; then the body is checked against the headers.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { classifyMessage, type JsonRpcId } from '../../protocol/jsonrpc.ts';
import { GatewayRpcError, RPC, rpcErrors } from '../../protocol/errors.ts';
import type { Catalog } from '../../catalog/catalog.ts';
import type { TenantDirectory } from '../../tenancy/tenant-directory.ts';
import { requestTenantOf } from '../../tenancy/request-tenant.ts';
import { dispatchRequest, openExchange, toRpcError, type DispatchContext } from '../dispatch.ts';
import { refuse, writeRpcError, writeStatus } from '../http-io.ts';
import { ListenStreams, readListenFilter } from './listen-streams.ts';
import type { ResourceSubscriptions } from '../../router/resource-subscriptions.ts';
import type { ClientDescription } from '../../exchange/exchange.ts';
import type { JsonRpcRequest } from '../../protocol/jsonrpc.ts';
import type { Caller } from '../../identity/caller.ts';
import type { HeldCallForwarding } from '../../cluster/held-call-forwarding.ts';
import { LEGACY_ONLY_METHODS, checkModernHeaders, checkParameterHeaders, decodedMcpName, readModernRequest } from './modern-codec.ts';

export interface ModernHandlerContext extends DispatchContext {
  catalog: Catalog;
  listens: ListenStreams;
  subscriptions: ResourceSubscriptions;
  /** With shared sessions: sends a retry of a call held by another replica to that replica. */
  heldCallForwarding?: HeldCallForwarding;
  /** The gateway's tenants: a tenant's request is checked against its own view (docs/tenants.md). */
  tenants?: TenantDirectory;
}

/** The catalog view a request's header checks see: its tenant's on `/mcp`, as the router's. */
function viewFor(context: ModernHandlerContext, request: IncomingMessage, endpointBackend: string | undefined) {
  const tenant = requestTenantOf(request);
  if (context.tenants === undefined || tenant === undefined || endpointBackend !== undefined) return context.catalog.view(endpointBackend);
  return context.catalog.tenantView(tenant, context.tenants.backendsOf(tenant));
}

const LISTEN_METHOD = 'subscriptions/listen';

/**
 * Opens a subscriptions/listen stream, subscribes the resources it names, then
 * acknowledges what it honors. Each URI is a resources/subscribe through the
 * router's one path for targeted methods (scope check and policies on its
 * backend); one refused is left out of the acknowledgment, as one no backend serves.
 */
async function openListen(context: ModernHandlerContext, response: ServerResponse, request: JsonRpcRequest, client: ClientDescription, endpointBackend: string | undefined, caller: Caller): Promise<void> {
  const filter = readListenFilter(request.params);
  const subscriber = context.listens.open(response, request.id, endpointBackend, filter, (closed) => context.subscriptions.releaseAll(closed));
  const honored: string[] = [];
  for (const uri of filter.resourceSubscriptions) {
    const message: JsonRpcRequest = { jsonrpc: '2.0', id: request.id, method: 'resources/subscribe', params: { uri } };
    const { exchange } = openExchange(message, client, caller, endpointBackend, undefined, response, { isCancelledByDisconnect: false, tracing: context.tracing });
    try {
      await context.router.handle({ ...exchange, subscriber }, message.method, message.params);
      honored.push(uri);
      exchange.trace.end('success');
    } catch (error) {
      exchange.trace.end('error');
      context.logger.info({ uri, err: error }, 'not honoring a resource subscription');
    }
  }
  const followers = await followTasks(context, response, request, client, endpointBackend, caller, subscriber, filter.taskIds);
  // The client may have left while we subscribed; what was taken on its behalf is given back.
  if (!context.listens.isOpen(subscriber)) return context.subscriptions.releaseAll(subscriber);
  context.listens.acknowledge(subscriber, { ...filter, resourceSubscriptions: honored, taskIds: [...followers.keys()] });
  for (const start of followers.values()) start();
}

/** The listen's taskIds the caller owns: each followed (tasks/task-relay.ts) once the stream is acknowledged, until it closes. */
async function followTasks(context: ModernHandlerContext, response: ServerResponse, request: JsonRpcRequest, client: ClientDescription, endpointBackend: string | undefined, caller: Caller, subscriber: string, taskIds: string[]): Promise<Map<string, () => void>> {
  const followers = new Map<string, () => void>();
  const tasks = context.router.tasks;
  if (tasks === undefined || taskIds.length === 0) return followers;
  const closed = new AbortController();
  response.once('close', () => closed.abort());
  const message: JsonRpcRequest = { jsonrpc: '2.0', id: request.id, method: 'tasks/get', params: {} };
  const { exchange } = openExchange(message, client, caller, endpointBackend, undefined, response, { isCancelledByDisconnect: false, tracing: context.tracing });
  const emit = (task: Record<string, unknown>) => context.listens.send(subscriber, { jsonrpc: '2.0', method: 'notifications/tasks', params: task });
  for (const taskId of taskIds) {
    const start = await tasks.watch(exchange, taskId, emit, closed.signal);
    if (start !== undefined) followers.set(taskId, start);
  }
  exchange.trace.end('success');
  return followers;
}

function isNotificationBody(body: Buffer): boolean {
  try {
    const value = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    return typeof value === 'object' && value !== null && typeof value.method === 'string' && !('id' in value);
  } catch {
    return false;
  }
}

/**
 * A refusal decided from the headers alone (an unknown method, an unknown
 * tool) is only right when the body says the same: a header that disagrees
 * with its body is a HeaderMismatch (400, -32020) whatever it names
 * (basic/transports, "Server Validation"; SEP-2243). Only this refusal path
 * reads the body early; accepted requests are still routed on headers first.
 */
function mismatchBeforeRefusal(error: unknown, headers: IncomingMessage['headers'], body: Buffer): unknown {
  if (!(error instanceof GatewayRpcError) || (error.code !== RPC.methodNotFound && error.code !== RPC.invalidParams)) return error;
  let message: { method?: unknown; params?: { name?: unknown } };
  try {
    message = JSON.parse(body.toString('utf8')) as typeof message;
  } catch {
    return error;
  }
  if (typeof message !== 'object' || message === null) return error;
  const method = headers['mcp-method'];
  if (typeof message.method === 'string' && message.method !== method) {
    return rpcErrors.headerMismatch(`Mcp-Method header value '${String(method)}' does not match body value '${message.method}'`);
  }
  if (message.method === 'tools/call') {
    const name = decodedMcpName(headers);
    if (name !== undefined && message.params?.name !== name) {
      return rpcErrors.headerMismatch(`Mcp-Name header value '${name}' does not match body value '${String(message.params?.name)}'`);
    }
  }
  return error;
}

/** Best-effort id for an error decided before (or without) a valid parse. */
function idOf(body: Buffer): JsonRpcId | null {
  try {
    const value = JSON.parse(body.toString('utf8')) as { id?: unknown };
    return typeof value.id === 'string' || typeof value.id === 'number' ? value.id : null;
  } catch {
    return null;
  }
}

export function handleModernPost(context: ModernHandlerContext, request: IncomingMessage, response: ServerResponse, body: Buffer, endpointBackend: string | undefined, caller: Caller): void | Promise<void> {
  let version: string;
  let method: string;
  // 2026-07-28 defines no header rules for notification POSTs (the SDK's stdio-style cancel of a listen stream is one).
  if (request.headers['mcp-method'] === undefined && isNotificationBody(body)) return writeStatus(response, 202);
  try {
    ({ version, method } = checkModernHeaders(request.headers));
    if (LEGACY_ONLY_METHODS.has(method) || (method !== LISTEN_METHOD && !context.router.handles(method))) {
      if (!method.startsWith('notifications/')) throw rpcErrors.methodNotFound(method, 404);
    }
    if (method === 'tools/call') {
      const name = decodedMcpName(request.headers);
      if (name !== undefined && !viewFor(context, request, endpointBackend).toolsByName.has(name)) {
        throw rpcErrors.invalidParams(`Unknown tool "${name}": it is not in this endpoint's catalog; call tools/list for the current names`);
      }
    }
  } catch (error) {
    return writeRpcError(response, idOf(body), toRpcError(mismatchBeforeRefusal(error, request.headers, body), context.logger));
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    return writeRpcError(response, null, rpcErrors.parse(`the body is not valid JSON (${(error as Error).message})`));
  }
  const classified = classifyMessage(parsed);
  if (classified.kind === 'invalid') return writeRpcError(response, classified.id, rpcErrors.invalidRequest(classified.reason));
  if (classified.kind === 'response') {
    return refuse(response, 400, 'Invalid request: 2026-07-28 clients never send JSON-RPC responses; answer input requests with inputResponses on a retry');
  }
  const message = classified.message;
  const id = classified.kind === 'request' ? classified.message.id : null;
  try {
    const client = readModernRequest(request.headers, message, version, method);
    if (classified.kind === 'notification') return writeStatus(response, 202);
    if (classified.message.method === LISTEN_METHOD) return openListen(context, response, classified.message, client, endpointBackend, caller);
    if (message.method === 'tools/call') {
      const entry = viewFor(context, request, endpointBackend).toolsByName.get(message.params?.name as string);
      if (entry !== undefined && entry.headerParameters.length > 0) checkParameterHeaders(request.headers, entry.headerParameters, message.params?.arguments);
    }
    const forwarding = context.heldCallForwarding;
    const owner = forwarding?.ownerElsewhere(request, message.params?.requestState);
    if (forwarding !== undefined && owner !== undefined) {
      const request_ = classified.message;
      return forwarding.forward(owner, request, body, response).then((isForwarded) => {
        if (!isForwarded) return dispatchRequest(context, openExchange(request_, client, caller, endpointBackend, undefined, response, { isCancelledByDisconnect: true, tracing: context.tracing }));
      }, (error: unknown) => writeRpcError(response, id, toRpcError(error, context.logger)));
    }
    return dispatchRequest(context, openExchange(classified.message, client, caller, endpointBackend, undefined, response, { isCancelledByDisconnect: true, tracing: context.tracing }));
  } catch (error) {
    return writeRpcError(response, id, toRpcError(error, context.logger));
  }
}

export const modernOnlyGetOrDelete = new GatewayRpcError(
  RPC.methodNotFound,
  'Method not allowed: 2026-07-28 has no GET stream or sessions; use subscriptions/listen for change notifications',
  { httpStatus: 405 },
);
