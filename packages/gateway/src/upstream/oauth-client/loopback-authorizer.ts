// The operator's consent for a backend, the way a native app gets it
// (RFC 8252 section 7.3): the authorization URL is shown, the operator opens
// it in a browser, and the authorization server redirects the browser back
// to a loopback port this listens on for one request. Used by
// `gatehouse backend authorize`.


import type { AddressInfo } from 'node:net';
import type { BackendAuthorizer } from './oauth-backend-credentials.ts';

// Not an ESM import of node:http, for the reason transport/mcp-http-server.ts gives.
const { createServer } = process.getBuiltinModule('node:http');

export interface LoopbackAuthorizerOptions {
  /** Shows the URL to the operator (the CLI prints it). */
  show(authorizationUrl: URL): void;
  /** How long to wait for the browser. Default 5 minutes. */
  timeoutMs?: number;
  /** Called once listening, with the port (tests that let the system choose one). */
  onListening?(port: number): void;
}

const PAGE = '<!doctype html><title>Gatehouse</title><p>The gateway received the authorization. You can close this window.</p>';

export function loopbackAuthorizer(options: LoopbackAuthorizerOptions): BackendAuthorizer {
  return ({ authorizationUrl, redirectUri }) => new Promise<URL>((resolve, reject) => {
    const redirect = new URL(redirectUri);
    const server = createServer((request, response) => {
      const received = new URL(request.url ?? '/', redirect);
      if (received.pathname !== redirect.pathname) return void response.writeHead(404).end();
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
      finish(() => resolve(received));
    });
    const timer = setTimeout(() => finish(() => reject(new Error(`no browser came back to ${redirectUri} within ${Math.round((options.timeoutMs ?? 300_000) / 1000)} s; run the command again and open the URL it prints`))), options.timeoutMs ?? 300_000);
    const finish = (settle: () => void): void => {
      clearTimeout(timer);
      server.close();
      server.closeAllConnections();
      settle();
    };
    server.on('error', (error) => finish(() => reject(new Error(`cannot listen on ${redirectUri} for the authorization redirect (${(error as NodeJS.ErrnoException).code ?? error.message}); set the backend's auth.redirect_uri to a free loopback port`))));
    server.listen(Number(redirect.port), redirect.hostname.replace(/^\[|\]$/g, ''), () => {
      options.onListening?.((server.address() as AddressInfo).port);
      options.show(authorizationUrl);
    });
  });
}
