// The `backends` entries of gatehouse.yaml: name rules, the `auth` forms, the
// circuit breaker / retry / health check tuning, the url-xor-command check, and
// the transform into the camelCase BackendConfig the upstream layer reads.

import { z } from 'zod';
import { ALWAYS, absentWhenNull, isMapping, wholeNumber, flag, text, stringValue, httpUrl, matching, list, mapping } from './fields.ts';
import { backendScopesSchema } from './identity-schema.ts';
import { backendRegistryShape, toBackendRegistrySpec, type BackendRegistrySpec } from './registry-schema.ts';
import { SUPPORTED_REVISIONS } from '../protocol/revisions.ts';
import { DEFAULT_CIRCUIT_BREAKER, DEFAULT_HEALTH_CHECK, DEFAULT_RETRY, type ResilienceSettings } from './resilience-settings.ts';
import { oauthAuthProblems, oauthAuthShape, toOAuthConfig, type BackendOAuthConfig } from './backend-oauth-schema.ts';

export interface HttpBackendConfig {
  kind: 'http';
  name: string;
  url: string;
  /** Pins the MCP revision spoken to this backend; undefined: the newest it offers. */
  protocolVersion?: string | undefined;
  headers: Record<string, string>;
  timeoutMs: number;
  auth: BackendAuthConfig;
  requiredScope: string | undefined;
  enabled: boolean;
  /** `lifecycle` and the registry spec keys (config/registry-schema.ts); absent: pre-approved with defaults. */
  registry?: BackendRegistrySpec;
  /** Breaker, read retries and health check (upstream/resilient-backend.ts); absent in hand-built configs: the defaults. */
  resilience?: ResilienceSettings;
}

export interface StdioBackendConfig {
  kind: 'stdio';
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string | undefined;
  /** Processes of the server run side by side (upstream/stdio-pool.ts); absent: one. */
  processes?: number;
  timeoutMs: number;
  auth: BackendAuthConfig;
  requiredScope: string | undefined;
  enabled: boolean;
  registry?: BackendRegistrySpec;
  resilience?: ResilienceSettings;
}

export type BackendConfig = HttpBackendConfig | StdioBackendConfig;

export type BackendAuthConfig =
  | { type: 'none' }
  /**
   * A credential defined outside the file, by name (docs/configuration.md); `auth:
   * service-account-salesforce`. `secret` is filled in from the environment
   * at load (config/backend-auth.ts) and never printed.
   */
  | { type: 'named'; name: string; secret?: string }
  | { type: 'static_header'; header: string; value: string }
  | { type: 'oauth_client_credentials'; tokenUrl: string; clientId: string; clientSecret: string; scope?: string }
  | { type: 'token_exchange'; tokenUrl: string; audience?: string }
  /** The caller's token, only to a backend declared to accept the gateway's own `audience` (config/backend-auth.ts). */
  | { type: 'oauth_passthrough'; audience?: string }
  /** The gateway as the backend's OAuth client (config/backend-oauth-schema.ts). */
  | BackendOAuthConfig;

/**
 * Letters, digits and hyphens, starting with a letter or digit. No `_`
 * because the default separator is `__`, and the configured separator's
 * characters are forbidden on top of this (see checkNames in config/schema.ts).
 */
export const BACKEND_NAME = /^[A-Za-z0-9][A-Za-z0-9-]*$/;
/** Leaves room for `{backend}{separator}{tool}` within the 64 characters strict clients accept. */
export const BACKEND_NAME_MAX_LENGTH = 32;
const CREDENTIAL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
/** An HTTP field name is a token (RFC 9110 section 5.1). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A backend's `timeout_ms` when the file gives none; config/schema.ts lists it among DEFAULTS. */
export const DEFAULT_BACKEND_TIMEOUT_MS = 30_000;

const credentialName = matching(CREDENTIAL_NAME, 'expected "none", "oauth-passthrough" or the name of a credential such as service-account-crm');
const headerName = matching(HEADER_NAME, 'expected an HTTP header name');

