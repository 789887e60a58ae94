// Serves a web-standard MCP handler (the CRM's, or a test's own) on plain
// node:http on the MCP path only (node-http-bridge.ts). The CRM's own process
// listens through the kit instead (main.ts). On a loopback bind it checks Host and Origin first,
// the DNS-rebinding guard the transport spec asks of local servers
// (basic/transports, "Security Warning").

import {
  hostHeaderValidationResponse,
  localhostAllowedHostnames,
  localhostAllowedOrigins,
  originValidationResponse,
} from '@modelcontextprotocol/server';

import { fetchListener, type HttpServeOptions, isLoopbackHost, listenOnMcpPath, type RunningHttpServer } from './node-http-bridge.ts';
import type { WebMcpHandler } from './server.ts';

export type { HttpServeOptions, RunningHttpServer } from './node-http-bridge.ts';

export async function serveOverHttp(handler: WebMcpHandler, options: HttpServeOptions): Promise<RunningHttpServer> {
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
