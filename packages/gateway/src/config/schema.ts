// The shape of gatehouse.yaml (snake_case, strict: an unknown key is an error,
// not a silent no-op) and its transform into the camelCase GatewayConfig the
// rest of the gateway reads. Keys are documented in docs/configuration.md.

import { z } from 'zod';
import { LOCAL_ORIGINS } from '../transport/origin.ts';
import { absentWhenNull, wholeNumber, flag, text, stringValue, isHttpUrl, httpUrl, matching, list, mapping } from './fields.ts';

import { telemetrySchema, toTelemetryConfig, type TelemetryConfig } from './telemetry-schema.ts';
import { authenticationSchema, authorizationSchema, backendScopesSchema, toAuthenticationConfig, toAuthorizationRules, type AuthenticationConfig } from './identity-schema.ts';
import type { AuthorizationRules } from '../identity/authorization.ts';
import { discoverySchema, reloadSchema, toDiscoveryConfig, toReloadConfig, type DiscoveryConfig, type ReloadConfig } from './discovery-schema.ts';
import { SUPPORTED_REVISIONS } from '../protocol/revisions.ts';
import { DEFAULT_CIRCUIT_BREAKER } from '../upstream/circuit-breaker.ts';
import { DEFAULT_RETRY } from '../upstream/retry-policy.ts';
import { DEFAULT_HEALTH_CHECK } from '../upstream/backend-health.ts';
import type { ResilienceSettings } from '../upstream/resilient-backend.ts';

export { isHttpUrl } from './fields.ts';
export { authenticationShape, AUTHENTICATION_MODES, type AuthenticationConfig } from './identity-schema.ts';

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
  timeoutMs: number;
  auth: BackendAuthConfig;
  requiredScope: string | undefined;
  enabled: boolean;
  resilience?: ResilienceSettings;
}

export type BackendConfig = HttpBackendConfig | StdioBackendConfig;

export type BackendAuthConfig =
  | { type: 'none' }
  /** A credential defined elsewhere, by name; the seed's `auth: service-account-salesforce`. */
  | { type: 'named'; name: string }
  | { type: 'static_header'; header: string; value: string }
  | { type: 'oauth_client_credentials'; tokenUrl: string; clientId: string; clientSecret: string; scope?: string }
  | { type: 'token_exchange'; tokenUrl: string; audience?: string }
  | { type: 'oauth_passthrough' };

export interface PolicyConfig {
  name: string;
  type: string;
  settings: Record<string, unknown>;
}

export interface GatewayConfig {
  gateway: {
    endpoint: string | undefined;
    id: string;
    host: string;
    port: number;
    adminHost: string;
    adminPort: number;
    nameSeparator: string;
    allowedOrigins: string[];
    /** How long SIGTERM/SIGINT waits for in-flight calls before closing anyway; absent in hand-built configs: 25. */
    drainTimeoutSeconds?: number;
  };
  /** config/identity-schema.ts; undefined: no `authentication` section, every caller anonymous. */
  authentication: AuthenticationConfig | undefined;
  /** The `authorization` section with every backend's `scopes`; absent in hand-built configs (tests). */
  authorization?: AuthorizationRules;
  audit: { backend: string | undefined; retentionDays: number | undefined; raw: Record<string, unknown> } | undefined;
  /** Absent in hand-built configs (tests): `standard`. */
  compliance?: 'standard' | 'strict';
  /** Absent in hand-built configs (tests): telemetry defaults then apply. */
  telemetry?: TelemetryConfig;
  backends: BackendConfig[];
  policies: PolicyConfig[];
  /** Backends found at run time besides `backends` (src/discovery/); absent: none. */
  discovery?: DiscoveryConfig | undefined;
  /** Absent in hand-built configs (tests): no file watching. */
  reload?: ReloadConfig;
  session: {
    /** `memory`, or a `redis://` / `rediss://` URL. */
    store: string;
    ttlSeconds: number;
    maxConcurrentSessionsPerUser: number;
    maxMessageSizeBytes: number;
    streamTimeoutSeconds: number;
    /** Prefix of every key and channel in the session store's Redis (several gateways may share one Redis). Absent: `gatehouse:`. */
    keyPrefix?: string;
  };
}

