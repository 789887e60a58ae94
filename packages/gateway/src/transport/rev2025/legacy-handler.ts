// Serves 2025-era traffic (2025-03-26 through 2025-11-25 Streamable HTTP):
// `initialize` mints a session, later requests must carry `Mcp-Session-Id`
// (400 without, 404 for an unknown or expired one, so the client
// re-initializes), GET opens the session's event stream, DELETE ends it.

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { classifyMessage, type JsonRpcRequest } from '../../protocol/jsonrpc.ts';
import { GatewayRpcError, RPC, rpcErrors } from '../../protocol/errors.ts';
import { SUPPORTED_REVISIONS, eraOf } from '../../protocol/revisions.ts';
import type { SessionStore } from '../../session/store.ts';
import type { LegacySession } from '../../session/session.ts';
import { dispatchRequest, openExchange, toRpcError, type DispatchContext, type OpenExchange } from '../dispatch.ts';
import type { ClientRequests } from './client-requests.ts';
import { SSE_HEADERS, accepts, refuse, sseFrame, writeJson, writeRpcError, writeStatus } from '../http-io.ts';
import type { EventLog } from './event-log.ts';
import { describeCaller, type Caller } from '../../identity/caller.ts';
import { requestTenantOf } from '../../tenancy/request-tenant.ts';
import { checkSessionOwner, sessionOwnerOf } from '../../identity/session-binding.ts';
import type { EventStreams } from './event-streams.ts';
import type { ReplicaMesh } from '../../cluster/replica-mesh.ts';
import type { RunningCalls } from '../../cluster/running-calls.ts';
import { LEGACY_CLIENT_CODEC, MODERN_ONLY_METHODS, legacyClient, negotiateLegacyVersion, readInitializeParams } from './legacy-codec.ts';
import { isAuditError } from '../../audit/errors.ts';
import { auditRefusal } from '../../audit/audit-refusal.ts';
import { authFailureFacts } from '../../audit/gateway-events.ts';

export interface LegacyHandlerContext extends DispatchContext {
  sessions: SessionStore;
  streams: EventStreams;
  clientRequests: ClientRequests;
  /** Requests in flight per session, so a notifications/cancelled can find its request. */
  inFlight: RunningCalls<OpenExchange>;
  /** Releases what a session held (resource subscriptions, its stream) when it ends. */
  onSessionEnd(sessionId: string): void;
  events: EventLog;
  /** With shared sessions: reaches the replica that holds a call or a pending client request. */
  mesh?: ReplicaMesh;
}

const sessionNotFound = () =>
  new GatewayRpcError(RPC.sessionNotFound, 'Session not found: it expired or was ended; send a new initialize request without Mcp-Session-Id', { httpStatus: 404 });

function tenantField(tenant: string | undefined): { tenant?: string } {
  return tenant === undefined ? {} : { tenant };
}

function sessionIdOf(request: IncomingMessage): string | undefined {
  const value = request.headers['mcp-session-id'];
  return Array.isArray(value) ? value[0] : value;
}

/** Loads the request's session, answering 400/404 itself when there is none; `undefined` means "already answered". */
async function requireSession(context: LegacyHandlerContext, request: IncomingMessage, response: ServerResponse, endpointBackend: string | undefined, caller: Caller): Promise<LegacySession | undefined> {
  const sessionId = sessionIdOf(request);
  if (sessionId === undefined) {
    refuse(response, 400, 'Bad Request: the Mcp-Session-Id header is required; initialize first (2025-x), or send 2026-07-28 request metadata (MCP-Protocol-Version, Mcp-Method, _meta)');
    return undefined;
  }
  let session: LegacySession | undefined;
  try {
    // The memory store answers synchronously; only a shared store's read is awaited.
    // Only a shared store uses the owner here (to keep the owner's session count alive); the memory store skips the digest.
    const owner = context.sessions.kind === 'redis' && context.identity.isEnforced ? sessionOwnerOf(caller) : undefined;
    const loaded = context.sessions.load(sessionId, Date.now(), owner);
    session = loaded instanceof Promise ? await loaded : loaded;
  } catch (error) {
    writeRpcError(response, null, toRpcError(error, context.logger));
    return undefined;
  }
  // A session lives on the endpoint (and tenant) that created it; elsewhere it does not exist.
  if (session === undefined || session.endpointBackend !== endpointBackend || session.tenant !== requestTenantOf(request)) {
    writeRpcError(response, null, sessionNotFound());
    return undefined;
  }
  // A session belongs to the identity that created it; another token presenting its id is refused.
  const mismatch = checkSessionOwner(session.owner, caller);
  if (mismatch !== undefined) {
    // Another identity's session id: an auth_failure naming both the caller and the session it tried.
    await context.audit?.record(authFailureFacts({ error: mismatch, request, gatewayId: context.gatewayId, endpointBackend, caller, sessionId })).catch(() => undefined);
    context.identity.authentication.refuse(response, mismatch, endpointBackend);
    return undefined;
  }
  const version = request.headers['mcp-protocol-version'];
  if (typeof version === 'string' && eraOf(version) !== 'legacy') {
    writeRpcError(response, null, rpcErrors.invalidRequest(`MCP-Protocol-Version "${version}" is not a 2025-era version this gateway speaks (${SUPPORTED_REVISIONS.join(', ')})`));
    return undefined;
  }
  return session;
}