/** Each object form of `auth`, keyed by its `type`. */
export const authShapes = {
  none: { type: z.literal('none') },
  named: { type: z.literal('named'), name: credentialName },
  static_header: { type: z.literal('static_header'), header: headerName, value: text() },
  oauth_client_credentials: {
    type: z.literal('oauth_client_credentials'),
    token_url: httpUrl(),
    client_id: text(),
    client_secret: text(),
    scope: text().optional(),
  },
  token_exchange: { type: z.literal('token_exchange'), token_url: httpUrl(), audience: text().optional() },
  oauth_passthrough: { type: z.literal('oauth_passthrough'), audience: text().optional() },
  oauth: oauthAuthShape,
} as const;

const AUTH_TYPES = Object.keys(authShapes) as (keyof typeof authShapes)[];
const AUTH_TYPES_EXPECTED = `expected a type: one of ${AUTH_TYPES.map((type) => `"${type}"`).join(', ')}`;

const backendAuthSchema = z.union([
  credentialName,
  z.discriminatedUnion(
    'type',
    [
      z.strictObject(authShapes.none),
      z.strictObject(authShapes.named),
      z.strictObject(authShapes.static_header),
      z.strictObject(authShapes.oauth_client_credentials),
      z.strictObject(authShapes.token_exchange),
      z.strictObject(authShapes.oauth_passthrough),
      z.strictObject(authShapes.oauth),
    ],
    { error: AUTH_TYPES_EXPECTED },
  ),
], { error: 'expected "none", "oauth-passthrough", the name of a credential, or a mapping with a type' });

/** Auth types that put credentials in HTTP headers, meaningless for a child process. */
const HTTP_ONLY_AUTH_TYPES = new Set(['static_header', 'oauth_client_credentials', 'token_exchange', 'oauth_passthrough', 'oauth']);

const FRACTION = 'expected a number greater than 0 and less than 1 (a share of calls, e.g. 0.5)';

/** `circuit_breaker: false` turns the breaker off; a mapping tunes it (upstream/circuit-breaker.ts). */
const circuitBreakerSchema = z.union([
  z.literal(false),
  z.strictObject({
    consecutive_failures: wholeNumber(1, 1000).default(DEFAULT_CIRCUIT_BREAKER.consecutiveFailures),
    failure_rate: z.number({ error: FRACTION }).gt(0, { error: FRACTION }).lt(1, { error: FRACTION }).default(DEFAULT_CIRCUIT_BREAKER.failureRate),
    window_calls: wholeNumber(1, 10_000).default(DEFAULT_CIRCUIT_BREAKER.windowCalls),
    minimum_calls: wholeNumber(1, 10_000).default(DEFAULT_CIRCUIT_BREAKER.minimumCalls),
    half_open_after_ms: wholeNumber(1, 86_400_000).default(DEFAULT_CIRCUIT_BREAKER.halfOpenAfterMs),
  }, { error: 'expected false or a mapping' }).superRefine((breaker, context) => {
    if (breaker.minimum_calls > breaker.window_calls) {
      context.addIssue({ code: 'custom', path: ['minimum_calls'], message: `is ${breaker.minimum_calls}, more than window_calls (${breaker.window_calls}); the failure rate is judged within the window, so lower it or widen the window` });
    }
  }),
], { error: 'expected false or a mapping with consecutive_failures, failure_rate, window_calls, minimum_calls, half_open_after_ms' });

const retrySchema = z.strictObject({
  max_attempts: wholeNumber(1, 10).default(DEFAULT_RETRY.maxAttempts),
  initial_delay_ms: wholeNumber(0, 60_000).default(DEFAULT_RETRY.initialDelayMs),
  max_delay_ms: wholeNumber(0, 600_000).default(DEFAULT_RETRY.maxDelayMs),
}, { error: 'expected a mapping with max_attempts, initial_delay_ms, max_delay_ms' });

const healthCheckSchema = z.strictObject({
  interval_seconds: wholeNumber(0, 86_400).default(DEFAULT_HEALTH_CHECK.intervalSeconds),
  timeout_ms: wholeNumber(1, 600_000).default(DEFAULT_HEALTH_CHECK.timeoutMs),
}, { error: 'expected a mapping with interval_seconds (0: off) and timeout_ms' });