/**
 * Letters, digits and hyphens, starting with a letter or digit. No `_`
 * because the default separator is `__`, and the configured separator's
 * characters are forbidden on top of this (see checkNames).
 */
export const BACKEND_NAME = /^[A-Za-z0-9][A-Za-z0-9-]*$/;
/** Leaves room for `{backend}{separator}{tool}` within the 64 characters strict clients accept. */
export const BACKEND_NAME_MAX_LENGTH = 32;
/**
 * One to three of `_` and `-`. Tool names strict clients accept are
 * `[A-Za-z0-9_-]{1,64}`, so a `.` or `/` would force every name into its
 * hashed form (catalog/naming.ts).
 */
export const NAME_SEPARATOR = /^[_-]{1,3}$/;
const POLICY_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const CREDENTIAL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const GATEWAY_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const HOST = /^[A-Za-z0-9._:-]+$/;
/** An HTTP field name is a token (RFC 9110 section 5.1). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/**
 * `scheme://host[:port]` where a port of `*` matches any port or none, or `*`
 * alone for every origin (transport/origin.ts applies them). IPv6 hosts are
 * bracketed, as in an Origin header (RFC 6454 section 6.1).
 */
export const ORIGIN_PATTERN = /^(?:\*|https?:\/\/(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(?:\d{1,5}|\*))?\/?)$/;
/** setTimeout cannot wait longer than 2^31-1 ms; values in seconds stay under it too. */
const MAX_TIMER_SECONDS = 2_147_483;

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  adminHost: '127.0.0.1',
  adminPort: 8081,
  nameSeparator: '__',
  /** Loopback only, any port: a gateway on a laptop serves that laptop's browser tools and nothing else. */
  allowedOrigins: LOCAL_ORIGINS as readonly string[],
  timeoutMs: 30_000,
  sessionStore: 'memory',
  sessionTtlSeconds: 3600,
  maxConcurrentSessionsPerUser: 10,
  maxMessageSizeBytes: 1_048_576,
  streamTimeoutSeconds: 300,
  sessionKeyPrefix: 'gatehouse:',
  /** Under Kubernetes' default 30 s termination grace period, so the gateway exits before SIGKILL. */
  drainTimeoutSeconds: 25,
} as const;

/** Cross-field checks run even when fields failed, so every problem is reported in one pass. */
const ALWAYS = { when: () => true };

function isMapping(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// --- sections

export const gatewayShape = {
  endpoint: absentWhenNull(httpUrl().optional()),
  id: matching(GATEWAY_ID, 'expected an id of letters, digits, ".", "_" and "-", at most 128 characters').optional(),
  host: matching(HOST, 'expected a host name or IP address to listen on').default(DEFAULTS.host),
  port: wholeNumber(0, 65535).default(DEFAULTS.port),
  admin_host: matching(HOST, 'expected a host name or IP address to listen on').default(DEFAULTS.adminHost),
  admin_port: wholeNumber(0, 65535).default(DEFAULTS.adminPort),
  name_separator: z
    .string({ error: 'expected 1 to 3 characters, each "_" or "-"' })
    .regex(NAME_SEPARATOR, { error: 'expected 1 to 3 characters, each "_" or "-"' })
    .default(DEFAULTS.nameSeparator),
  allowed_origins: absentWhenNull(
    list(matching(ORIGIN_PATTERN, 'expected an origin such as https://app.example.com, http://localhost:* (any port) or * (any origin)')).optional(),
  ),
  drain_timeout_seconds: wholeNumber(1, 3600).default(DEFAULTS.drainTimeoutSeconds),
};


/** Typed loosely here; audit/settings.ts checks each key and names the problem (`audit.fail_mode: ...`). */
export const auditShape = {
  backend: text().optional(),
  retention_days: z.union([wholeNumber(1, 36_500), mapping(z.string(), z.unknown())], { error: 'expected a number of days or a mapping per category' }).optional(),
  store: text().optional(),
  path: text().optional(),
  categories: list(text()).optional(),
  enabled: flag().optional(),
  postgres_url: text().optional(),
  postgres_schema: text().optional(),
  compliance: text().optional(),
  fail_mode: text().optional(),
  retention_interval_hours: z.unknown().optional(),
  store_outputs: z.unknown().optional(),
  redaction: z.unknown().optional(),
  batch_max_records: z.unknown().optional(),
  batch_max_delay_ms: z.unknown().optional(),
  max_pending_records: z.unknown().optional(),
  checkpoint_interval_seconds: z.unknown().optional(),
  checkpoint_every_records: z.unknown().optional(),
  signing_key: text().optional(),
  trusted_keys: list(text()).optional(),
  sqlite_synchronous: text().optional(),
};

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
  oauth_passthrough: { type: z.literal('oauth_passthrough') },
} as const;

