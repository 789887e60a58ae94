// The registry of policy types: name -> settings schema (zod) + factory, as
// Envoy registers filters. `buildPolicies` validates every configured
// policy's settings (the problems name `policies[i].settings.key` and what
// was expected), builds the policies in declared order, and returns them
// with the chain and the services the gateway wires elsewhere (approvals,
// tool pins, argument validators). A new policy is one file and one entry.
//
// Each type's module is imported the first time a config names the type, and
// the shared build pieces (CEL conditions in `applies_to`, counters, approvals,
// pins) only when a config has any policy: a gateway without argument
// validation never loads ajv, one without policies never loads @bufbuild/cel
// (about 210 modules together; bench/footprint/loaded-modules.ts
// counts them). That is why building and validating are async.

import { resolve } from 'node:path';
import type { z } from 'zod';
import type { PolicyConfig } from '../config/policy-schema.ts';
import { formatKeyPath, type ConfigProblem, type KeyPathSegment } from '../config/errors.ts';
import { describeFound } from '../config/validation-problems.ts';
import type { Authorization } from '../identity/authorization.ts';
import type { Caller } from '../identity/caller.ts';
import type { Policy } from './policy.ts';
import { createPolicyChain, type PolicyChain } from './chain.ts';
import type { appliesToSchema } from './condition-schema.ts';
import { compileApplicability, type Applicability } from './applicability.ts';
import type { ToolAccessVerdict } from './tool-access.ts';
import type { ArgumentValidators } from './argument-validation.ts';
import type { PinAcceptance, ToolPins, ToolPinsOptions } from './tool-pinning.ts';
import type { Approvals, ApprovalDecisionRecord } from './approval-service.ts';
import type { CounterStore } from './counter-store.ts';
import type { RedisCommands } from './redis-counter-store.ts';
import type { PinStore } from './pin-store.ts';
import { NO_TOOL_DEFINITIONS, type ToolDefinition, type ToolDefinitions } from './tool-definitions.ts';
import type { DryRunCall, DryRunEstimates } from './dry-run-estimate.ts';

/** What policies may need from the gateway; every field is optional and has a working default. */
export interface PolicyDependencies {
  /** The catalog lookup of a backend tool's current definition (argument validation, tool pinning). */
  toolDefinitions?: ToolDefinitions;
  /** Identity's compiled authorization rules (scope_check). */
  authorization?: Authorization;
  /** A connected node-redis client: rate limits and counters with `store: auto` use it (shared by replicas). */
  redis?: (RedisCommands & object) | undefined;
  /** Memory counters to keep across reloads; default: a new store per build. */
  counters?: CounterStore;
  /** Approvals to keep across reloads; default: a new service with a memory store. */
  approvals?: Approvals;
  /** Base of approval page URLs when the registry creates the service (default the admin listener, http://127.0.0.1:8081). */
  approvalUrlBase?: string | (() => string);
  onApprovalDecision?: (record: ApprovalDecisionRecord) => void;
  /** Pins to keep across reloads; default: the tool_pinning policy's `path`, opened here. */
  pinStore?: PinStore;
  /** Where a relative pin `path` is resolved (the config file's folder); default the working directory. */
  baseDirectory?: string;
  onQuarantine?: ToolPinsOptions['onQuarantine'];
  onPinAccepted?: (acceptance: PinAcceptance) => void;
  /** Calls a backend tool with `dry_run: true` for rules that decide on an estimate (dry-run-estimate.ts dryRunThroughBackends). */
  dryRun?: DryRunCall;
  now?: () => number;
}

interface BuildContext {
  dependencies: PolicyDependencies;
  toolDefinitions: ToolDefinitions;
  memoryCounters: CounterStore;
  redisCounters: CounterStore | undefined;
  approvals(): Approvals;
  pins(path: string, mode: 'trust_on_first_use' | 'require_review'): ToolPins;
  estimates: DryRunEstimates;
}

type ToolAccessDecider = (caller: Caller | undefined, backend: string, tool: string) => ToolAccessVerdict;

interface PolicyType<Schema extends z.ZodType> {
  settings: Schema;
  /** Methods the policy runs on unless `applies_to.methods` says otherwise. */
  defaultMethods: readonly string[];
  create(name: string, settings: z.output<Schema>, context: BuildContext): Policy;
  /** tool_access: how its settings hide tools from tools/list. */
  toolAccessOf?(settings: z.output<Schema>): ToolAccessDecider;
}

function policyType<Schema extends z.ZodType>(definition: PolicyType<Schema>): PolicyType<z.ZodType> {
  return definition as unknown as PolicyType<z.ZodType>;
}