export const backendShape = {
  name: matching(
    BACKEND_NAME,
    `expected a name of letters, digits and "-" that starts with a letter or digit, at most ${BACKEND_NAME_MAX_LENGTH} characters (no "_": the default name separator is "__")`,
    BACKEND_NAME_MAX_LENGTH,
  ),
  transport: z.enum(['http', 'stdio'], { error: 'expected "http" or "stdio"' }).optional(),
  url: httpUrl().optional(),
  headers: absentWhenNull(mapping(headerName, stringValue()).optional()),
  command: text().optional(),
  args: absentWhenNull(list(stringValue()).optional()),
  env: absentWhenNull(mapping(matching(ENV_NAME, 'expected an environment variable name'), stringValue()).optional()),
  cwd: text().optional(),
  processes: wholeNumber(1, 64).optional(),
  timeout_ms: wholeNumber(1, 86_400_000).default(DEFAULT_BACKEND_TIMEOUT_MS),
  protocol_version: z.enum(SUPPORTED_REVISIONS as [string, ...string[]], { error: `expected one of ${SUPPORTED_REVISIONS.join(', ')}` }).optional(),
  auth: absentWhenNull(backendAuthSchema.optional()),
  required_scope: text().optional(),
  scopes: backendScopesSchema,
  enabled: flag().default(true),
  circuit_breaker: absentWhenNull(circuitBreakerSchema.optional()),
  retry: absentWhenNull(retrySchema.optional()),
  health_check: absentWhenNull(healthCheckSchema.optional()),
  ...backendRegistryShape,
};

/**
 * Headers the gateway writes itself on every upstream request (transport
 * framing, session and protocol headers of the Streamable HTTP transport);
 * a configured value would break the exchange rather than add to it.
 */
const GATEWAY_MANAGED_HEADERS = new Set([
  'host', 'connection', 'content-length', 'content-type', 'transfer-encoding', 'accept', 'last-event-id',
  'mcp-session-id', 'mcp-protocol-version', 'mcp-method', 'mcp-name',
]);

const HTTP_ONLY_KEYS = ['headers', 'protocol_version'] as const;
const STDIO_ONLY_KEYS = ['args', 'env', 'cwd', 'processes'] as const;

/** url xor command, and only the keys of that kind. Defensive about types: see ALWAYS. */
function checkBackend(backend: Partial<Record<keyof typeof backendShape, unknown>>, context: z.RefinementCtx): void {
  if (!isMapping(backend)) return;
  const hasUrl = backend.url !== undefined;
  const hasCommand = backend.command !== undefined;
  if (hasUrl && hasCommand) {
    context.addIssue({ code: 'custom', path: [], message: 'has both url and command: an http backend has a url, a stdio backend has a command; keep one' });
    return;
  }
  if (!hasUrl && !hasCommand) {
    context.addIssue({ code: 'custom', path: [], message: 'has neither url (an http backend) nor command (a stdio backend); add one' });
    return;
  }
  const kind = hasUrl ? 'http' : 'stdio';
  if (backend.transport !== undefined && backend.transport !== kind) {
    const given = hasUrl ? 'a url' : 'a command';
    context.addIssue({ code: 'custom', path: ['transport'], message: `is "${String(backend.transport)}" but the backend has ${given}, which makes it ${kind}` });
  }
  const foreignKeys = kind === 'http' ? STDIO_ONLY_KEYS : HTTP_ONLY_KEYS;
  for (const key of foreignKeys) {
    if (backend[key] === undefined) continue;
    const owner = kind === 'http' ? 'stdio backends (with a command)' : 'http backends (with a url)';
    context.addIssue({ code: 'custom', path: [key], message: `only ${owner} take ${key}; this backend is ${kind}` });
  }
  if (kind === 'http' && isMapping(backend.headers)) {
    for (const header of Object.keys(backend.headers as object)) {
      if (!GATEWAY_MANAGED_HEADERS.has(header.toLowerCase())) continue;
      context.addIssue({ code: 'custom', path: ['headers', header], message: 'is written by the gateway on every request (MCP transport headers); remove it' });
    }
  }
  const auth = backend.auth;
  if (kind === 'stdio' && typeof auth === 'object' && auth !== null && HTTP_ONLY_AUTH_TYPES.has(String((auth as { type?: unknown }).type))) {
    context.addIssue({
      code: 'custom',
      path: ['auth', 'type'],
      message: `"${String((auth as { type?: unknown }).type)}" applies to http backends only; give a stdio backend its credentials through env`,
    });
  }
  if (typeof auth === 'object' && auth !== null && (auth as { type?: unknown }).type === 'oauth') {
    for (const problem of oauthAuthProblems(auth as Parameters<typeof oauthAuthProblems>[0])) context.addIssue({ code: 'custom', path: ['auth', problem.key], message: problem.message });
  }
  if (kind === 'stdio' && (auth === 'oauth-passthrough' || auth === 'oauth_passthrough')) {
    context.addIssue({ code: 'custom', path: ['auth'], message: `"${auth}" applies to http backends only; a stdio backend has no HTTP request to carry the token` });
  }
}

