// The transport's one call into identity: authenticate an HTTP request to an
// MCP endpoint and, when that fails, write the refusal (status, challenge,
// JSON-RPC body) itself. Also writes the 403s that later stages decide
// (insufficient scope, session mismatch), so every auth answer has one shape.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { isAuthError, type AuthError } from './auth-error.ts';
import { ANONYMOUS_CALLER, type Caller } from './caller.ts';
import { authErrorResponse } from './challenge.ts';
import { backendEndpointPath, resourceMetadataUrl } from './resource-metadata.ts';
import type { TokenVerifier } from './token-verifier.ts';

export interface HttpAuthenticationOptions {
  /** Undefined means `allow_anonymous`: every request gets ANONYMOUS_CALLER. */
  verifier: TokenVerifier | undefined;
  /** The gateway as clients reach it (resource metadata URLs are built from it). */
  publicBaseUrl: string;
  /** Scopes for the 401 challenge of an endpoint (`undefined` = `/mcp`, else the backend's name). */
  challengeScopes?: (endpointBackend: string | undefined) => readonly string[];
  /** Called for every refusal, e.g. to count it by `error.code`. */
  onRefusal?: (error: AuthError) => void;
  /**
   * Called when a request's token is refused (not for later authorization
   * refusals, which the call's own audit record holds). A returned promise
   * is awaited before the refusal is written: audit's auth_failure record is
   * durable before the answer leaves. Its rejection does not change the answer.
   */
  onAuthenticationFailure?: (error: AuthError, request: IncomingMessage, endpointBackend: string | undefined) => Promise<unknown> | void;
}

export interface HttpAuthentication {
  /**
   * The Caller of `request` to `endpointBackend`'s endpoint; on failure the
   * refusal is written to `response` and the result is undefined.
   * Synchronous on a verified-token cache hit.
   */
  authenticate(request: IncomingMessage, response: ServerResponse, endpointBackend: string | undefined): Caller | undefined | Promise<Caller | undefined>;
  /** Writes the answer for an AuthError decided later (authorization, session binding). */
  refuse(response: ServerResponse, error: AuthError, endpointBackend: string | undefined): void;
}

function tenantEndpointPath(url: string | undefined): string | undefined {
  const path = url?.split('?', 1)[0];
  return path !== undefined && path.startsWith('/t/') ? path.replace(/\/+$/, '') : undefined;
}

export function createHttpAuthentication(options: HttpAuthenticationOptions): HttpAuthentication {
  const { verifier } = options;

  function refuse(response: ServerResponse, error: AuthError, endpointBackend: string | undefined): void {
    options.onRefusal?.(error);
    // A tenant's endpoint (/t/{tenant}/...) is its own protected resource: the challenge names its metadata, whose resource is that URL.
    const endpointPath = tenantEndpointPath(response.req?.url) ?? (endpointBackend === undefined ? '/mcp' : backendEndpointPath(endpointBackend));
    const answer = authErrorResponse(error, resourceMetadataUrl(options.publicBaseUrl, endpointPath), options.challengeScopes?.(endpointBackend));
    const body = JSON.stringify(answer.body);
    if (response.headersSent) {
      response.end();
      return;
    }
    response.writeHead(answer.status, {
      ...answer.headers,
      // Browser clients must be able to read the challenge to start the OAuth flow.
      'access-control-expose-headers': 'WWW-Authenticate',
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    response.end(body);
  }

  function fail(error: unknown, request: IncomingMessage, response: ServerResponse, endpointBackend: string | undefined): undefined | Promise<undefined> {
    if (!isAuthError(error)) throw error;
    const recorded = options.onAuthenticationFailure?.(error, request, endpointBackend);
    if (recorded instanceof Promise) {
      const answer = () => refuse(response, error, endpointBackend);
      return recorded.then(answer, answer).then(() => undefined);
    }
    refuse(response, error, endpointBackend);
    return undefined;
  }

  return {
    authenticate(request, response, endpointBackend) {
      if (verifier === undefined) return ANONYMOUS_CALLER;
      let result: Caller | Promise<Caller>;
      try {
        result = verifier.authenticate(request.headers.authorization, request.socket);
      } catch (error) {
        return fail(error, request, response, endpointBackend);
      }
      if (!(result instanceof Promise)) return result;
      return result.catch((error: unknown) => fail(error, request, response, endpointBackend));
    },
    refuse,
  };
}
