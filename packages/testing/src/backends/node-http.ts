// The node:http plumbing the test backends share. Binding, the MCP path, body
// reading and the fetch adapter come from the demo CRM's node-http-bridge.ts
// (testing is dev-only and may depend on a product package; the reverse would
// ship test code). What is added here: the test backends refuse non-local
// Host and Origin headers on loopback binds before any handler runs (the
// DNS-rebinding guard of basic/transports, "Security Warning").

import type { IncomingMessage, RequestListener } from 'node:http';

import {
  type HttpServeOptions,
  isLoopbackHost,
  listenOnMcpPath,
  type RunningHttpServer,
  writeJsonRpcError,
} from '@gatehouse/demo-crm/node-http-bridge';
import {
  localhostAllowedHostnames,
  localhostAllowedOrigins,
  validateHostHeader,
  validateOriginHeader,
} from '@modelcontextprotocol/server';

export { fetchListener, isLoopbackHost, maxBodyBytes, readBody, writeJsonRpcError } from '@gatehouse/demo-crm/node-http-bridge';

export type ListenOptions = HttpServeOptions;
export type RunningBackend = RunningHttpServer;

/**
 * Listens and resolves once bound. `listener` only sees requests for `path`
 * that pass the loopback guard; `onClose` runs before the sockets are cut.
 */
export function listen(listener: RequestListener, options: ListenOptions, onClose?: () => Promise<void>): Promise<RunningBackend> {
  const guardsLocalhost = isLoopbackHost(options.host ?? '127.0.0.1');
  return listenOnMcpPath(
    (req, res) => {
      if (guardsLocalhost && !isLocalRequest(req)) {
        writeJsonRpcError(res, 403, -32000, 'Forbidden: Host and Origin must be localhost for this local server');
        return;
      }
      listener(req, res);
    },
    options,
    onClose,
  );
}

function isLocalRequest(req: IncomingMessage): boolean {
  return (
    validateHostHeader(req.headers.host, localhostAllowedHostnames()).ok &&
    validateOriginHeader(req.headers.origin, localhostAllowedOrigins()).ok
  );
}
