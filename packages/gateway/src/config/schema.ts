// The shape of gatehouse.yaml (snake_case, strict: an unknown key is an error,
// not a silent no-op) and its transform into the camelCase GatewayConfig the
// rest of the gateway reads. Keys are documented in docs/configuration.md.
// Sections with rules of their own each have a *-schema.ts beside this file.

import { z } from 'zod';
import { ALWAYS, absentWhenNull, isMapping, wholeNumber, flag, text, httpUrl, matching, list, mapping } from './fields.ts';

import { telemetrySchema, toTelemetryConfig, type TelemetryConfig } from './telemetry-schema.ts';
import { authenticationSchema, authorizationSchema, toAuthenticationConfig, toAuthorizationRules, type AuthenticationConfig } from './identity-schema.ts';
import type { AuthorizationRules } from '../identity/authorization.ts';
import { registrySchema, toRegistryConfig, type RegistryConfig } from './registry-schema.ts';
import { discoverySchema, reloadSchema, toDiscoveryConfig, toReloadConfig, type DiscoveryConfig, type ReloadConfig } from './discovery-schema.ts';
import { BACKEND_NAME, DEFAULT_BACKEND_TIMEOUT_MS, backendSchema, toBackendConfig, type BackendConfig } from './backend-schema.ts';
import { policySchema, toPolicyConfig, type PolicyConfig } from './policy-schema.ts';
import { outboundSchema, toOutboundConfig, type OutboundConfig } from './outbound-schema.ts';
import { usageSchema, toUsageConfig, type UsageConfig } from './usage-schema.ts';
import { checkTenantlessDirectory, checkTenants, policiesWithTenants, tenantsSchema, toTenantsConfig, type TenantsConfig } from './tenants-schema.ts';

export { authenticationShape, type AuthenticationConfig } from './identity-schema.ts';

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
  /** The governed server registry (src/registry/); absent: no registry, every backend routed as before. */
  registry?: RegistryConfig;
  /** The outbound guard's allow list and limits (src/outbound/); absent in hand-built configs: nothing internal allowed. */
  outbound?: OutboundConfig;
  /** Teams for usage reports (src/usage/); absent in hand-built configs: no teams. */
  usage?: UsageConfig;
  /** Departments on one gateway (config/tenants-schema.ts, src/tenancy/); absent: no tenants, every caller sees every backend. */
  tenants?: TenantsConfig;
  session: {
    /** `memory`, or a `redis://` / `rediss://` URL. */
    store: string;
    ttlSeconds: number;
    maxConcurrentSessionsPerUser: number;
    maxMessageSizeBytes: number;
    /** `max_json_depth`; absent in hand-built configs (tests): 64. */
    maxJsonDepth?: number;
    streamTimeoutSeconds: number;
    /** Prefix of every key and channel in the session store's Redis (several gateways may share one Redis). Absent: `gatehouse:`. */
    keyPrefix?: string;
  };
}

/**
 * One to three of `_` and `-`. Tool names strict clients accept are
 * `[A-Za-z0-9_-]{1,64}`, so a `.` or `/` would force every name into its
 * hashed form (catalog/naming.ts).
 */
const NAME_SEPARATOR = /^[_-]{1,3}$/;
const GATEWAY_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const HOST = /^[A-Za-z0-9._:-]+$/;
/**
 * `scheme://host[:port]` where a port of `*` matches any port or none, or `*`
 * alone for every origin (transport/origin.ts applies them). IPv6 hosts are
 * bracketed, as in an Origin header (RFC 6454 section 6.1).
 */
const ORIGIN_PATTERN = /^(?:\*|https?:\/\/(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(?:\d{1,5}|\*))?\/?)$/;
/** setTimeout cannot wait longer than 2^31-1 ms; values in seconds stay under it too. */
const MAX_TIMER_SECONDS = 2_147_483;

/** The default `allowed_origins`, in the pattern syntax of transport/origin.ts (an optional `:*` port wildcard). */
export const LOCAL_ORIGINS = ['http://localhost:*', 'https://localhost:*', 'http://127.0.0.1:*', 'https://127.0.0.1:*', 'http://[::1]:*', 'https://[::1]:*'];

const DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  adminHost: '127.0.0.1',
  adminPort: 8081,
  nameSeparator: '__',
  /** Loopback only, any port: a gateway on a laptop serves that laptop's browser tools and nothing else. */
  allowedOrigins: LOCAL_ORIGINS as readonly string[],
  timeoutMs: DEFAULT_BACKEND_TIMEOUT_MS,
  sessionStore: 'memory',
  sessionTtlSeconds: 3600,
  maxConcurrentSessionsPerUser: 10,
  maxMessageSizeBytes: 1_048_576,
  maxJsonDepth: 64,
  streamTimeoutSeconds: 300,
  sessionKeyPrefix: 'gatehouse:',
  /** Under Kubernetes' default 30 s termination grace period, so the gateway exits before SIGKILL. */
  drainTimeoutSeconds: 25,
} as const;

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
  // Keys of the documented shape this gateway does not act on: refused, saying what to use instead, rather than accepted and ignored.
  backend: z.never({ error: 'is not supported: audit records are kept in the gateway\'s own store (audit.store: sqlite with audit.path, or postgres with audit.postgres_url), which is what makes them tamper-evident and queryable; to ship them to an external pipeline, run "gatehouse audit export --to <destination>" (a file, an https webhook or NATS JetStream; docs/audit.md). Remove this key' }).optional(),
  retention_days: z.union([wholeNumber(1, 36_500), mapping(z.string(), z.unknown())], { error: 'expected a number of days or a mapping per category' }).optional(),
  store: text().optional(),
  path: text().optional(),
  categories: z.never({ error: 'is not supported: every record is stored, and security records (denials, authentication failures, approvals) can never be left out; what differs per category is how long records are kept: use retention_days: { security: 2555, routine: 365 }. Remove this key' }).optional(),
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
  batch_busy_interval_ms: z.unknown().optional(),
  max_pending_records: z.unknown().optional(),
  checkpoint_interval_seconds: z.unknown().optional(),
  checkpoint_every_records: z.unknown().optional(),
  signing_key: text().optional(),
  trusted_keys: list(text()).optional(),
  sqlite_synchronous: text().optional(),
  fail_mode_for_changes: text().optional(),
  tool_effects: z.unknown().optional(),
  spool_path: text().optional(),
  spool_max_bytes: z.unknown().optional(),
};

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
  registry: absentWhenNull(registrySchema),
  outbound: absentWhenNull(outboundSchema),
  usage: absentWhenNull(usageSchema),
  tenants: absentWhenNull(tenantsSchema),
  session_store: text('expected "memory" or a redis:// URL')
    .refine((value) => value === 'memory' || (URL.canParse(value) && ['redis:', 'rediss:'].includes(new URL(value).protocol)), {
      error: 'expected "memory" or a redis:// URL',
    })
    .default(DEFAULTS.sessionStore),
  session_ttl_seconds: wholeNumber(1, MAX_TIMER_SECONDS).default(DEFAULTS.sessionTtlSeconds),
  max_concurrent_sessions_per_user: wholeNumber(1, 1_000_000).default(DEFAULTS.maxConcurrentSessionsPerUser),
  max_message_size_bytes: wholeNumber(1024, 1_073_741_824).default(DEFAULTS.maxMessageSizeBytes),
  // Below 8 no 2026-07-28 request fits (its _meta envelope alone is 4 levels); above 1000 recursion in later stages may run out of stack.
  max_json_depth: wholeNumber(8, 1000).default(DEFAULTS.maxJsonDepth),
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
  checkTenants(file, context);
  checkTenantlessDirectory(file, context);
  if (typeof gateway.port === 'number' && gateway.port !== 0 && gateway.port === gateway.admin_port) {
    context.addIssue({ code: 'custom', path: ['gateway', 'admin_port'], message: `is the same as gateway.port (${gateway.port}); the admin listener needs its own port` });
  }
}

const configFileSchema = z.strictObject(configFileShape, { error: 'expected a mapping of settings' }).superRefine(checkNames, ALWAYS);

type ConfigFile = z.output<typeof configFileSchema>;

/** The schema of the file with its transform to the runtime shape; the hostname gives `gateway.id` its default. */
export function createGatewayConfigSchema(options: { hostname: string }) {
  return configFileSchema.transform((file) => toGatewayConfig(file, options));
}

/** snake_case file to camelCase runtime config, defaults already applied by the schema. Pure. */
function toGatewayConfig(file: ConfigFile, options: { hostname: string }): GatewayConfig {
  const gateway = file.gateway;
  const tenants = toTenantsConfig(file.tenants);
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
    // A tenant's policies join the chain after the global ones, each applying to its own tenant only (docs/tenants.md).
    policies: policiesWithTenants(file.policies.map(toPolicyConfig), tenants),
    discovery: toDiscoveryConfig(file.discovery),
    reload: toReloadConfig(file.reload),
    ...(file.registry === undefined ? {} : { registry: toRegistryConfig(file.registry) }),
    outbound: toOutboundConfig(file.outbound),
    usage: toUsageConfig(file.usage),
    ...(tenants === undefined ? {} : { tenants }),
    session: {
      store: file.session_store,
      ttlSeconds: file.session_ttl_seconds,
      maxConcurrentSessionsPerUser: file.max_concurrent_sessions_per_user,
      maxMessageSizeBytes: file.max_message_size_bytes,
      maxJsonDepth: file.max_json_depth,
      streamTimeoutSeconds: file.stream_timeout_seconds,
      keyPrefix: file.session_key_prefix,
    },
  };
}