const TOOL_CALLS = ['tools/call'] as const;

function countersFor(store: 'auto' | 'memory' | 'redis', context: BuildContext): CounterStore {
  if (store === 'memory') return context.memoryCounters;
  if (store === 'redis') {
    if (context.redisCounters === undefined) throw new SettingsError(['store'], 'expected "memory" or "auto": this gateway has no Redis connection (set session_store to a redis:// URL)');
    return context.redisCounters;
  }
  return context.redisCounters ?? context.memoryCounters;
}

/** Each type's module, imported on first use (see the header). */
const POLICY_TYPES: Readonly<Record<string, () => Promise<PolicyType<z.ZodType>>>> = {
  scope_check: async () => {
    const { createScopeCheck, scopeCheckSettings } = await import('./scope-check.ts');
    return policyType({
      settings: scopeCheckSettings,
      defaultMethods: ['tools/call', 'prompts/get', 'resources/read', 'completion/complete'],
      create: (name, settings, context) => createScopeCheck(name, settings, { authorization: context.dependencies.authorization }),
    });
  },
  tool_access: async () => {
    const { compileToolAccess, createToolAccess, toolAccessSettings } = await import('./tool-access.ts');
    return policyType({ settings: toolAccessSettings, defaultMethods: TOOL_CALLS, create: (name, settings) => createToolAccess(name, settings), toolAccessOf: compileToolAccess });
  },
  argument_validation: async () => {
    const { argumentValidationSettings, createArgumentValidation } = await import('./argument-validation.ts');
    return policyType({
      settings: argumentValidationSettings,
      defaultMethods: TOOL_CALLS,
      create: (name, settings, context) => createArgumentValidation(name, settings, { toolDefinitions: context.toolDefinitions }),
    });
  },
  input_screening: async () => {
    const { createInputScreening, inputScreeningSettings } = await import('./input-screening.ts');
    return policyType({ settings: inputScreeningSettings, defaultMethods: ['tools/call', 'prompts/get', 'completion/complete'], create: (name, settings) => createInputScreening(name, settings) });
  },
  rate_limit: async () => {
    const { createRateLimit, rateLimitSettings } = await import('./rate-limit.ts');
    return policyType({
      settings: rateLimitSettings,
      defaultMethods: ['*'],
      create: (name, settings, context) => {
        if (settings.store === 'redis' && context.dependencies.redis === undefined) throw new SettingsError(['store'], 'expected "memory" or "auto": this gateway has no Redis connection (set session_store to a redis:// URL)');
        const redisClient = settings.store === 'memory' ? undefined : context.dependencies.redis;
        return createRateLimit(name, settings, { redisClient, now: context.dependencies.now });
      },
    });
  },
  step_budget: async () => {
    const { createStepBudget, stepBudgetSettings } = await import('./step-budget.ts');
    return policyType({
      settings: stepBudgetSettings,
      defaultMethods: TOOL_CALLS,
      create: (name, settings, context) => createStepBudget(name, settings, { counters: countersFor(settings.store, context), now: context.dependencies.now }),
    });
  },
  cost_per_session: async () => {
    const { costCeilingSettings, createCostCeiling } = await import('./cost-ceiling.ts');
    return policyType({
      settings: costCeilingSettings,
      defaultMethods: TOOL_CALLS,
      create: (name, settings, context) => createCostCeiling(name, settings, { counters: countersFor(settings.store, context), estimates: context.estimates, now: context.dependencies.now }),
    });
  },
  response_filter: async () => {
    const { createRedaction, redactionSettings } = await import('./redaction.ts');
    return policyType({ settings: redactionSettings, defaultMethods: ['tools/call', 'resources/read', 'prompts/get'], create: (name, settings) => createRedaction(name, settings) });
  },
  approval: async () => {
    const { approvalSettings, createApproval } = await import('./approval-policy.ts');
    return policyType({
      settings: approvalSettings,
      defaultMethods: TOOL_CALLS,
      create: (name, settings, context) => createApproval(name, settings, { approvals: context.approvals(), estimates: context.estimates, now: context.dependencies.now }),
    });
  },
  tool_pinning: async () => {
    const { createToolPinning, toolPinningSettings } = await import('./tool-pinning.ts');
    return policyType({
      settings: toolPinningSettings,
      defaultMethods: TOOL_CALLS,
      create: (name, settings, context) => createToolPinning(name, context.pins(settings.path, settings.mode)),
    });
  },
};

const loadedTypes = new Map<string, Promise<PolicyType<z.ZodType>>>();

