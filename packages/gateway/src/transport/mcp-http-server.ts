// The client-facing HTTP server: which path goes where. The MCP endpoints
// (`/mcp`, `/servers/{name}/mcp`, and both under a tenant's `/t/{tenant}/`
// prefix) go to the endpoint handler; the identity's metadata documents
// (RFC 9728 and the embedded provider's) are answered from memory; anything
// else is a 404 naming the endpoints. A request that arrives while the
// gateway is still assembling is told to retry, and a draining gateway
// refuses new work (request-drain.ts).

import type { Server } from 'node:http';

import type { Logger } from '../telemetry/logger.ts';
import { splitTenantPath } from '../tenancy/request-tenant.ts';
import { endpointOf, handleMcpRequest, type McpEndpointContext } from './mcp-endpoint.ts';
import { refuse } from './http-io.ts';
import type { RequestDrain } from './request-drain.ts';

// Not an ESM import: Node builds node:http's ESM facade by reading every export, and three are getters that load
// its bundled undici (about 28 ms of a start; docs/benchmarks.md, "Session 10").
const { createServer } = process.getBuiltinModule('node:http');

export interface McpHttpServerOptions {
  drain: RequestDrain;
  logger: Logger;
  /** The endpoint's dependencies, once the gateway has assembled them; undefined until then. */
  context: () => McpEndpointContext | undefined;
  /** Documents served from memory beside the identity's (the gateway's client metadata document); undefined when the path is not one. */
  documents?: (path: string) => { status: number; headers: Record<string, string>; body: string } | undefined;
}

export function createMcpHttpServer(options: McpHttpServerOptions): Server {
  const { drain, logger } = options;
  const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (request, response) => {
    if (!drain.admit(request, response)) return;
    const context = options.context();
    if (context === undefined) return refuse(response, 503, 'Service Unavailable: the gateway is starting; retry in a moment', -32603, { 'retry-after': '1' });
    const url = request.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    // `/t/{tenant}/mcp` and `/t/{tenant}/servers/{name}/mcp`: the endpoints under a tenant's prefix (docs/tenants.md).
    const tenantPath = splitTenantPath(path);
    const endpoint = endpointOf(tenantPath?.rest ?? path);
    if (endpoint === undefined) {
      const document = options.documents?.(path);
      if (document !== undefined) return void response.writeHead(document.status, document.headers).end(document.body);
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
  return server;
}
