// The one check every admin API route passes (everything under /admin/ on
// the admin listener): a verified bearer token whose admin roles grant the
// permission the route needs (admin-permissions.ts; the admin scope grants
// them all). The web console presents its session's token through its cookie
// instead: console-session.ts wraps `authenticate`, and checks CSRF before
// this runs. admin-server.ts runs it before any /admin/ route; route
// handlers call withAdmin for the caller they act as. Probes (/healthz,
// /readyz, /metrics) are outside it by design: they carry no tokens.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { hasScope, type Caller } from '../identity/caller.ts';
import { writeJson } from '../transport/http-io.ts';
import type { AuditTrail } from '../audit/trail.ts';
import { recordAdminRefusal } from './admin-audit.ts';
import { permissionsOf, requiredPermission, roleScopesOf, scopesGranting, type AdminRole } from './admin-permissions.ts';
import type { TenantDirectory } from '../tenancy/tenant-directory.ts';

/** The scope admin routes need unless configured otherwise (the demo admin agent holds it). */
const ADMIN_SCOPE = 'gatehouse.admin';

/** The path prefix of the admin API; every route below it is guarded. */
const ADMIN_API_PREFIX = '/admin';

export interface AdminAuthentication {
  /** The verified caller of an admin request (identity's token verifier over the Authorization header); `undefined` without a valid token. */
  authenticate(request: IncomingMessage): Promise<Caller | undefined>;
  /** Default `gatehouse.admin`. */
  adminScope?: string;
  /** The scopes of the narrower admin roles; default `gatehouse.approver`, `gatehouse.auditor`, `gatehouse.reviewer` (admin-permissions.ts). */
  roleScopes?: Partial<Record<Exclude<AdminRole, 'admin'>, string>>;
  /**
   * False when the gateway runs with authentication off (allow_anonymous):
   * no caller can hold the admin scope, so the admin API fails closed. Default true.
   */
  isAuthenticationOn?: boolean;
  /** Where refused admin requests (auth_failure) and admin changes (admin-audit.ts) are recorded. */
  audit?: AuditTrail | undefined;
  /** The gateway's tenants: each route narrows what an admin sees with tenant-scope.ts. Absent: every admin sees everything. */
  tenants?: TenantDirectory | undefined;
}

/** Why an admin request was refused; the `code` of the JSON answer. */
type AdminRefusalCode = 'admin_token_required' | 'invalid_token' | 'insufficient_scope' | 'admin_requires_authentication';

type AdminDecision =
  | { isAllowed: true; caller: Caller }
  | { isAllowed: false; status: 401 | 403; code: AdminRefusalCode; message: string; headers: Record<string, string>; caller?: Caller };

/** Whether `path` belongs to the admin API (and so needs an admin role). */
export function isAdminApiPath(path: string): boolean {
  return path === ADMIN_API_PREFIX || path.startsWith(`${ADMIN_API_PREFIX}/`);
}

/** Decides whether `request` may use the admin API. Pure apart from the token check `authenticate` makes. */
async function checkAdmin(options: AdminAuthentication, request: IncomingMessage): Promise<AdminDecision> {
  const scope = options.adminScope ?? ADMIN_SCOPE;
  if (options.isAuthenticationOn === false) {
    return refusal(403, 'admin_requires_authentication', 'the admin API needs authentication, and this gateway runs with it off (allow_anonymous), so no caller can hold the admin scope; start it with authentication on', {});
  }
  const caller = await options.authenticate(request);
  if (caller === undefined) {
    // RFC 6750 section 3.1: no error code when the request simply had no credentials.
    if (request.headers.authorization === undefined) {
      return refusal(401, 'admin_token_required', `an admin token is required: send Authorization: Bearer <token> with the scope ${scope}`, { 'www-authenticate': `Bearer scope="${scope}"` });
    }
    return refusal(401, 'invalid_token', 'the bearer token is missing, malformed, expired or not issued for this gateway; get a new token with the admin scope', {
      'www-authenticate': `Bearer error="invalid_token", scope="${scope}"`,
    });
  }
  if (caller.isAnonymous) {
    return refusal(403, 'admin_requires_authentication', 'admin endpoints need an authenticated caller with the admin scope, even when the gateway allows anonymous agents', {});
  }
  const roleScopes = roleScopesOf(options);
  const method = request.method ?? 'GET';
  const path = new URL(request.url ?? '/', 'http://admin.invalid').pathname;
  const permission = requiredPermission(method, path);
  const isAllowed = permission === undefined ? hasScope(caller, scope) : permissionsOf(caller, roleScopes).includes(permission);
  if (!isAllowed) {
    const granting = scopesGranting(permission, roleScopes);
    const needed = granting[0]!;
    const what = permission === undefined ? 'this admin endpoint' : `${method} ${path} (permission ${permission})`;
    const alternatives = granting.length === 1 ? `the scope ${needed} is required` : `one of the scopes ${granting.join(', ')} is required`;
    return { ...refusal(403, 'insufficient_scope', `${alternatives} for ${what}; request a token that carries it`, {
      // As on the MCP endpoints (identity/challenge.ts): the scopes held plus the narrowest one that grants it, so a step-up keeps them.
      'www-authenticate': `Bearer error="insufficient_scope", scope="${[...new Set([...caller.grantedScopes, needed])].join(' ')}"`,
    }), caller };
  }
  return { isAllowed: true, caller };
}

/** Runs `handle` for a caller whose roles grant the route's permission; 401 or 403 otherwise, 500 on a failure (never an unhandled rejection). */
export async function withAdmin(
  options: AdminAuthentication,
  request: IncomingMessage,
  response: ServerResponse,
  handle: (caller: Caller) => Promise<void> | void,
): Promise<void> {
  try {
    const decision = await checkAdmin(options, request);
    if (!decision.isAllowed) {
      await recordAdminRefusal(options, request, decision.caller, decision.code, decision.message);
      return writeJson(response, decision.status, { error: decision.message, code: decision.code }, decision.headers);
    }
    await handle(decision.caller);
  } catch (error) {
    if (!response.headersSent) writeJson(response, 500, { error: `the admin request failed: ${error instanceof Error ? error.message : String(error)}` });
    else response.end();
  }
}

function refusal(status: 401 | 403, code: AdminRefusalCode, message: string, headers: Record<string, string>): AdminDecision {
  return { isAllowed: false, status, code, message, headers };
}