function loadPolicyType(type: string): Promise<PolicyType<z.ZodType>> {
  let loading = loadedTypes.get(type);
  if (loading === undefined) {
    loading = POLICY_TYPES[type]!();
    loadedTypes.set(type, loading);
  }
  return loading;
}

/** What building any policy needs besides its own type: the `applies_to` schema (CEL), counters, approvals, pins, estimates. */
async function importBuildPieces() {
  const [conditionSchema, counterStore, redisCounterStore, approvalService, redisApprovalStore, pinStore, toolPinning, dryRunEstimate] = await Promise.all([
    import('./condition-schema.ts'),
    import('./counter-store.ts'),
    import('./redis-counter-store.ts'),
    import('./approval-service.ts'),
    import('./redis-approval-store.ts'),
    import('./pin-store.ts'),
    import('./tool-pinning.ts'),
    import('./dry-run-estimate.ts'),
  ]);
  return {
    appliesToSchema: conditionSchema.appliesToSchema,
    MemoryCounterStore: counterStore.MemoryCounterStore,
    RedisCounterStore: redisCounterStore.RedisCounterStore,
    Approvals: approvalService.Approvals,
    RedisApprovalStore: redisApprovalStore.RedisApprovalStore,
    SqlitePinStore: pinStore.SqlitePinStore,
    ToolPins: toolPinning.ToolPins,
    DryRunEstimates: dryRunEstimate.DryRunEstimates,
  };
}

type BuildPieces = Awaited<ReturnType<typeof importBuildPieces>>;
let buildPieces: Promise<BuildPieces> | undefined;

/** The known types the configs name, loaded, with the shared pieces; nothing is imported for an empty list. */
async function loadFor(configs: readonly PolicyConfig[]): Promise<{ pieces: BuildPieces | undefined; types: ReadonlyMap<string, PolicyType<z.ZodType>> }> {
  if (configs.length === 0) return { pieces: undefined, types: new Map() };
  const names = [...new Set(configs.map((config) => resolvePolicyType(config.type)).filter((type) => type !== undefined))];
  const [pieces, ...types] = await Promise.all([buildPieces ??= importBuildPieces(), ...names.map(loadPolicyType)]);
  return { pieces, types: new Map(names.map((name, index) => [name, types[index]!])) };
}

/** Other names users' policy files write for the same types. */
const POLICY_TYPE_ALIASES: Readonly<Record<string, string>> = {
  cost_ceiling: 'cost_per_session',
  redaction: 'response_filter',
  pii_redaction: 'response_filter',
  scope: 'scope_check',
  human_approval: 'approval',
};

export interface PolicySet {
  readonly policies: readonly Policy[];
  readonly chain: PolicyChain;
  /** Present when an approval policy is configured (or passed in): the admin API and the bridge use it. */
  readonly approvals: Approvals | undefined;
  /** Present when a tool_pinning policy is configured. */
  readonly pins: ToolPins | undefined;
  readonly argumentValidators: ArgumentValidators | undefined;
  /** A backend's tool definitions changed (list_changed, reconnect): drop what was compiled from them. */
  invalidateBackend(backend: string): void;
  /** tools/list: hides quarantined tools and tools a tool_access policy denies this caller. */
  filterTools<T>(caller: Caller | undefined, items: readonly T[], refOf: (item: T) => { backend: string; tool: string; definition?: ToolDefinition } | undefined): readonly T[];
  /** Closes what the build opened (pin files); stores passed in stay open. */
  close(): Promise<void>;
}

export type BuildResult = { ok: true; set: PolicySet } | { ok: false; problems: ConfigProblem[] };

/** A settings problem found while building (not by the schema), with the key it is about. */
class SettingsError extends Error {
  readonly path: KeyPathSegment[];
  constructor(path: KeyPathSegment[], message: string) {
    super(message);
    this.path = path;
  }
}

function resolvePolicyType(type: string): string | undefined {
  const canonical = POLICY_TYPE_ALIASES[type] ?? type;
  return canonical in POLICY_TYPES ? canonical : undefined;
}

