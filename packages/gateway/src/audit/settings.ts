// The audit section of gatehouse.yaml, read from `config.audit.raw` into
// AuditSettings with defaults, paths resolved against the config file's
// directory. With no audit section, audit goes to the embedded default store:
// `.gatehouse/audit.db` under the checkout root. Keys: docs/audit.md.

import { dirname, isAbsolute, join, resolve } from 'node:path';
import { ConfigError, type ConfigProblem } from '../config/errors.ts';
import { GATEHOUSE_ROOT } from '../config/load.ts';
import { auditShape, type GatewayConfig } from '../config/schema.ts';
import type { RetentionDays } from './retention.ts';
import type { SqliteSynchronous } from './sqlite-store.ts';
import { redactionSettings } from '../policy/redaction.ts';
import type { RedactorName, RedactorOptions } from '../policy/redactors.ts';

export type FailMode = 'closed' | 'open';

/** `changes_data`: recorded before it is forwarded; `read_only`: recorded once, after it answered. */
export type ToolEffect = 'changes_data' | 'read_only';
export type ToolEffectOverrides = Readonly<Record<string, ToolEffect | Readonly<Record<string, ToolEffect>>>>;

const DEFAULT_SPOOL_MAX_BYTES = 256 * 1024 * 1024;

export interface AuditSettings {
  isEnabled: boolean;
  store: 'sqlite' | 'postgres';
  /** Absolute path of the SQLite file (store: sqlite). */
  sqlitePath: string;
  sqliteSynchronous: SqliteSynchronous;
  postgresUrl: string | undefined;
  postgresSchema: string;
  /**
   * For operations that do not change data. closed: a call whose record
   * cannot be kept fails; open: it is answered, the record spooled (or, with
   * no room, the loss counted and logged).
   */
  failMode: FailMode;
  /** For tool calls that change data (write-ahead.ts): `closed` unless set, in every compliance mode ("no record, no call"). */
  failModeForChanges: FailMode;
  /** Which tools change data, overriding their annotations: backend -> effect, or backend -> tool -> effect. */
  toolEffects: ToolEffectOverrides;
  /**
   * The fail-open spool (spool.ts): records the store could not take, replayed
   * in order when it is back. Unset: `audit-spool-<gateway id>.jsonl` beside
   * the SQLite file, or beside the signing key for PostgreSQL (spoolPathOf).
   */
  spoolPath: string | undefined;
  /** The spool's size limit; 0 turns the spool off. */
  spoolMaxBytes: number;
  retentionDays: RetentionDays;
  /** How often the gateway applies retention; 0 turns it off. */
  retentionIntervalHours: number;
  /** Whether results are stored in records, for all backends or per backend name. */
  storeOutputs: boolean | Readonly<Record<string, boolean>>;
  batchMaxRecords: number;
  batchMaxDelayMs: number;
  /** Under load, the least time between the starts of two commits (GroupCommitOptions.busyIntervalMs); undefined: the store's default. */
  batchBusyIntervalMs: number | undefined;
  maxPendingRecords: number;
  checkpointIntervalMs: number;
  checkpointEveryRecords: number;
  /** The Ed25519 key file checkpoints are signed with; generated there when missing. */
  signingKeyPath: string;
  /** Public keys (PEM files) that verify accepts besides the signing key's own. */
  trustedKeyPaths: string[];
  /** What arguments, stored outputs and error messages are redacted with before they are stored (credentials always). */
  redaction: RedactorOptions;
}

/** Where the embedded default (`npm start` with no audit section) keeps its audit records. */
export const DEFAULT_SQLITE_PATH = join(GATEHOUSE_ROOT, '.gatehouse', 'audit.db');

const DEFAULT_RETENTION_DAYS: RetentionDays = { security: 2555, routine: 365 };

// The config file's schema lists the audit keys; one list, so a key read here is never refused there.
const KNOWN_KEYS = new Set(Object.keys(auditShape));

