// The path of one resources/read (and list) through the kit: scopes, then
// per-resource authorization (an instance the caller may not see reads as
// not found), then the read, its ETag and the conditional answer, the cache
// hint, and last the audit record and metrics. Also resolves a URI to its
// definition, for subscriptions.

import {
  ProtocolError,
  ProtocolErrorCode,
  ResourceTemplate,
  UriTemplate,
  type McpServer,
  type ReadResourceResult,
  type ServerContext,
} from '@modelcontextprotocol/server';

import { callerFromAuthInfo, missingScopes, type Caller } from '../identity/caller.ts';
import { buildAuditRecord, type AuditStatus } from '../operations/audit.ts';
import { continueTrace, traceparentOf } from '../operations/trace-context.ts';
import type { KitRuntime } from '../server/runtime.ts';
import type { ResourceDefinition } from './define-resource.ts';
import { contentEtag, ETAG_META_KEY, IF_NONE_MATCH_META_KEY, isNotModified, NOT_MODIFIED_META_KEY } from './etag.ts';

function flatVariables(variables: Record<string, string | string[]> | undefined): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(variables ?? {})) flat[name] = Array.isArray(value) ? value.join('/') : value;
  return flat;
}

/** What a read throws for a URI that names nothing: the protocol's "resource not found", not a tool error. */
export function resourceNotFound(uri: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.ResourceNotFound, `Resource ${uri} not found`, { uri });
}

export function isTemplateUri(uri: string): boolean {
  return UriTemplate.isTemplate(uri);
}

/** The definition serving `uri` and the template's variables, if any definition does. */
export function resolveResource(resources: readonly ResourceDefinition[], uri: string): { definition: ResourceDefinition; variables: Record<string, string> } | undefined {
  for (const definition of resources) {
    if (!isTemplateUri(definition.uri)) {
      if (definition.uri === uri) return { definition, variables: {} };
      continue;
    }
    const match = new UriTemplate(definition.uri).match(uri);
    if (match !== null) return { definition, variables: flatVariables(match) };
  }
  return undefined;
}

/** Throws the JSON-RPC error a caller gets when it may not reach `uri`; resolves when it may. */
export async function checkResourceAccess(definition: ResourceDefinition, uri: URL, variables: Record<string, string>, caller: Caller, runtime: KitRuntime): Promise<void> {
  const missing = missingScopes(caller, definition.scopes ?? []);
  if (missing.length > 0) {
    for (const scope of missing) runtime.metrics.scopeCheckFailed(scope);
    throw new ProtocolError(ProtocolErrorCode.InvalidRequest, `Reading ${uri.href} needs the OAuth scope "${missing[0]}"; ask the user to grant it`, {
      retry: 'authorization',
      scope: missing[0],
    });
  }
  if (definition.authorize !== undefined && !(await definition.authorize({ uri, variables, caller }))) {
    throw resourceNotFound(uri.href);
  }
}

export function registerKitResource(server: McpServer, definition: ResourceDefinition, runtime: KitRuntime): void {
  const metadata = {
    ...(definition.title !== undefined && { title: definition.title }),
    ...(definition.description !== undefined && { description: definition.description }),
    ...(definition.mimeType !== undefined && { mimeType: definition.mimeType }),
    ...(definition.cache !== undefined && { cacheHint: definition.cache }),
  };
  const read = (uri: URL, variables: Record<string, string>, ctx: ServerContext) => readResource(definition, runtime, uri, variables, ctx);
  if (!isTemplateUri(definition.uri)) {
    server.registerResource(definition.name, definition.uri, metadata, (uri, ctx) => read(uri, {}, ctx));
    return;
  }
  const list = definition.list;
  const template = new ResourceTemplate(definition.uri, {
    list:
      list === undefined
        ? undefined
        : async (ctx) => {
            const caller = callerFromAuthInfo(ctx.http?.authInfo);
            if (missingScopes(caller, definition.scopes ?? []).length > 0) return { resources: [] };
            const visible = [];
            for (const resource of await list(caller)) {
              const resolved = resolveResource([definition], resource.uri);
              const isVisible = definition.authorize === undefined || (await definition.authorize({ uri: new URL(resource.uri), variables: resolved?.variables ?? {}, caller }));
              if (isVisible) visible.push({ mimeType: definition.mimeType, ...resource });
            }
            return { resources: visible };
          },
    ...(definition.complete !== undefined && { complete: definition.complete }),
  });
  server.registerResource(definition.name, template, metadata, (uri, variables, ctx) => read(uri, flatVariables(variables), ctx));
}

async function readResource(definition: ResourceDefinition, runtime: KitRuntime, uri: URL, variables: Record<string, string>, ctx: ServerContext): Promise<ReadResourceResult> {
  const startedAt = Date.now();
  const started = performance.now();
  const caller = callerFromAuthInfo(ctx.http?.authInfo);
  const trace = continueTrace(traceparentOf(ctx.mcpReq._meta, ctx.mcpReq.envelope as Record<string, unknown> | undefined));
  let status: AuditStatus = 'success';
  let error: { code: number; message: string } | undefined;
  let size = 0;
  try {
    await checkResourceAccess(definition, uri, variables, caller, runtime);
    const content = await definition.read({ uri, variables, caller, signal: ctx.mcpReq.signal });
    const etag = content.etag ?? contentEtag(content);
    if (isNotModified(ctx.mcpReq._meta?.[IF_NONE_MATCH_META_KEY], etag)) {
      return { contents: [], _meta: { [ETAG_META_KEY]: etag, [NOT_MODIFIED_META_KEY]: true } };
    }
    const mimeType = content.mimeType ?? definition.mimeType;
    const body = content.blob !== undefined ? { blob: content.blob } : { text: content.text ?? '' };
    size = Buffer.byteLength(body.blob ?? (body as { text: string }).text);
    return { contents: [{ uri: uri.href, ...(mimeType !== undefined && { mimeType }), ...body }], _meta: { [ETAG_META_KEY]: etag } };
  } catch (thrown) {
    const isProtocolError = thrown instanceof ProtocolError;
    status = isProtocolError && (thrown.data as { retry?: string } | undefined)?.retry === 'authorization' ? 'denied' : 'error';
    error = { code: isProtocolError ? thrown.code : ProtocolErrorCode.InternalError, message: isProtocolError ? thrown.message : 'internal error' };
    if (!isProtocolError) runtime.logger.error({ err: thrown, uri: uri.href, trace_id: trace.traceId }, 'resource read failed');
    throw thrown;
  } finally {
    const durationMs = performance.now() - started;
    runtime.metrics.resourceRead(uri.href, status, durationMs / 1000);
    await runtime.audit.write(
      buildAuditRecord({
        type: 'resource_read',
        startedAt,
        durationMs,
        instanceId: runtime.instanceId,
        status,
        identity: caller.subject,
        agent: caller.actor,
        sessionId: ctx.sessionId,
        traceId: trace.traceId,
        server: runtime.serverName,
        name: uri.href,
        scopeUsed: definition.scopes !== undefined && definition.scopes.length > 0 ? definition.scopes.join(' ') : undefined,
        outputSizeBytes: size,
        error,
      }),
    );
  }
}