export async function buildPolicies(configs: readonly PolicyConfig[], dependencies: PolicyDependencies = {}): Promise<BuildResult> {
  const { pieces, types } = await loadFor(configs);
  if (pieces === undefined) return { ok: true, set: policySet([], [], dependencies.approvals, undefined, undefined, [], dependencies.toolDefinitions ?? NO_TOOL_DEFINITIONS) };
  const { MemoryCounterStore, RedisCounterStore, Approvals, RedisApprovalStore, SqlitePinStore, ToolPins, DryRunEstimates } = pieces;
  const problems: ConfigProblem[] = [];
  const opened: { close(): void }[] = [];
  let approvals = dependencies.approvals;
  const pinsByPath = new Map<string, ToolPins>();
  const toolDefinitions = dependencies.toolDefinitions ?? NO_TOOL_DEFINITIONS;
  const context: BuildContext = {
    dependencies,
    toolDefinitions,
    estimates: new DryRunEstimates({ call: dependencies.dryRun, toolDefinitions }),
    memoryCounters: dependencies.counters ?? new MemoryCounterStore(dependencies.now === undefined ? {} : { now: dependencies.now }),
    redisCounters: dependencies.redis === undefined ? undefined : new RedisCounterStore(dependencies.redis),
    // With Redis the queue is shared by every replica: held on one, approved through another, retried on a third.
    approvals: () => (approvals ??= new Approvals({
      approvalUrlBase: dependencies.approvalUrlBase ?? 'http://127.0.0.1:8081',
      onDecision: dependencies.onApprovalDecision,
      now: dependencies.now,
      ...(dependencies.redis === undefined ? {} : { store: new RedisApprovalStore(dependencies.redis, dependencies.now === undefined ? {} : { now: dependencies.now }) }),
    })),
    pins: (path, mode) => {
      const key = dependencies.pinStore === undefined ? resolve(dependencies.baseDirectory ?? process.cwd(), path) : '';
      let pins = pinsByPath.get(key);
      if (pins === undefined) {
        let store = dependencies.pinStore;
        if (store === undefined) {
          try {
            store = new SqlitePinStore(key);
          } catch (error) {
            throw new SettingsError(['path'], `expected a writable SQLite file for the tool pins, but ${key} cannot be opened: ${error instanceof Error ? error.message : String(error)}`);
          }
          opened.push(store);
        }
        pins = new ToolPins({ store, toolDefinitions: context.toolDefinitions, mode, onQuarantine: dependencies.onQuarantine, onAccept: dependencies.onPinAccepted, now: dependencies.now });
        pinsByPath.set(key, pins);
      }
      return pins;
    },
  };

  const policies: Policy[] = [];
  const toolAccess: ToolAccessDecider[] = [];
  let argumentValidators: ArgumentValidators | undefined;
  configs.forEach((config, index) => {
    const at = (path: readonly KeyPathSegment[]) => formatKeyPath([...(config.keyPath ?? ['policies', index]), ...path]);
    const checked = checkPolicy(config, index, dependencies.redis !== undefined, { pieces, types }, problems);
    if (checked === undefined) return;
    const { type, definition, appliesTo, settings } = checked;
    let policy: Policy;
    try {
      policy = definition.create(config.name, settings, context);
    } catch (error) {
      problems.push(error instanceof SettingsError
        ? { path: at(['settings', ...error.path]), message: error.message }
        : { path: at(['settings']), message: `cannot build this policy: ${error instanceof Error ? error.message : String(error)}` });
      return;
    }
    const applicability = forTenant(config.tenant, compileApplicability(appliesTo, definition.defaultMethods));
    if (applicability !== undefined) policy = { ...policy, appliesTo: applicability };
    if (definition.toolAccessOf !== undefined) toolAccess.push(toolAccessForTenant(config.tenant, definition.toolAccessOf(settings)));
    if (type === 'argument_validation') argumentValidators ??= (policy as unknown as { validators?: ArgumentValidators }).validators;
    policies.push(policy);
  });

  if (problems.length > 0) {
    for (const store of opened) store.close();
    return { ok: false, problems };
  }
  return { ok: true, set: policySet(policies, toolAccess, approvals, pinsByPath.values().next().value, argumentValidators, opened, context.toolDefinitions) };
}

function policySet(
  policies: readonly Policy[],
  toolAccess: readonly ToolAccessDecider[],
  approvals: Approvals | undefined,
  pins: ToolPins | undefined,
  argumentValidators: ArgumentValidators | undefined,
  opened: readonly { close(): void }[],
  toolDefinitions: ToolDefinitions,
): PolicySet {
  return {
    policies,
    chain: createPolicyChain(policies),
    approvals,
    pins,
    argumentValidators,
    invalidateBackend: (backend) => argumentValidators?.invalidate(backend),
    filterTools: (caller, items, refOf) => {
      if (pins === undefined && toolAccess.length === 0) return items;
      return items.filter((item) => {
        const ref = refOf(item);
        if (ref === undefined) return true;
        if (pins !== undefined && pins.isQuarantined(ref.backend, ref.tool, ref.definition ?? toolDefinitions(ref.backend, ref.tool))) return false;
        for (const decide of toolAccess) if (!decide(caller, ref.backend, ref.tool).isAllowed) return false;
        return true;
      });
    },
    close: async () => {
      for (const policy of policies) await policy.close?.();
      for (const store of opened) store.close();
    },
  };
}

