// Serves the demo CRM's web-standard MCP handler on plain node:http (through
// node-http-bridge.ts). On a loopback bind it checks Host and Origin first,
// the DNS-rebinding guard the transport spec asks of local servers
// (basic/transports, "Security Warning").

import {
  hostHeaderValidationResponse,
  localhostAllowedHostnames,
  localhostAllowedOrigins,
  type McpHttpHandler,
  originValidationResponse,
} from '@modelcontextprotocol/server';

import { fetchListener, type HttpServeOptions, isLoopbackHost, listenOnMcpPath, type RunningHttpServer } from './node-http-bridge.ts';

export type { HttpServeOptions, RunningHttpServer } from './node-http-bridge.ts';

export async function serveOverHttp(handler: McpHttpHandler, options: HttpServeOptions): Promise<RunningHttpServer> {
  const guardsLocalhost = isLoopbackHost(options.host ?? '127.0.0.1');
  return listenOnMcpPath(
    fetchListener(async (request) => {
      const rejected = guardsLocalhost
        ? (hostHeaderValidationResponse(request, localhostAllowedHostnames()) ??
          originValidationResponse(request, localhostAllowedOrigins()))
        : undefined;
      return rejected ?? handler.fetch(request);
    }),
    options,
    () => handler.close(),
  );
}
