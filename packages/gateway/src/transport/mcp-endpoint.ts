// The client-facing HTTP edge: `/mcp` (the federated catalog) and
// `/servers/{name}/mcp` (one backend, its own names), both serving every
// revision at once. Checks that apply to all revisions (Origin, Accept,
// Content-Type, size) happen here; then each request goes to its era's handler.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { rpcErrors } from '../protocol/errors.ts';
import { SUPPORTED_REVISIONS } from '../protocol/revisions.ts';
import { META } from '../protocol/revisions.ts';
import { noteNumberSource } from '../audit/number-source.ts';
import { BodyTooLargeError, acceptsJsonAndSse, readBody, refuse, writeRpcError } from './http-io.ts';
import type { OriginPolicy } from './origin.ts';
import { chooseRevision } from './revision-select.ts';
import { DEFAULT_MAX_JSON_DEPTH, isDeeperThan, tooDeepMessage } from './json-depth.ts';
import { handleModernPost, modernOnlyGetOrDelete, type ModernHandlerContext } from './rev2026/modern-handler.ts';
import type { Caller } from '../identity/caller.ts';
import type { AuthError } from '../identity/auth-error.ts';
import { authFailureFacts } from '../audit/gateway-events.ts';
import type { TenantDirectory } from '../tenancy/tenant-directory.ts';
import { bindTenant } from '../tenancy/tenant-binding.ts';
import { noteRequestTenant } from '../tenancy/request-tenant.ts';
import { handleLegacyDelete, handleLegacyGet, handleLegacyPost, type LegacyHandlerContext } from './rev2025/legacy-handler.ts';

export interface McpEndpointContext extends ModernHandlerContext, LegacyHandlerContext {
  origins: OriginPolicy;
  /** The gateway's tenants (docs/tenants.md); absent: no tenants, and `/t/...` paths are not served. */
  tenants?: TenantDirectory;
  maxMessageSizeBytes: number;
  /** `max_json_depth`; absent: DEFAULT_MAX_JSON_DEPTH. */
  maxJsonDepth?: number;
}

const PER_BACKEND_PATH = /^\/servers\/([^/]+)\/mcp\/?$/;

/** `undefined` for a path that is not an MCP endpoint; `null` for `/mcp`; else the backend name. */
export function endpointOf(pathname: string): string | null | undefined {
  if (pathname === '/mcp' || pathname === '/mcp/') return null;
  const match = PER_BACKEND_PATH.exec(pathname);
  return match === null ? undefined : decodeURIComponent(match[1]!);
}

/**
 * `pathTenant`: the tenant a `/t/{tenant}/...` path names. It is checked
 * against the caller's own once the token is verified (tenancy/tenant-binding.ts).
 */
export function handleMcpRequest(context: McpEndpointContext, request: IncomingMessage, response: ServerResponse, endpoint: string | null, pathTenant?: string): Promise<void> | void {
  if (!context.origins.isAllowed(request.headers.origin)) {
    return refuse(response, 403, `Forbidden: Origin "${request.headers.origin}" is not allowed (gateway.allowed_origins)`);
  }
  if (pathTenant !== undefined && context.tenants === undefined) {
    return refuse(response, 404, 'Not Found: this gateway has no tenants; the MCP endpoint is /mcp (or /servers/{name}/mcp for one backend)');
  }
  const endpointBackend = endpoint ?? undefined;
  if (endpointBackend !== undefined && !context.catalog.hasBackend(endpointBackend)) {
    return refuse(response, 404, `Not Found: no backend named "${endpointBackend}" is configured on this gateway`);
  }
  if (request.method !== 'POST' && request.method !== 'GET' && request.method !== 'DELETE') {
    return refuse(response, 405, `Method Not Allowed: ${request.method} is not used by MCP; use POST (and GET/DELETE for 2025-era sessions)`, undefined, { allow: 'GET, POST, DELETE' });
  }
  // Authentication before the body is read: a 401/403 costs no parsing (and answers with its challenge itself).
  const authenticated = context.identity.authentication.authenticate(request, response, endpointBackend);
  if (authenticated instanceof Promise) return authenticated.then((caller) => (caller === undefined ? undefined : routeForTenant(context, request, response, endpointBackend, caller, pathTenant)));
  if (authenticated === undefined) return;
  return routeForTenant(context, request, response, endpointBackend, authenticated, pathTenant);
}