interface CheckedPolicy {
  type: string;
  definition: PolicyType<z.ZodType>;
  appliesTo: z.output<typeof appliesToSchema> | undefined;
  settings: unknown;
}

/**
 * Everything that can be known about one configured policy without building
 * it (no pin file opened, no connection): its type, every settings key, CEL
 * conditions and regular expressions (compiled by the schemas), and a store
 * that needs Redis where there is none. Problems are appended; `undefined`
 * when there were any.
 */
function checkPolicy(config: PolicyConfig, index: number, hasRedis: boolean, loaded: { pieces: BuildPieces; types: ReadonlyMap<string, PolicyType<z.ZodType>> }, problems: ConfigProblem[]): CheckedPolicy | undefined {
  const at = (path: readonly KeyPathSegment[]) => formatKeyPath([...(config.keyPath ?? ['policies', index]), ...path]);
  const type = resolvePolicyType(config.type);
  if (type === undefined) {
    problems.push({ path: at(['type']), message: `unknown policy type "${config.type}"; expected one of ${Object.keys(POLICY_TYPES).join(', ')} (or ${Object.keys(POLICY_TYPE_ALIASES).join(', ')})` });
    return undefined;
  }
  const definition = loaded.types.get(type)!;
  const { applies_to: appliesToInput, ...settingsInput } = config.settings;
  const appliesTo = loaded.pieces.appliesToSchema.optional().safeParse(appliesToInput);
  const settings = definition.settings.safeParse(settingsInput);
  if (!appliesTo.success) problems.push(...describe(appliesTo.error.issues, appliesToInput, (path) => at(['settings', 'applies_to', ...path])));
  if (!settings.success) problems.push(...describe(settings.error.issues, settingsInput, (path) => at(['settings', ...path])));
  if (!appliesTo.success || !settings.success) return undefined;
  const store = (settings.data as { store?: unknown }).store;
  if (store === 'redis' && !hasRedis) {
    problems.push({ path: at(['settings', 'store']), message: 'expected "memory" or "auto": this gateway has no Redis connection (set session_store to a redis:// URL)' });
    return undefined;
  }
  return { type, definition, appliesTo: appliesTo.data, settings: settings.data };
}

/** A tenant's policy (docs/tenants.md) runs only on its tenant's exchanges, whatever its own `applies_to` says. */
function forTenant(tenant: string | undefined, applicability: Applicability | undefined): Applicability | undefined {
  if (tenant === undefined) return applicability;
  if (applicability === undefined) return (exchange) => exchange.tenant === tenant;
  return (exchange) => exchange.tenant === tenant && applicability(exchange);
}

/** A tenant's tool_access hides tools from its own callers' lists only. */
function toolAccessForTenant(tenant: string | undefined, decide: ToolAccessDecider): ToolAccessDecider {
  if (tenant === undefined) return decide;
  return (caller, backend, tool) => (caller?.tenant === tenant ? decide(caller, backend, tool) : { isAllowed: true });
}

/**
 * `gatehouse validate`: checks every configured policy as `buildPolicies`
 * would, without building any (so no pin file is created and no store is
 * opened). `hasRedis`: whether the gateway would have a Redis connection
 * (`session_store` is a redis:// URL). Problems use the config's format.
 */
export async function validatePolicies(configs: readonly PolicyConfig[], options: { hasRedis: boolean }): Promise<ConfigProblem[]> {
  const { pieces, types } = await loadFor(configs);
  const problems: ConfigProblem[] = [];
  if (pieces === undefined) return problems;
  configs.forEach((config, index) => checkPolicy(config, index, options.hasRedis, { pieces, types }, problems));
  return problems;
}

function describe(issues: readonly z.core.$ZodIssue[], input: unknown, at: (path: readonly KeyPathSegment[]) => string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    const path = issue.path as KeyPathSegment[];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push({ path: at([...path, key]), message: 'unknown key (see docs/policies.md for this type\'s settings)' });
      continue;
    }
    const found = valueAt(input, path);
    const expected = /^[a-z"]/.test(issue.message) ? issue.message : issue.code === 'invalid_type' ? `expected ${issue.expected}` : `expected a valid value (${issue.message})`;
    const message = expected.startsWith('expected ') ? `${expected}, got ${describeFound(found, path)}` : expected;
    problems.push({ path: at(path), message: found === undefined && expected.startsWith('expected ') ? `required: ${message}` : message });
  }
  return problems;
}

function valueAt(input: unknown, path: readonly KeyPathSegment[]): unknown {
  let current = input;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}