export const backendSchema = z.strictObject(backendShape, { error: 'expected a mapping' }).superRefine(checkBackend, ALWAYS);

type BackendFile = z.output<typeof backendSchema>;

export function toBackendConfig(backend: BackendFile): BackendConfig {
  const common = {
    name: backend.name,
    timeoutMs: backend.timeout_ms,
    auth: toAuthConfig(backend.auth),
    requiredScope: backend.required_scope,
    enabled: backend.enabled,
    ...registryOf(backend),
    resilience: toResilienceSettings(backend),
  };
  if (backend.url !== undefined) {
    return { kind: 'http', url: backend.url, headers: { ...backend.headers }, ...(backend.protocol_version === undefined ? {} : { protocolVersion: backend.protocol_version }), ...common };
  }
  // checkBackend guarantees a command when there is no url.
  return {
    kind: 'stdio', command: backend.command as string, args: [...(backend.args ?? [])], env: { ...backend.env }, cwd: backend.cwd,
    ...(backend.processes === undefined || backend.processes === 1 ? {} : { processes: backend.processes }),
    ...common,
  };
}

function registryOf(backend: BackendFile): { registry?: BackendRegistrySpec } {
  const registry = toBackendRegistrySpec(backend);
  return registry === undefined ? {} : { registry };
}

function toResilienceSettings(backend: BackendFile): ResilienceSettings {
  const breaker = backend.circuit_breaker;
  return {
    circuitBreaker: breaker === false ? undefined : breaker === undefined ? { ...DEFAULT_CIRCUIT_BREAKER } : {
      consecutiveFailures: breaker.consecutive_failures,
      failureRate: breaker.failure_rate,
      windowCalls: breaker.window_calls,
      minimumCalls: breaker.minimum_calls,
      halfOpenAfterMs: breaker.half_open_after_ms,
    },
    retry: backend.retry === undefined ? { ...DEFAULT_RETRY } : {
      maxAttempts: backend.retry.max_attempts,
      initialDelayMs: backend.retry.initial_delay_ms,
      maxDelayMs: backend.retry.max_delay_ms,
    },
    healthCheck: backend.health_check === undefined ? { ...DEFAULT_HEALTH_CHECK } : {
      intervalSeconds: backend.health_check.interval_seconds,
      timeoutMs: backend.health_check.timeout_ms,
    },
  };
}

function toAuthConfig(auth: BackendFile['auth']): BackendAuthConfig {
  if (auth === undefined || auth === 'none') return { type: 'none' };
  if (typeof auth === 'string') {
    return auth === 'oauth-passthrough' || auth === 'oauth_passthrough' ? { type: 'oauth_passthrough' } : { type: 'named', name: auth };
  }
  switch (auth.type) {
    case 'none':
      return { type: auth.type };
    case 'oauth_passthrough':
      return { type: auth.type, ...(auth.audience === undefined ? {} : { audience: auth.audience }) };
    case 'named':
      return { type: 'named', name: auth.name };
    case 'static_header':
      return { type: 'static_header', header: auth.header, value: auth.value };
    case 'oauth_client_credentials':
      return {
        type: 'oauth_client_credentials',
        tokenUrl: auth.token_url,
        clientId: auth.client_id,
        clientSecret: auth.client_secret,
        ...(auth.scope === undefined ? {} : { scope: auth.scope }),
      };
    case 'token_exchange':
      return { type: 'token_exchange', tokenUrl: auth.token_url, ...(auth.audience === undefined ? {} : { audience: auth.audience }) };
    case 'oauth':
      return toOAuthConfig(auth);
  }
}