export const AUTH_TYPES = Object.keys(authShapes) as (keyof typeof authShapes)[];
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
    ],
    { error: AUTH_TYPES_EXPECTED },
  ),
], { error: 'expected "none", "oauth-passthrough", the name of a credential, or a mapping with a type' });

/** Auth types that put credentials in HTTP headers, meaningless for a child process. */
const HTTP_ONLY_AUTH_TYPES = new Set(['static_header', 'oauth_client_credentials', 'token_exchange', 'oauth_passthrough']);

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
  timeout_ms: wholeNumber(1, 86_400_000).default(DEFAULTS.timeoutMs),
  protocol_version: z.enum(SUPPORTED_REVISIONS as [string, ...string[]], { error: `expected one of ${SUPPORTED_REVISIONS.join(', ')}` }).optional(),
  auth: absentWhenNull(backendAuthSchema.optional()),
  required_scope: text().optional(),
  scopes: backendScopesSchema,
  enabled: flag().default(true),
  circuit_breaker: absentWhenNull(circuitBreakerSchema.optional()),
  retry: absentWhenNull(retrySchema.optional()),
  health_check: absentWhenNull(healthCheckSchema.optional()),
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
const STDIO_ONLY_KEYS = ['args', 'env', 'cwd'] as const;

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
  if (kind === 'stdio' && (auth === 'oauth-passthrough' || auth === 'oauth_passthrough')) {
    context.addIssue({ code: 'custom', path: ['auth'], message: `"${auth}" applies to http backends only; a stdio backend has no HTTP request to carry the token` });
  }
}

export const backendSchema = z.strictObject(backendShape, { error: 'expected a mapping' }).superRefine(checkBackend, ALWAYS);

/** name and type; the settings either under `settings:` or inline beside them, as the seed writes them. */
export const policyShape = {
  name: matching(POLICY_NAME, 'expected a policy name of letters, digits, "_", "." and "-"'),
  type: matching(POLICY_NAME, 'expected a policy type such as rate_limit'),
  settings: absentWhenNull(mapping(z.string(), z.unknown()).optional()),
};

const policySchema = z.looseObject(policyShape, { error: 'expected a mapping' }).superRefine((policy, context) => {
  if (!isMapping(policy)) return;
  const inline = Object.keys(policy).filter((key) => !(key in policyShape));
  if (policy.settings !== undefined && inline.length > 0) {
    context.addIssue({
      code: 'custom',
      path: [inline[0] as string],
      message: 'this policy has a settings: mapping, so its settings cannot also be written inline; move this key under settings',
    });
  }
}, ALWAYS);