/** On a gateway with tenants: the request's tenant is bound (or the request refused) before its body is read. */
function routeForTenant(context: McpEndpointContext, request: IncomingMessage, response: ServerResponse, endpointBackend: string | undefined, caller: Caller, pathTenant: string | undefined): Promise<void> | void {
  if (context.tenants === undefined) return route(context, request, response, endpointBackend, caller);
  const binding = bindTenant(context.tenants, caller, pathTenant);
  if ('error' in binding) return refuseTenant(context, request, response, endpointBackend, caller, binding.error);
  const tenant = binding.tenant!;
  // A backend outside the tenant's catalog does not exist for its callers: the same 404 as an unknown backend.
  if (endpointBackend !== undefined && !context.tenants.sees(tenant, endpointBackend)) {
    return refuse(response, 404, `Not Found: no backend named "${endpointBackend}" is in tenant "${tenant}"'s catalog`);
  }
  noteRequestTenant(request, tenant);
  return route(context, request, response, endpointBackend, caller);
}

async function refuseTenant(context: McpEndpointContext, request: IncomingMessage, response: ServerResponse, endpointBackend: string | undefined, caller: Caller, error: AuthError): Promise<void> {
  // Audited as an auth_failure naming the caller, as a session used by another identity is.
  await context.audit?.record(authFailureFacts({ error, request, gatewayId: context.gatewayId, endpointBackend, caller })).catch(() => undefined);
  context.identity.authentication.refuse(response, error, endpointBackend);
}

function route(context: McpEndpointContext, request: IncomingMessage, response: ServerResponse, endpointBackend: string | undefined, caller: Caller): Promise<void> | void {
  switch (request.method) {
    case 'POST':
      return handlePost(context, request, response, endpointBackend, caller);
    case 'GET':
      if (chooseRevision(request.headers) === 'modern') return writeRpcError(response, null, modernOnlyGetOrDelete, { allow: 'POST' });
      return handleLegacyGet(context, request, response, endpointBackend, caller);
    default:
      if (chooseRevision(request.headers) === 'modern') return writeRpcError(response, null, modernOnlyGetOrDelete, { allow: 'POST' });
      return handleLegacyDelete(context, request, response, endpointBackend, caller);
  }
}

async function handlePost(context: McpEndpointContext, request: IncomingMessage, response: ServerResponse, endpointBackend: string | undefined, caller: Caller): Promise<void> {
  if (!acceptsJsonAndSse(request.headers.accept)) {
    return refuse(response, 406, 'Not Acceptable: the Accept header must list both application/json and text/event-stream');
  }
  const contentType = request.headers['content-type'];
  if (contentType === undefined || !contentType.toLowerCase().startsWith('application/json')) {
    return refuse(response, 415, 'Unsupported Media Type: the body must be application/json');
  }
  let body: Buffer;
  try {
    body = await readBody(request, context.maxMessageSizeBytes);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return refuse(response, 413, `Payload Too Large: ${error.message}`);
    throw error;
  }
  // Before any parse: every message of both revisions, answers to server requests included, on every endpoint.
  const maxDepth = context.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH;
  if (isDeeperThan(body, maxDepth)) return refuse(response, 400, tooDeepMessage(maxDepth));
  // The audit record keeps a client's `1e400` as written, not as the Infinity JSON.parse makes of it.
  noteNumberSource(request, body);

  const choice = chooseRevision(request.headers);
  if (choice === 'modern') return handleModernPost(context, request, response, body, endpointBackend, caller);
  if (choice === 'unsupported') {
    return writeRpcError(response, null, rpcErrors.unsupportedVersion(request.headers['mcp-protocol-version'], SUPPORTED_REVISIONS));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    return writeRpcError(response, null, rpcErrors.parse(`the body is not valid JSON (${(error as Error).message})`));
  }
  if (choice === 'undecided' && carriesModernEnvelope(parsed)) {
    // A 2026 body without its mirrored headers: answer as the modern revision does.
    return handleModernPost(context, request, response, body, endpointBackend, caller);
  }
  return handleLegacyPost(context, request, response, parsed, endpointBackend, caller);
}

function carriesModernEnvelope(parsed: unknown): boolean {
  if (typeof parsed !== 'object' || parsed === null) return false;
  const params = (parsed as { params?: unknown }).params;
  if (typeof params !== 'object' || params === null) return false;
  const meta = (params as { _meta?: unknown })._meta;
  return typeof meta === 'object' && meta !== null && META.protocolVersion in meta;
}