export async function handleLegacyPost(context: LegacyHandlerContext, request: IncomingMessage, response: ServerResponse, parsed: unknown, endpointBackend: string | undefined, caller: Caller): Promise<void> {
  const classified = classifyMessage(parsed);
  if (classified.kind === 'invalid') return writeRpcError(response, classified.id, rpcErrors.invalidRequest(classified.reason));
  if (classified.kind === 'request' && classified.message.method === 'initialize') {
    return initialize(context, request, response, classified.message, endpointBackend, caller);
  }
  const session = await requireSession(context, request, response, endpointBackend, caller);
  if (session === undefined) return;
  if (classified.kind === 'notification') {
    const notification = classified.message;
    if (notification.method === 'notifications/initialized' && !session.isInitialized) {
      session.isInitialized = true;
      try {
        await context.sessions.save(session);
      } catch (error) {
        return writeRpcError(response, null, toRpcError(error, context.logger));
      }
    } else if (notification.method === 'notifications/cancelled') {
      // basic/utilities/cancellation: the request it names stops; a late or unknown one is ignored.
      const target = context.inFlight.get(session.id, notification.params?.requestId);
      const reason = typeof notification.params?.reason === 'string' ? notification.params.reason : 'cancelled by the client';
      if (target !== undefined) target.abort(reason);
      else context.mesh?.relayCancel(session.id, notification.params?.requestId, reason);
    }
    return writeStatus(response, 202);
  }
  if (classified.kind === 'response') {
    if (!context.clientRequests.resolve(session.id, classified.message)) {
      if (context.mesh !== undefined) return void (context.mesh.relayClientAnswer(session.id, classified.message), writeStatus(response, 202));
      context.logger.debug({ session: session.id, id: classified.message.id }, 'a client answered a request nobody is waiting for');
    }
    return writeStatus(response, 202);
  }
  const message = classified.message;
  try {
    if (MODERN_ONLY_METHODS.has(message.method)) throw rpcErrors.methodNotFound(message.method);
    const client = legacyClient(session.protocolVersion, session.clientInfo, session.clientCapabilities, session.logLevel);
    const open = openExchange(message, client, caller, endpointBackend, session, response, {
      isCancelledByDisconnect: false,
      tracing: context.tracing,
      openLoggedStream: () => context.events.openStream(session.id, 'call', message.id),
      // The SDKs resume only 2025-11-25 streams that start with an id-only priming event.
      isPriming: session.protocolVersion >= '2025-11-25',
      requestToClient: (stream) => (method, params, signal) => context.clientRequests.send(session.id, stream, method, params, signal),
    });
    const unfile = context.inFlight.add(session.id, message.id, open);
    try {
      await dispatchRequest(context, open);
    } finally {
      unfile();
    }
  } catch (error) {
    writeRpcError(response, message.id, toRpcError(error, context.logger));
  }
}

async function initialize(context: LegacyHandlerContext, request: IncomingMessage, response: ServerResponse, message: JsonRpcRequest, endpointBackend: string | undefined, caller: Caller): Promise<void> {
  if (sessionIdOf(request) !== undefined) {
    return writeRpcError(response, message.id, rpcErrors.invalidRequest('this session is already initialized; to start over, send initialize without Mcp-Session-Id'));
  }
  try {
    const params = readInitializeParams(message.params);
    const protocolVersion = negotiateLegacyVersion(params.protocolVersion);
    const now = Date.now();
    const session: LegacySession = {
      id: randomUUID(),
      protocolVersion,
      clientInfo: params.clientInfo,
      clientCapabilities: params.capabilities,
      endpointBackend,
      ...tenantField(requestTenantOf(request)),
      ...(context.identity.isEnforced ? { owner: sessionOwnerOf(caller) } : {}),
      ...(caller.isAnonymous ? {} : { subject: describeCaller(caller).identity, agent: caller.agent }),
      isInitialized: false,
      createdAt: now,
      lastSeenAt: now,
    };
    const created = context.sessions.create(session);
    if (created instanceof Promise) await created;
    try {
      await context.audit?.sessions.started({ sessionId: session.id, endpointBackend, protocolVersion, clientInfo: params.clientInfo, caller, request });
    } catch (error) {
      // Fail-closed audit: a session whose start is not on record does not exist.
      await context.sessions.delete(session.id);
      throw error;
    }
    context.metrics.sessionOpened(session.id);
    const result: Record<string, unknown> = {
      protocolVersion,
      capabilities: context.router.capabilities(endpointBackend, LEGACY_CLIENT_CODEC),
      serverInfo: context.serverInfo,
    };
    const instructions = context.router.instructions(endpointBackend, requestTenantOf(request));
    if (instructions !== undefined) result.instructions = instructions;
    writeJson(response, 200, { jsonrpc: '2.0', id: message.id, result }, { 'mcp-session-id': session.id });
  } catch (error) {
    writeRpcError(response, message.id, isAuditError(error) ? auditRefusal(error, 'nothing', 'this session change') : toRpcError(error, context.logger));
  }
}

