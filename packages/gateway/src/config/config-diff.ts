// What a config reload changes: backends added, removed and changed (by
// name), whether the policies or the discovery sources changed, and which
// changed keys only take effect after a restart (listeners, identity, audit,
// sessions, telemetry). Pure: the reload orchestrator (runtime/live-config.ts)
// applies the live part and logs the rest.

import { isDeepStrictEqual } from 'node:util';
import type { GatewayConfig } from './schema.ts';
import type { BackendConfig } from './backend-schema.ts';

export interface BackendsDiff {
  added: string[];
  removed: string[];
  changed: string[];
}

export interface ConfigDiff {
  backends: BackendsDiff;
  isPolicyChanged: boolean;
  isDiscoveryChanged: boolean;
  /** `usage.teams`: read by usage reports on the admin API at each request, so live at once. */
  isUsageChanged: boolean;
  /** File key paths whose new values are ignored until the gateway restarts. */
  needsRestart: string[];
  /** Nothing to apply and nothing to report. */
  isEmpty: boolean;
}

/** Enabled backends only: `enabled: false` reads as "not there". Compared whole, in configuration order. */
export function diffBackends(previous: readonly BackendConfig[], next: readonly BackendConfig[]): BackendsDiff {
  const before = new Map(previous.filter((backend) => backend.enabled).map((backend) => [backend.name, backend]));
  const after = new Map(next.filter((backend) => backend.enabled).map((backend) => [backend.name, backend]));
  const diff: BackendsDiff = { added: [], removed: [], changed: [] };
  for (const [name, backend] of after) {
    const old = before.get(name);
    if (old === undefined) diff.added.push(name);
    else if (!isDeepStrictEqual(old, backend)) diff.changed.push(name);
  }
  for (const name of before.keys()) if (!after.has(name)) diff.removed.push(name);
  return diff;
}

/** Runtime field -> file key, for the keys a reload cannot change. */
const GATEWAY_KEYS: Record<keyof GatewayConfig['gateway'], string> = {
  endpoint: 'gateway.endpoint',
  id: 'gateway.id',
  host: 'gateway.host',
  port: 'gateway.port',
  adminHost: 'gateway.admin_host',
  adminPort: 'gateway.admin_port',
  nameSeparator: 'gateway.name_separator',
  allowedOrigins: 'gateway.allowed_origins',
  drainTimeoutSeconds: 'gateway.drain_timeout_seconds',
};
const SESSION_KEYS: Record<keyof GatewayConfig['session'], string> = {
  store: 'session_store',
  ttlSeconds: 'session_ttl_seconds',
  maxConcurrentSessionsPerUser: 'max_concurrent_sessions_per_user',
  maxMessageSizeBytes: 'max_message_size_bytes',
  maxJsonDepth: 'max_json_depth',
  streamTimeoutSeconds: 'stream_timeout_seconds',
  keyPrefix: 'session_key_prefix',
};

export function diffConfig(previous: GatewayConfig, next: GatewayConfig): ConfigDiff {
  const needsRestart: string[] = [];
  for (const [field, key] of Object.entries(GATEWAY_KEYS) as [keyof GatewayConfig['gateway'], string][]) {
    if (!isDeepStrictEqual(previous.gateway[field], next.gateway[field])) needsRestart.push(key);
  }
  for (const [field, key] of Object.entries(SESSION_KEYS) as [keyof GatewayConfig['session'], string][]) {
    if (!isDeepStrictEqual(previous.session[field], next.session[field])) needsRestart.push(key);
  }
  if (!isDeepStrictEqual(previous.authentication, next.authentication)) needsRestart.push('authentication');
  // Includes every backend's `scopes`: identity compiles the rules once at start.
  if (!isDeepStrictEqual(previous.authorization, next.authorization)) needsRestart.push('authorization');
  if (!isDeepStrictEqual(previous.audit, next.audit)) needsRestart.push('audit');
  if ((previous.compliance ?? 'standard') !== (next.compliance ?? 'standard')) needsRestart.push('compliance');
  if (!isDeepStrictEqual(previous.telemetry, next.telemetry)) needsRestart.push('telemetry');
  if (!isDeepStrictEqual(previous.reload, next.reload)) needsRestart.push('reload');
  if (!isDeepStrictEqual(previous.outbound, next.outbound)) needsRestart.push('outbound');
  if (!isDeepStrictEqual(previous.registry, next.registry)) needsRestart.push('registry');
  // A tenant's policies are part of `policies` (live); who owns, is granted and administers what is read at start.
  if (!isDeepStrictEqual(tenantsWithoutPolicies(previous), tenantsWithoutPolicies(next))) needsRestart.push('tenants');

  const backends = diffBackends(previous.backends, next.backends);
  // Identity compiles the scope rules once at start (identity/gateway-identity.ts).
  const scopeBefore = new Map(previous.backends.map((backend) => [backend.name, backend.requiredScope]));
  for (const backend of next.backends) {
    if (!backend.enabled) continue;
    const isNew = !scopeBefore.has(backend.name);
    if (isNew ? backend.requiredScope !== undefined : scopeBefore.get(backend.name) !== backend.requiredScope) {
      needsRestart.push(`backends[${backend.name}].required_scope`);
    }
  }

  const isPolicyChanged = !isDeepStrictEqual(previous.policies, next.policies);
  const isDiscoveryChanged = !isDeepStrictEqual(previous.discovery, next.discovery);
  const isUsageChanged = !isDeepStrictEqual(previous.usage, next.usage);
  const hasBackendChanges = backends.added.length + backends.removed.length + backends.changed.length > 0;
  return {
    backends,
    isPolicyChanged,
    isDiscoveryChanged,
    isUsageChanged,
    needsRestart,
    isEmpty: !hasBackendChanges && !isPolicyChanged && !isDiscoveryChanged && !isUsageChanged && needsRestart.length === 0,
  };
}

function tenantsWithoutPolicies(config: GatewayConfig): unknown {
  const tenants = config.tenants;
  return tenants === undefined ? undefined : { ...tenants, tenants: tenants.tenants.map(({ policies: _policies, ...tenant }) => tenant) };
}

/** One line for the log: "backends +a -b ~c; policies changed; needs restart: gateway.port". */
export function summarizeDiff(diff: ConfigDiff): string {
  if (diff.isEmpty) return 'no changes';
  const parts: string[] = [];
  const { added, removed, changed } = diff.backends;
  if (added.length + removed.length + changed.length > 0) {
    const names = [...added.map((name) => `+${name}`), ...removed.map((name) => `-${name}`), ...changed.map((name) => `~${name}`)];
    parts.push(`backends ${names.join(' ')}`);
  }
  if (diff.isPolicyChanged) parts.push('policies changed');
  if (diff.isDiscoveryChanged) parts.push('discovery changed');
  if (diff.isUsageChanged) parts.push('usage teams changed');
  if (diff.needsRestart.length > 0) parts.push(`needs restart (ignored until then): ${diff.needsRestart.join(', ')}`);
  return parts.join('; ');
}