export const configFileShape = {
  // prefault: an absent section is parsed as {}, so its own defaults apply.
  gateway: absentWhenNull(z.strictObject(gatewayShape, { error: 'expected a mapping' }).prefault({})),
  authentication: authenticationSchema,
  authorization: authorizationSchema,
  audit: absentWhenNull(z.strictObject(auditShape, { error: 'expected a mapping' }).optional()),
  /** `strict`: audit fails closed and anonymous access is refused. */
  compliance: z.enum(['standard', 'strict'], { error: 'expected "standard" or "strict"' }).default('standard'),
  telemetry: absentWhenNull(telemetrySchema),
  backends: absentWhenNull(list(backendSchema).default([])),
  policies: absentWhenNull(list(policySchema).default([])),
  discovery: absentWhenNull(discoverySchema),
  reload: absentWhenNull(reloadSchema),
  session_store: text('expected "memory" or a redis:// URL')
    .refine((value) => value === 'memory' || (URL.canParse(value) && ['redis:', 'rediss:'].includes(new URL(value).protocol)), {
      error: 'expected "memory" or a redis:// URL',
    })
    .default(DEFAULTS.sessionStore),
  session_ttl_seconds: wholeNumber(1, MAX_TIMER_SECONDS).default(DEFAULTS.sessionTtlSeconds),
  max_concurrent_sessions_per_user: wholeNumber(1, 1_000_000).default(DEFAULTS.maxConcurrentSessionsPerUser),
  max_message_size_bytes: wholeNumber(1024, 1_073_741_824).default(DEFAULTS.maxMessageSizeBytes),
  stream_timeout_seconds: wholeNumber(1, MAX_TIMER_SECONDS).default(DEFAULTS.streamTimeoutSeconds),
  session_key_prefix: matching(/^[A-Za-z0-9_.:-]{1,64}$/, 'expected 1 to 64 letters, digits or _ . : - (the prefix of the Redis keys and channels)').default(DEFAULTS.sessionKeyPrefix),
};

/**
 * Rules across entries: unique names, the separator never inside a backend
 * name (so `{backend}{separator}{name}` always splits back at the first
 * separator), distinct ports. Defensive about types: it runs even when
 * fields failed, so that all problems surface in one pass.
 */
function checkNames(file: Record<string, unknown>, context: z.RefinementCtx): void {
  if (!isMapping(file)) return;
  const gateway = (typeof file.gateway === 'object' && file.gateway !== null ? file.gateway : {}) as Record<string, unknown>;
  const separator =
    typeof gateway.name_separator === 'string' && NAME_SEPARATOR.test(gateway.name_separator) ? gateway.name_separator : DEFAULTS.nameSeparator;
  const seenBackends = new Map<string, number>();
  const backends = Array.isArray(file.backends) ? file.backends : [];
  backends.forEach((backend: unknown, index) => {
    const name = (backend as { name?: unknown } | null)?.name;
    if (typeof name !== 'string' || !BACKEND_NAME.test(name)) return;
    const clash = [...separator].find((character) => name.includes(character));
    if (clash !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['backends', index, 'name'],
        message: `"${name}" contains "${clash}", a character of gateway.name_separator "${separator}": the separator must never appear in a backend name, so that namespaced names always split back into backend and name`,
      });
    }
    const key = name.toLowerCase();
    const first = seenBackends.get(key);
    if (first === undefined) seenBackends.set(key, index);
    else context.addIssue({ code: 'custom', path: ['backends', index, 'name'], message: `"${name}" is already the name of backends[${first}]; backend names must be unique (ignoring case)` });
  });
  const seenPolicies = new Map<string, number>();
  const policies = Array.isArray(file.policies) ? file.policies : [];
  policies.forEach((policy: unknown, index) => {
    const name = (policy as { name?: unknown } | null)?.name;
    if (typeof name !== 'string') return;
    const first = seenPolicies.get(name);
    if (first === undefined) seenPolicies.set(name, index);
    else context.addIssue({ code: 'custom', path: ['policies', index, 'name'], message: `"${name}" is already the name of policies[${first}]; policy names must be unique` });
  });
  const authentication = (typeof file.authentication === 'object' && file.authentication !== null ? file.authentication : {}) as Record<string, unknown>;
  if (file.compliance === 'strict' && authentication.allow_anonymous === true) {
    context.addIssue({ code: 'custom', path: ['authentication', 'allow_anonymous'], message: 'is refused with compliance: strict: every audit record must name a real caller' });
  }
  if (typeof gateway.port === 'number' && gateway.port !== 0 && gateway.port === gateway.admin_port) {
    context.addIssue({ code: 'custom', path: ['gateway', 'admin_port'], message: `is the same as gateway.port (${gateway.port}); the admin listener needs its own port` });
  }
}