export async function handleLegacyGet(context: LegacyHandlerContext, request: IncomingMessage, response: ServerResponse, endpointBackend: string | undefined, caller: Caller): Promise<void> {
  if (!accepts(request.headers.accept, 'text/event-stream')) {
    return refuse(response, 406, 'Not Acceptable: the GET stream needs Accept: text/event-stream');
  }
  const session = await requireSession(context, request, response, endpointBackend, caller);
  if (session === undefined) return;
  const lastEventId = request.headers['last-event-id'];
  const resumed = typeof lastEventId === 'string' ? await context.events.find(session.id, lastEventId) : undefined;
  if (typeof lastEventId === 'string' && resumed === undefined) return answerUnservableResume(context.events, session.id, lastEventId, response);
  if (resumed !== undefined && resumed.stream.id.startsWith('c')) {
    // Resuming a POST call's stream: replay what it missed on that stream only, then keep it coming here.
    response.writeHead(200, SSE_HEADERS);
    response.flushHeaders();
    return resumed.stream.attach(response, resumed.afterNumber);
  }
  if (context.streams.isListening(session.id)) return refuse(response, 409, 'Conflict: this session already has an open GET stream; only one is allowed');
  context.streams.open(session.id, endpointBackend, response, resumed === undefined ? undefined : { logged: resumed.stream, afterNumber: resumed.afterNumber });
}

/**
 * A `Last-Event-ID` this gateway cannot resume from: malformed, another
 * session's, or naming a stream whose events are gone (expired, dropped to
 * make room, or kept by a process that stopped). Replay is optional, and
 * another stream's messages must never be replayed (2025-11-25 transports,
 * "Resumability and Redelivery"); what the client must not get is a stream
 * that waits forever for a result that will never come. When the log still
 * remembers which call the stream answered, that call is ended with an error
 * on the stream; otherwise the GET is refused with 400 and a JSON-RPC error
 * without id, as "Sending Messages to the Server" does for input a server
 * cannot accept. Not 404: that status means the session ended, and the
 * client would re-initialize ("Session Management").
 */
function answerUnservableResume(events: EventLog, sessionId: string, lastEventId: string, response: ServerResponse): void {
  const requestId = events.droppedCall?.(sessionId, lastEventId);
  if (requestId !== undefined) {
    const error = {
      code: RPC.internalError,
      message: `The gateway no longer holds the result of this call (its stream ${JSON.stringify(lastEventId.split(':')[0])} was dropped to make room for newer ones), so whether the call took effect is unknown. Send it again if repeating it is safe`,
      data: { reason: 'result_not_held', lastEventId },
    };
    response.writeHead(200, SSE_HEADERS);
    return void response.end(sseFrame({ jsonrpc: '2.0', id: requestId, error }));
  }
  writeRpcError(response, null, new GatewayRpcError(
    RPC.invalidRequest,
    `Bad Request: Last-Event-ID ${JSON.stringify(lastEventId)} names no stream this gateway holds for this session (unknown, another session's, or its events expired), so nothing can be replayed. A call whose result you were waiting for on it has an unknown outcome: send it again if repeating it is safe. To listen for notifications, send the GET without Last-Event-ID`,
    { httpStatus: 400, data: { reason: 'unknown_last_event_id', lastEventId } },
  ));
}

export async function handleLegacyDelete(context: LegacyHandlerContext, request: IncomingMessage, response: ServerResponse, endpointBackend: string | undefined, caller: Caller): Promise<void> {
  const session = await requireSession(context, request, response, endpointBackend, caller);
  if (session === undefined) return;
  try {
    await context.audit?.sessions.deleted(session.id, endpointBackend, caller, request);
  } catch (error) {
    if (!isAuditError(error)) throw error;
    return writeRpcError(response, null, auditRefusal(error, 'nothing', 'this session change'));
  }
  await context.sessions.delete(session.id);
  context.onSessionEnd(session.id);
  writeStatus(response, 200);
}
