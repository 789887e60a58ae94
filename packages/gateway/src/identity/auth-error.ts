// Why a request was not authenticated or not authorized, as a value with a
// stable code. The transport turns one into a 401/403 (or 400/503) with the
// matching `WWW-Authenticate` challenge (challenge.ts); audit records the code.

/** Stable codes; the HTTP status and OAuth error each maps to live in AUTH_ERROR_STATUS below. */
export type AuthErrorCode =
  | 'missing'
  | 'invalid_request'
  | 'malformed'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_audience'
  | 'wrong_issuer'
  | 'bad_signature'
  | 'alg_not_allowed'
  | 'unknown_key'
  | 'inactive'
  | 'introspection_failed'
  | 'insufficient_scope'
  | 'role_not_allowed'
  | 'user_required'
  | 'session_mismatch'
  | 'tenant_required'
  | 'tenant_unknown'
  | 'tenant_mismatch';

/** The RFC 6750 section 3.1 error each code is reported as (undefined: no `error` parameter). */
export type BearerError = 'invalid_request' | 'invalid_token' | 'insufficient_scope' | undefined;

interface StatusMapping {
  status: number;
  bearerError: BearerError;
  /** Worth retrying the same request unchanged later (the fault is not the token's). */
  isTransient: boolean;
}

const AUTH_ERROR_STATUS: Readonly<Record<AuthErrorCode, StatusMapping>> = {
  // RFC 6750 section 3.1: a request without credentials gets a challenge without an error code.
  missing: { status: 401, bearerError: undefined, isTransient: false },
  invalid_request: { status: 400, bearerError: 'invalid_request', isTransient: false },
  malformed: { status: 401, bearerError: 'invalid_token', isTransient: false },
  expired: { status: 401, bearerError: 'invalid_token', isTransient: false },
  not_yet_valid: { status: 401, bearerError: 'invalid_token', isTransient: false },
  wrong_audience: { status: 401, bearerError: 'invalid_token', isTransient: false },
  wrong_issuer: { status: 401, bearerError: 'invalid_token', isTransient: false },
  bad_signature: { status: 401, bearerError: 'invalid_token', isTransient: false },
  alg_not_allowed: { status: 401, bearerError: 'invalid_token', isTransient: false },
  unknown_key: { status: 401, bearerError: 'invalid_token', isTransient: false },
  inactive: { status: 401, bearerError: 'invalid_token', isTransient: false },
  // The authorization server could not be asked: the token may be fine, so no 401 that would
  // send the client through a pointless re-authorization (MCP authorization, Error Handling).
  introspection_failed: { status: 503, bearerError: undefined, isTransient: true },
  insufficient_scope: { status: 403, bearerError: 'insufficient_scope', isTransient: false },
  role_not_allowed: { status: 403, bearerError: 'insufficient_scope', isTransient: false },
  user_required: { status: 403, bearerError: 'insufficient_scope', isTransient: false },
  // A token that is valid but not the one that owns the session (2025 transports, session binding).
  session_mismatch: { status: 403, bearerError: undefined, isTransient: false },
  // Tenants (docs/tenants.md): a valid token used outside its tenant. Not a scope problem: no step-up helps.
  tenant_required: { status: 403, bearerError: undefined, isTransient: false },
  tenant_unknown: { status: 403, bearerError: undefined, isTransient: false },
  tenant_mismatch: { status: 403, bearerError: undefined, isTransient: false },
};

const BRAND = Symbol.for('gatehouse.AuthError');

export class AuthError extends Error {
  readonly [BRAND] = true;
  readonly code: AuthErrorCode;
  readonly status: number;
  readonly bearerError: BearerError;
  readonly isTransient: boolean;
  /** For insufficient_scope: every scope the operation needs (MCP: all of them in one challenge). */
  readonly requiredScopes: readonly string[];
  /** For insufficient_scope: the ones the caller lacks, named in the message. */
  readonly missingScopes: readonly string[];
  /** For insufficient_scope: what the caller's token carries, repeated in the challenge so a step-up keeps it. */
  readonly grantedScopes: readonly string[];

  constructor(code: AuthErrorCode, message: string, options: { requiredScopes?: readonly string[]; missingScopes?: readonly string[]; grantedScopes?: readonly string[]; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'AuthError';
    this.code = code;
    const mapping = AUTH_ERROR_STATUS[code];
    this.status = mapping.status;
    this.bearerError = mapping.bearerError;
    this.isTransient = mapping.isTransient;
    this.requiredScopes = options.requiredScopes ?? [];
    this.missingScopes = options.missingScopes ?? [];
    this.grantedScopes = options.grantedScopes ?? [];
  }
}

export function isAuthError(value: unknown): value is AuthError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}