/** Policy types (and their aliases) whose settings are the operator's redaction policy. */
const REDACTION_POLICY_TYPES = new Set(['response_filter', 'redaction', 'pii_redaction']);

/** Token material never belongs in an audit record, whatever the redaction policy says. */
const ALWAYS_REDACTED: readonly RedactorName[] = ['secrets'];

/**
 * The settings of `config` (undefined: no config file at all). `configPath`
 * anchors relative paths and names the file in errors.
 */
export function resolveAuditSettings(config: (Pick<GatewayConfig, 'audit'> & Partial<Pick<GatewayConfig, 'policies' | 'compliance'>>) | undefined, configPath?: string): AuditSettings {
  const raw = config?.audit?.raw ?? {};
  const file = configPath ?? 'gatehouse.yaml';
  const baseDirectory = configPath === undefined ? process.cwd() : dirname(resolve(configPath));
  const problems: ConfigProblem[] = [];
  const read = new SettingsReader(raw, problems);

  for (const key of Object.keys(raw)) {
    if (!KNOWN_KEYS.has(key)) problems.push({ path: `audit.${key}`, message: `is not an audit setting; known: ${[...KNOWN_KEYS].join(', ')}` });
  }
  const postgresUrl = read.text('postgres_url');
  if (postgresUrl !== undefined && !/^postgres(ql)?:\/\//.test(postgresUrl)) problems.push({ path: 'audit.postgres_url', message: 'expected a postgres:// or postgresql:// URL' });
  const store = read.choice('store', ['sqlite', 'postgres'] as const) ?? (postgresUrl === undefined ? 'sqlite' : 'postgres');
  if (store === 'postgres' && postgresUrl === undefined) problems.push({ path: 'audit.postgres_url', message: 'is needed with store: postgres (postgres://user:password@host:5432/database)' });
  const pathSetting = read.text('path');
  const sqlitePath = pathSetting === undefined ? DEFAULT_SQLITE_PATH : absolute(pathSetting, baseDirectory);
  // The top-level `compliance: strict` applies to audit as well, unless the audit section sets its own.
  const compliance = read.choice('compliance', ['strict', 'standard'] as const) ?? (config?.compliance === 'strict' ? 'strict' : 'standard');
  const keySetting = read.text('signing_key');
  const defaultKeyDirectory = store === 'sqlite' ? dirname(sqlitePath) : join(GATEHOUSE_ROOT, '.gatehouse');
  const spoolSetting = read.text('spool_path');
  const settings: AuditSettings = {
    isEnabled: read.flag('enabled') ?? true,
    store,
    sqlitePath,
    sqliteSynchronous: read.choice('sqlite_synchronous', ['full', 'normal'] as const) ?? 'full',
    postgresUrl,
    postgresSchema: read.text('postgres_schema') ?? 'public',
    failMode: read.choice('fail_mode', ['closed', 'open'] as const) ?? (compliance === 'strict' ? 'closed' : 'open'),
    failModeForChanges: read.choice('fail_mode_for_changes', ['closed', 'open'] as const) ?? 'closed',
    toolEffects: read.toolEffects('tool_effects') ?? {},
    spoolPath: spoolSetting === undefined ? undefined : absolute(spoolSetting, baseDirectory),
    spoolMaxBytes: read.number('spool_max_bytes', 0, 1_099_511_627_776) ?? DEFAULT_SPOOL_MAX_BYTES,
    retentionDays: read.retention('retention_days') ?? DEFAULT_RETENTION_DAYS,
    retentionIntervalHours: read.number('retention_interval_hours', 0, 8_760) ?? 24,
    storeOutputs: read.storeOutputs('store_outputs') ?? false,
    batchMaxRecords: read.number('batch_max_records', 1, 100_000) ?? 1_000,
    batchMaxDelayMs: read.number('batch_max_delay_ms', 0, 10_000) ?? 0,
    batchBusyIntervalMs: read.number('batch_busy_interval_ms', 0, 1_000),
    maxPendingRecords: read.number('max_pending_records', 1, 10_000_000) ?? 100_000,
    checkpointIntervalMs: (read.number('checkpoint_interval_seconds', 1, 86_400) ?? 10) * 1000,
    checkpointEveryRecords: read.number('checkpoint_every_records', 1, 100_000_000) ?? 100_000,
    signingKeyPath: keySetting === undefined ? join(defaultKeyDirectory, 'audit-signing-key.pem') : absolute(keySetting, baseDirectory),
    trustedKeyPaths: (read.textList('trusted_keys') ?? []).map((path) => absolute(path, baseDirectory)),
    redaction: auditRedaction(raw.redaction, config?.policies ?? [], problems),
  };
  if (problems.length > 0) throw new ConfigError('config_invalid', file, problems);
  return settings;
}

/** The spool file of this replica: one per gateway id, so that replicas sharing a directory never replay each other's records. */
export function spoolPathOf(settings: Pick<AuditSettings, 'spoolPath' | 'store' | 'sqlitePath' | 'signingKeyPath'>, gatewayId: string): string {
  if (settings.spoolPath !== undefined) return settings.spoolPath;
  const directory = dirname(settings.store === 'sqlite' ? settings.sqlitePath : settings.signingKeyPath);
  return join(directory, `audit-spool-${gatewayId.replace(/[^A-Za-z0-9._-]/g, '_')}.jsonl`);
}

/** Whether the records of calls to `backend` keep the (redacted) result. */
export function shouldStoreOutput(settings: Pick<AuditSettings, 'storeOutputs'>, backend: string | undefined): boolean {
  if (typeof settings.storeOutputs === 'boolean') return settings.storeOutputs;
  return backend !== undefined && settings.storeOutputs[backend] === true;
}

/**
 * `audit.redaction` (the response_filter settings: patterns, custom,
 * internal_domains) when given; else the union of the config's redaction
 * policies, so what the model is not shown is not stored either; else the
 * response_filter defaults. Credentials are added in every case.
 */
function auditRedaction(raw: unknown, policies: readonly { type: string; settings: Record<string, unknown> }[], problems: ConfigProblem[]): RedactorOptions {
  const sources: unknown[] = raw === undefined || raw === null ? policies.filter((policy) => REDACTION_POLICY_TYPES.has(policy.type)).map((policy) => withoutAppliesTo(policy.settings)) : [raw];
  if (sources.length === 0) sources.push({});
  const patterns = new Set<RedactorName>(ALWAYS_REDACTED);
  const custom: NonNullable<RedactorOptions['custom']>[number][] = [];
  const internalDomains = new Set<string>();
  for (const source of sources) {
    const parsed = redactionSettings.safeParse(source);
    if (!parsed.success) {
      // A policy's own settings are checked (and reported) by the policy registry; only audit.redaction is reported here.
      if (sources[0] === raw) problems.push({ path: 'audit.redaction', message: `expected a mapping like a response_filter policy's settings (patterns, custom, internal_domains): ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(top)'} ${issue.message}`).join('; ')}` });
      continue;
    }
    for (const name of parsed.data.patterns) patterns.add(name);
    custom.push(...parsed.data.custom);
    for (const domain of parsed.data.internal_domains) internalDomains.add(domain);
  }
  return { patterns: [...patterns], custom, internalDomains: [...internalDomains] };
}

function withoutAppliesTo(settings: Record<string, unknown>): Record<string, unknown> {
  const { applies_to: _ignored, ...rest } = settings;
  return rest;
}

function absolute(path: string, baseDirectory: string): string {
  return isAbsolute(path) ? path : resolve(baseDirectory, path);
}

/** Reads one key at a time, adding a problem (and returning undefined) for a value of the wrong shape. */
class SettingsReader {
  readonly #raw: Record<string, unknown>;
  readonly #problems: ConfigProblem[];

  constructor(raw: Record<string, unknown>, problems: ConfigProblem[]) {
    this.#raw = raw;
    this.#problems = problems;
  }

  #value(key: string): unknown {
    const value = this.#raw[key];
    return value === null ? undefined : value;
  }

  #problem(key: string, message: string): undefined {
    this.#problems.push({ path: `audit.${key}`, message });
    return undefined;
  }

  text(key: string): string | undefined {
    const value = this.#value(key);
    if (value === undefined) return undefined;
    return typeof value === 'string' && value.trim() !== '' ? value : this.#problem(key, 'expected a non-empty string');
  }

  textList(key: string): string[] | undefined {
    const value = this.#value(key);
    if (value === undefined) return undefined;
    return Array.isArray(value) && value.every((item) => typeof item === 'string' && item !== '') ? (value as string[]) : this.#problem(key, 'expected a list of file paths');
  }

  flag(key: string): boolean | undefined {
    const value = this.#value(key);
    if (value === undefined) return undefined;
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    return this.#problem(key, 'expected true or false');
  }

  number(key: string, min: number, max: number): number | undefined {
    const value = this.#value(key);
    if (value === undefined) return undefined;
    const number = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
    if (typeof number === 'number' && Number.isInteger(number) && number >= min && number <= max) return number;
    return this.#problem(key, `expected a whole number from ${min} to ${max}`);
  }

  choice<T extends string>(key: string, choices: readonly T[]): T | undefined {
    const value = this.#value(key);
    if (value === undefined) return undefined;
    return (choices as readonly unknown[]).includes(value) ? (value as T) : this.#problem(key, `expected one of ${choices.map((choice) => `"${choice}"`).join(', ')}`);
  }

  /** `retention_days: 2555` (every category) or `{security: 2555, routine: 365}`. */
  retention(key: string): RetentionDays | undefined {
    const value = this.#value(key);
    if (value === undefined) return undefined;
    const isDays = (days: unknown): days is number => typeof days === 'number' && Number.isInteger(days) && days >= 1 && days <= 36_500;
    if (isDays(value)) return { security: value, routine: value };
    if (typeof value === 'object' && !Array.isArray(value)) {
      const mapping = value as Record<string, unknown>;
      const unknown = Object.keys(mapping).filter((category) => category !== 'security' && category !== 'routine');
      const security = mapping.security ?? DEFAULT_RETENTION_DAYS.security;
      const routine = mapping.routine ?? DEFAULT_RETENTION_DAYS.routine;
      if (unknown.length === 0 && isDays(security) && isDays(routine)) return { security, routine };
    }
    return this.#problem(key, 'expected a number of days (1 to 36500), or a mapping with security and routine days');
  }

  /** `{backend: changes_data | read_only}` or `{backend: {tool: changes_data | read_only}}`. */
  toolEffects(key: string): ToolEffectOverrides | undefined {
    const value = this.#value(key);
    if (value === undefined) return undefined;
    const isEffect = (effect: unknown): effect is ToolEffect => effect === 'changes_data' || effect === 'read_only';
    if (typeof value === 'object' && !Array.isArray(value)) {
      const entries = Object.entries(value as Record<string, unknown>);
      const isValid = entries.every(([, effect]) => isEffect(effect) || (typeof effect === 'object' && effect !== null && !Array.isArray(effect) && Object.values(effect).every(isEffect)));
      if (isValid) return value as ToolEffectOverrides;
    }
    return this.#problem(key, 'expected a mapping of backend name to changes_data or read_only, or of backend name to a mapping of tool name to changes_data or read_only');
  }

  /** `true`/`false`, a list of backend names, or a mapping of backend name to true/false. */
  storeOutputs(key: string): boolean | Record<string, boolean> | undefined {
    const value = this.#value(key);
    if (value === undefined) return undefined;
    if (typeof value === 'boolean') return value;
    if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return Object.fromEntries((value as string[]).map((name) => [name, true]));
    if (typeof value === 'object' && !Array.isArray(value) && Object.values(value as object).every((item) => typeof item === 'boolean')) {
      return value as Record<string, boolean>;
    }
    return this.#problem(key, 'expected true, false, a list of backend names, or a mapping of backend name to true/false');
  }
}