export const configFileSchema = z.strictObject(configFileShape, { error: 'expected a mapping of settings' }).superRefine(checkNames, ALWAYS);

export type ConfigFile = z.output<typeof configFileSchema>;

type BackendFile = ConfigFile['backends'][number];

/** The schema of the file with its transform to the runtime shape; the hostname gives `gateway.id` its default. */
export function createGatewayConfigSchema(options: { hostname: string }) {
  return configFileSchema.transform((file) => toGatewayConfig(file, options));
}

/** snake_case file to camelCase runtime config, defaults already applied by the schema. Pure. */
export function toGatewayConfig(file: ConfigFile, options: { hostname: string }): GatewayConfig {
  const gateway = file.gateway;
  return {
    gateway: {
      endpoint: gateway.endpoint,
      id: gateway.id ?? `gatehouse-${options.hostname}`,
      host: gateway.host,
      port: gateway.port,
      adminHost: gateway.admin_host,
      adminPort: gateway.admin_port,
      nameSeparator: gateway.name_separator,
      allowedOrigins: [...(gateway.allowed_origins ?? DEFAULTS.allowedOrigins)],
      drainTimeoutSeconds: gateway.drain_timeout_seconds,
    },
    authentication: file.authentication === undefined ? undefined : toAuthenticationConfig(file.authentication),
    authorization: toAuthorizationRules(file.authorization, file.backends),
    audit:
      file.audit === undefined
        ? undefined
        : { backend: file.audit.backend, retentionDays: typeof file.audit.retention_days === 'number' ? file.audit.retention_days : undefined, raw: { ...file.audit } },
    compliance: file.compliance,
    telemetry: toTelemetryConfig(file.telemetry),
    backends: file.backends.map(toBackendConfig),
    policies: file.policies.map(({ name, type, settings, ...inline }) => ({ name, type, settings: settings ?? inline })),
    discovery: toDiscoveryConfig(file.discovery),
    reload: toReloadConfig(file.reload),
    session: {
      store: file.session_store,
      ttlSeconds: file.session_ttl_seconds,
      maxConcurrentSessionsPerUser: file.max_concurrent_sessions_per_user,
      maxMessageSizeBytes: file.max_message_size_bytes,
      streamTimeoutSeconds: file.stream_timeout_seconds,
      keyPrefix: file.session_key_prefix,
    },
  };
}

export function toBackendConfig(backend: BackendFile): BackendConfig {
  const common = {
    name: backend.name,
    timeoutMs: backend.timeout_ms,
    auth: toAuthConfig(backend.auth),
    requiredScope: backend.required_scope,
    enabled: backend.enabled,
    resilience: toResilienceSettings(backend),
  };
  if (backend.url !== undefined) {
    return { kind: 'http', url: backend.url, headers: { ...backend.headers }, ...(backend.protocol_version === undefined ? {} : { protocolVersion: backend.protocol_version }), ...common };
  }
  // checkBackend guarantees a command when there is no url.
  return { kind: 'stdio', command: backend.command as string, args: [...(backend.args ?? [])], env: { ...backend.env }, cwd: backend.cwd, ...common };
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
    case 'oauth_passthrough':
      return { type: auth.type };
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
  }
}
