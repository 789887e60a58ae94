// The facts of the operations the gateway audits outside the JSON-RPC
// dispatch: refused authentication (auth_failure), 2025 sessions starting
// and ending, and what operators do through the admin API (admin_action,
// approval_decision). Pure builders of AuditFacts; the edges call
// AuditTrail.record() with them. Also who a caller is, in the record's terms.

import type { IncomingMessage } from 'node:http';
import type { Caller } from '../identity/caller.ts';
import { describeCaller } from '../identity/caller.ts';
import type { AuditFacts, OperationType, ResultStatus } from './record.ts';
import { requestTenantOf } from '../tenancy/request-tenant.ts';

type CallerFacts = NonNullable<AuditFacts['caller']>;

const MAX_HEADER_CHARS = 256;

/** The record's `caller` of a verified (or anonymous) caller, with where the request came from. */
export function auditCallerOf(caller: Caller | undefined, request: IncomingMessage | undefined, sessionId?: string, traceId?: string): CallerFacts {
  const who = caller === undefined ? undefined : describeCaller(caller);
  // The tenant the transport bound the request to, else the token's own (a refused request was never bound).
  const tenant = (request === undefined ? undefined : requestTenantOf(request)) ?? caller?.tenant;
  return {
    identity: who?.identity,
    agent: who === undefined || caller?.isAnonymous === true ? undefined : who.agent,
    sessionId,
    traceId,
    ...(tenant === undefined ? {} : { tenant }),
    ...requestOrigin(request),
  };
}

/** Client address and User-Agent of an HTTP request (the socket's peer; proxies' headers are not trusted here). */
function requestOrigin(request: IncomingMessage | undefined): { clientIp?: string; userAgent?: string } {
  if (request === undefined) return {};
  const address = request.socket?.remoteAddress;
  const agent = request.headers['user-agent'];
  return {
    ...(address === undefined ? {} : { clientIp: address.startsWith('::ffff:') ? address.slice(7) : address }),
    ...(typeof agent === 'string' && agent !== '' ? { userAgent: agent.slice(0, MAX_HEADER_CHARS) } : {}),
  };
}

export interface AuthFailureInput {
  error: { code: string; message: string };
  request: IncomingMessage;
  gatewayId: string;
  /** `undefined` for `/mcp`; a backend for `/servers/{name}/mcp`. */
  endpointBackend?: string | undefined;
  /** Known when the token verified but was refused later (session_mismatch). */
  caller?: Caller | undefined;
  /** The Mcp-Session-Id the request presented, if any. */
  sessionId?: string | undefined;
  startedAt?: number;
}

/**
 * A refused request at the edge: who (the verified caller when there is one;
 * otherwise the token's claimed subject, unverified, beside the client's
 * address and User-Agent), why (the error code), never the token itself.
 */
export function authFailureFacts(input: AuthFailureInput): AuditFacts {
  const { request } = input;
  const startedAt = input.startedAt ?? Date.now();
  const path = (request.url ?? '/').split('?', 1)[0]!;
  const claimed = input.caller === undefined ? claimedSubjectOf(request.headers.authorization) : undefined;
  return {
    type: 'auth_failure',
    startedAt,
    durationMs: Date.now() - startedAt,
    gatewayId: input.gatewayId,
    status: 'denied',
    caller: auditCallerOf(input.caller, request, input.sessionId),
    server: input.endpointBackend,
    name: path,
    arguments: { http_method: request.method ?? 'GET', ...(claimed === undefined ? {} : { claimed_subject: claimed }) },
    error: { code: input.error.code, message: input.error.message },
  };
}

/**
 * The `sub` (else `azp`/`client_id`) a JWT claims, read without verifying it:
 * it names whom a refused token pretended to be, so it is kept apart from
 * `caller.identity`, which only ever holds verified identities.
 */
export function claimedSubjectOf(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const match = /^Bearer\s+([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]*$/i.exec(authorization.trim());
  if (match === null || match[2]!.length > 8192) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(match[2]!, 'base64url').toString('utf8'));
    if (typeof claims !== 'object' || claims === null) return undefined;
    const record = claims as Record<string, unknown>;
    const subject = [record.sub, record.azp, record.client_id].find((value) => typeof value === 'string' && value !== '');
    return typeof subject === 'string' ? subject.slice(0, 200) : undefined;
  } catch {
    return undefined;
  }
}

export interface SessionEventInput {
  sessionId: string;
  gatewayId: string;
  endpointBackend: string | undefined;
  caller?: Caller | undefined;
  request?: IncomingMessage | undefined;
  /** What the caller facts were when the session started (expiry has no request to read them from). */
  callerFacts?: CallerFacts | undefined;
  startedAt?: number;
}

/** `initialize` created a 2025-era session. */
export function sessionStartFacts(input: SessionEventInput & { protocolVersion: string; clientInfo: Record<string, unknown> | undefined }): AuditFacts {
  const client = input.clientInfo;
  return sessionFacts('session_start', input, 'initialize', {
    protocol_version: input.protocolVersion,
    ...(typeof client?.name === 'string' ? { client_name: client.name } : {}),
    ...(typeof client?.version === 'string' ? { client_version: client.version } : {}),
  });
}

/** A session ended: the client sent DELETE (`deleted`), or it sat idle past its TTL (`expired`). */
export function sessionEndFacts(input: SessionEventInput & { reason: 'deleted' | 'expired'; sessionStartedAt?: number | undefined }): AuditFacts {
  const lifetime = input.sessionStartedAt === undefined ? {} : { session_seconds: Math.round((Date.now() - input.sessionStartedAt) / 1000) };
  return sessionFacts('session_end', input, input.reason, { reason: input.reason, ...lifetime });
}

function sessionFacts(type: OperationType, input: SessionEventInput, name: string, args: Record<string, unknown>): AuditFacts {
  const startedAt = input.startedAt ?? Date.now();
  const caller = input.callerFacts === undefined ? auditCallerOf(input.caller, input.request, input.sessionId) : { ...input.callerFacts, sessionId: input.sessionId };
  return {
    type,
    startedAt,
    durationMs: Date.now() - startedAt,
    gatewayId: input.gatewayId,
    status: 'success',
    caller,
    server: input.endpointBackend,
    name,
    arguments: args,
  };
}

export interface AdminActionInput {
  /** `approval_decision` for approve/deny; `admin_action` for everything else an operator changes. */
  type: 'admin_action' | 'approval_decision';
  gatewayId: string;
  caller: Caller;
  request: IncomingMessage;
  /** What was acted on: a backend name when the action concerns one. */
  server?: string | undefined;
  /** The action, e.g. `approve`, `deny`, `tool_pin.accept`. */
  name: string;
  /** What identifies the object acted on and the change (approval id, tool, hashes, reason). */
  arguments: Record<string, unknown>;
  status: ResultStatus;
  error?: { code: string | number; message: string } | undefined;
  scopeUsed?: string | undefined;
  startedAt: number;
}

/** An operator's change through the admin API, and who made it. */
export function adminActionFacts(input: AdminActionInput): AuditFacts {
  return {
    type: input.type,
    startedAt: input.startedAt,
    durationMs: Date.now() - input.startedAt,
    gatewayId: input.gatewayId,
    status: input.status,
    caller: auditCallerOf(input.caller, input.request),
    server: input.server,
    name: input.name,
    arguments: input.arguments,
    scopeUsed: input.scopeUsed,
    error: input.error,
  };
}
