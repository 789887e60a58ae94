// The one place that decides whether a backend is routed: the registry's
// lifecycle state (lifecycle.ts routability) over a cache of the store's
// entries. The backend set asks it for every backend it would run, enrols
// backends that have no entry yet (config as pre-approved unless marked
// proposed, discovered as proposed), and re-reconciles when it says a
// backend's routability changed, so a transition takes effect at once.

import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { BackendConfig } from '../config/backend-schema.ts';
import type { RegistryConfig } from '../config/registry-schema.ts';
import { DEFAULT_SQLITE_PATH } from '../audit/settings.ts';
import { SqliteRegistryStore } from './sqlite-store.ts';
import { PostgresRegistryStore } from './postgres-store.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { EntrySpec, RegistryEntry } from './entry.ts';
import { isRegistryError } from './errors.ts';
import { DEFAULT_LIFECYCLE_POLICY, routability, type Actor, type DeprecationNotice, type LifecyclePolicy, type RegistryEvent } from './lifecycle.ts';
import { reviewAfterToolChange, type ToolChange } from './tool-governance.ts';
import { withheldTools } from './definition-governance.ts';
import { DEFAULT_REVIEW_SWEEP_INTERVAL_SECONDS, sweepStep } from './review-sweep.ts';
import { proposeEntry } from './entry-commands.ts';
import type { RegistryStore } from './store.ts';

/** Where a backend came from: the config file, or the name of a discovery source. */
export type BackendOrigin = 'config' | `discovery:${string}`;

export interface RoutingGateOptions {
  store: RegistryStore;
  /** false: entries are kept and reviewed, but every backend is routed (the gate only logs). */
  enforce: boolean;
  policy?: LifecyclePolicy;
  logger: Logger;
  now?: () => Date;
  /** The tenant owning a backend (`tenants` config, docs/tenants.md): a new entry's `spec.tenant`; absent or undefined: `default`. */
  tenantOf?: (backend: string) => string | undefined;
  /** A change the gateway made itself (no admin request): the caller appends it to the audit log with `details`. */
  onSystemEvent?: (event: RegistryEvent, details: Record<string, unknown>) => Promise<void>;
  /** `registry.block_breaking_without_major`: tools a breaking change without a major version step touched leave the catalog until reviewed. */
  blockBreakingWithoutMajor?: boolean;
}

/** How often a replica re-reads the store for transitions written elsewhere. */
const REFRESH_INTERVAL_MS = 5_000;

/** The config file is loaded as a platform actor: it may pre-approve (docs/registry.md, Creation). */
const CONFIG_ACTOR: Actor = { principal: 'system:config', roles: ['platform_admin'] };

export class RoutingGate {
  readonly store: RegistryStore;
  readonly enforce: boolean;
  readonly policy: LifecyclePolicy;
  readonly #logger: Logger;
  readonly #now: () => Date;
  readonly #tenantOf: (backend: string) => string | undefined;
  readonly #onSystemEvent: RoutingGateOptions['onSystemEvent'];
  readonly #blockBreakingWithoutMajor: boolean;
  readonly #observers = new Set<(entry: RegistryEntry) => void>();
  #entries = new Map<string, RegistryEntry>();
  /** Backends a discovery source reported, so drift does not call them "no longer configured". */
  readonly #discovered = new Set<string>();
  #refreshTimer: NodeJS.Timeout | undefined;
  #sweepTimer: NodeJS.Timeout | undefined;
  #isRefreshFailing = false;
  readonly #listeners = new Set<(names: readonly string[]) => Promise<unknown> | void>();

  constructor(options: RoutingGateOptions) {
    this.store = options.store;
    this.enforce = options.enforce;
    this.policy = options.policy ?? DEFAULT_LIFECYCLE_POLICY;
    this.#logger = options.logger;
    this.#now = options.now ?? (() => new Date());
    this.#tenantOf = options.tenantOf ?? (() => undefined);
    this.#onSystemEvent = options.onSystemEvent;
    this.#blockBreakingWithoutMajor = options.blockBreakingWithoutMajor === true;
  }

  /** Whether the catalog leaves out `backend`'s `tool`: a breaking change without a major step, not yet reviewed, with `block_breaking_without_major`. */
  withholds(backend: string, tool: string): boolean {
    if (!this.#blockBreakingWithoutMajor) return false;
    const entry = this.#entries.get(backend);
    return entry !== undefined && withheldTools(entry).has(tool);
  }

  /** Called with every entry this process writes (observe), e.g. to snapshot an approved backend's definitions. */
  onObserve(listener: (entry: RegistryEntry) => void): () => void {
    this.#observers.add(listener);
    return () => this.#observers.delete(listener);
  }

  /** Whether calls and catalog listings may reach `name` now. Synchronous: it reads the cache. */
  allows(name: string): boolean {
    if (!this.enforce) return true;
    const entry = this.#entries.get(name);
    return entry !== undefined && routability(entry).isRoutable;
  }

  /** The deprecation notice of a routed, deprecated backend (for its tools' `_meta` and descriptions). */
  notice(name: string): DeprecationNotice | undefined {
    const entry = this.#entries.get(name);
    if (entry === undefined) return undefined;
    const routable = routability(entry);
    return routable.isRoutable ? routable.notice : undefined;
  }

  /** Called with the names whose routability (or notice) changed; the backend set re-reconciles (awaited by observe). */
  onChange(listener: (names: readonly string[]) => Promise<unknown> | void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Gives every backend without an entry one: the config file's start active
   * unless marked `lifecycle: proposed`; discovered ones start proposed,
   * proposed by the owner their record names (so that owner cannot review
   * it), else by the discovery source. Existing entries are left alone: the
   * store, not the file, holds lifecycle state.
   */
  async enrol(backends: readonly BackendConfig[], origin: BackendOrigin): Promise<void> {
    for (const backend of backends) {
      if (origin !== 'config') this.#discovered.add(backend.name);
      if (this.#entries.has(backend.name)) continue;
      const spec = seedSpec(backend, origin, this.#tenantOf(backend.name));
      const actor: Actor = origin === 'config' ? CONFIG_ACTOR : { principal: backend.registry?.owner ?? `system:${origin}`, roles: [] };
      try {
        const { entry } = await proposeEntry(this.store, spec, actor, this.#now(), origin === 'config' ? 'declared in the config file' : `found by ${origin}`, this.policy);
        this.#entries.set(entry.spec.name, entry);
        this.#logger.info({ backend: backend.name, state: entry.status.state, origin }, 'backend entered the registry');
      } catch (error) {
        if (isRegistryError(error) && error.code === 'already_exists') {
          const stored = await this.store.get(backend.name);
          if (stored !== undefined) this.#entries.set(stored.spec.name, stored);
          continue;
        }
        this.#logger.warn({ backend: backend.name, origin, err: error }, 'a backend could not enter the registry; it is not routed until it has an entry');
      }
    }
  }

  /**
   * Tool pinning quarantined a changed definition of `backend`'s tool: an
   * approved or active entry goes back to review (tool-governance.ts), leaves
   * every catalog at once, and the change is audited with both hashes.
   * Undefined when nothing changed (no entry, already acted on, not reviewed).
   */
  async reviewToolChange(backend: string, change: ToolChange): Promise<RegistryEntry | undefined> {
    // Another writer may win the compare-and-set; read again and re-decide, a few times.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const current = await this.store.get(backend);
      if (current === undefined) return undefined;
      const outcome = reviewAfterToolChange(current, change, this.#now(), this.policy);
      if (outcome === undefined) return undefined;
      if (!outcome.isApplied) {
        this.#logger.warn({ backend, tool: change.tool, err: outcome.error }, 'a changed tool definition could not send its backend back to review');
        return undefined;
      }
      let entry: RegistryEntry;
      try {
        entry = await this.store.replace(outcome.entry, current.metadata.resourceVersion);
      } catch (error) {
        if (isRegistryError(error) && error.code === 'conflict') continue;
        throw error;
      }
      await this.observe(entry);
      const event = { ...outcome.event, resourceVersion: entry.metadata.resourceVersion };
      this.#logger.warn({ backend, tool: change.tool, from: event.from, to: event.to, pinnedHash: change.pinnedHash, currentHash: change.currentHash }, 'a tool definition changed after review; its backend is back in review and not routed until reviewed');
      await this.#onSystemEvent?.(event, { trigger: 'tool_pin_change', tool: change.tool, pinned_hash: change.pinnedHash ?? null, current_hash: change.currentHash, changes: change.changes });
      return entry;
    }
    this.#logger.warn({ backend, tool: change.tool }, 'a changed tool definition could not send its backend back to review: the entry kept changing; the next report retries');
    return undefined;
  }

  /**
   * One pass of the review sweep (review-sweep.ts) over the store: flags
   * overdue entries and, with `suspendOverdue`, suspends the serving ones,
   * each suspension applied to the catalogs and audited before the next.
   * An entry another writer changed meanwhile is left for the next pass.
   */
  async sweepReviews(suspendOverdue: boolean): Promise<RegistryEntry[]> {
    const suspended: RegistryEntry[] = [];
    for (const current of await this.store.list()) {
      const step = sweepStep(current, this.#now(), suspendOverdue, this.policy);
      if (step.kind === 'none') continue;
      const next = step.kind === 'flag' ? step.entry : step.outcome.entry;
      let entry: RegistryEntry;
      try {
        entry = await this.store.replace(next, current.metadata.resourceVersion);
      } catch (error) {
        if (isRegistryError(error) && error.code === 'conflict') continue;
        throw error;
      }
      await this.observe(entry);
      if (step.kind === 'suspend') {
        const event = { ...step.outcome.event, resourceVersion: entry.metadata.resourceVersion };
        this.#logger.warn({ backend: entry.spec.name, nextReviewAt: current.status.nextReviewAt }, 'a backend is past its review date and is suspended until reviewed');
        await this.#onSystemEvent?.(event, { trigger: 'review_overdue', next_review_at: current.status.nextReviewAt ?? null });
        suspended.push(entry);
      }
    }
    return suspended;
  }

  /** Runs sweepReviews every `intervalSeconds`; a failing pass is logged and the next one tries again. */
  startReviewSweep(intervalSeconds: number, suspendOverdue: boolean): void {
    clearInterval(this.#sweepTimer);
    let isRunning = false;
    this.#sweepTimer = setInterval(() => {
      if (isRunning) return;
      isRunning = true;
      this.sweepReviews(suspendOverdue)
        .catch((error: unknown) => this.#logger.warn({ store: this.store.location, err: error }, 'the review sweep failed; the next one tries again'))
        .finally(() => {
          isRunning = false;
        });
    }, intervalSeconds * 1000);
    this.#sweepTimer.unref();
  }

  /** Every entry as this process last read or wrote it (for metrics: no store read per scrape). */
  cachedEntries(): RegistryEntry[] {
    return [...this.#entries.values()];
  }

  /** The names discovery has reported since start. */
  discoveredNames(): ReadonlySet<string> {
    return this.#discovered;
  }

  /** Reads every entry again (another replica or admin may have written); tells listeners what changed. */
  async refresh(): Promise<void> {
    const entries = await this.store.list();
    // A read that began before this process's own write must not undo it: the newer version wins.
    const newer = (entry: RegistryEntry) => {
      const cached = this.#entries.get(entry.spec.name);
      return cached !== undefined && Number(cached.metadata.resourceVersion) > Number(entry.metadata.resourceVersion) ? cached : entry;
    };
    await this.#replace(new Map([...this.#entries, ...entries.map((entry): [string, RegistryEntry] => [entry.spec.name, newer(entry)])]));
  }

  /**
   * An entry this process just wrote (admin API): the gate follows it at
   * once, and this resolves when the backend set has applied it (the backend
   * left every catalog, or joined it), so the admin's answer means "done".
   */
  async observe(entry: RegistryEntry): Promise<void> {
    const next = new Map(this.#entries);
    next.set(entry.spec.name, entry);
    await this.#replace(next);
    for (const observer of this.#observers) observer(entry);
  }

  async #replace(next: Map<string, RegistryEntry>): Promise<void> {
    const changed: string[] = [];
    for (const name of new Set([...this.#entries.keys(), ...next.keys()])) {
      if (gateKey(this.#entries.get(name)) !== gateKey(next.get(name))) changed.push(name);
    }
    this.#entries = next;
    if (changed.length === 0) return;
    await Promise.all([...this.#listeners].map(async (listener) => {
      try {
        await listener(changed);
      } catch (error) {
        this.#logger.warn({ backends: changed, err: error }, 'applying a registry change to the running backends failed; the next change retries');
      }
    }));
  }

  /**
   * Re-reads the store every `intervalMs`, so a transition another replica
   * (or another admin listener) wrote reaches this one's catalog too. A store
   * that cannot be read keeps the last answers, logged once per outage.
   */
  startRefresh(intervalMs: number): void {
    clearInterval(this.#refreshTimer);
    this.#refreshTimer = setInterval(() => {
      this.refresh().then(() => {
        if (this.#isRefreshFailing) this.#logger.info({ store: this.store.location }, 'the registry store is readable again');
        this.#isRefreshFailing = false;
      }, (error: unknown) => {
        if (!this.#isRefreshFailing) this.#logger.warn({ store: this.store.location, err: error }, 'cannot read the registry store; routing keeps its last known answers');
        this.#isRefreshFailing = true;
      });
    }, intervalMs);
    this.#refreshTimer.unref();
  }

  close(): Promise<void> {
    clearInterval(this.#refreshTimer);
    clearInterval(this.#sweepTimer);
    return this.store.close();
  }
}

/** What the gate's answer depends on: routed or not, the notice, and the tools a breaking change may withhold. */
function gateKey(entry: RegistryEntry | undefined): string {
  if (entry === undefined) return 'absent';
  const routable = routability(entry);
  return `${routable.isRoutable ? `routed:${routable.notice?.header ?? ''}` : 'held'}:${[...withheldTools(entry)].join(',')}`;
}

/** The spec a backend without an entry is enrolled with: its declared registry keys, defaults for the rest. */
export function seedSpec(backend: BackendConfig, origin: BackendOrigin, tenant = 'default'): EntrySpec {
  const declared = backend.registry ?? {};
  return {
    name: backend.name,
    description: declared.description ?? (origin === 'config' ? `${backend.name}, declared in the config file` : `${backend.name}, found by ${origin}`),
    owner: declared.owner ?? 'team:unassigned',
    tenant,
    ...(declared.team === undefined ? {} : { team: declared.team }),
    riskTier: declared.riskTier ?? 'medium',
    dataClassification: declared.dataClassification ?? 'internal',
    scopes: declared.scopes ?? [],
    links: declared.links ?? {},
    ...(declared.version === undefined ? {} : { version: declared.version }),
    // A discovered record never skips the review, whatever it declares.
    preApproved: origin === 'config' && declared.lifecycle !== 'proposed',
  };
}

/**
 * The store a `registry:` section names. A relative SQLite path is taken from
 * `baseDirectory` (the config file's); none: `.gatehouse/registry.db` beside
 * the embedded default's audit database.
 */
export function openRegistryStore(config: RegistryConfig, baseDirectory: string): Promise<RegistryStore> {
  if (config.store.kind === 'postgres') return PostgresRegistryStore.open({ url: config.store.url, ...(config.store.schema === undefined ? {} : { schema: config.store.schema }) });
  const path = config.store.path === undefined ? join(dirname(DEFAULT_SQLITE_PATH), 'registry.db') : isAbsolute(config.store.path) ? config.store.path : resolve(baseDirectory, config.store.path);
  return Promise.resolve(new SqliteRegistryStore(path));
}

/**
 * Opens the configured store and the gate over it, enrolling the config
 * file's backends before anything is routed.
 */
export async function openRoutingGate(config: RegistryConfig, options: { baseDirectory: string; logger: Logger; backends: readonly BackendConfig[]; tenantOf?: (backend: string) => string | undefined; onSystemEvent?: RoutingGateOptions['onSystemEvent'] }): Promise<RoutingGate> {
  const store = await openRegistryStore(config, options.baseDirectory);
  const policy: LifecyclePolicy = {
    requiredReviewers: { ...DEFAULT_LIFECYCLE_POLICY.requiredReviewers, ...config.requiredReviewers },
    reviewIntervalDays: config.reviewIntervalDays === undefined ? DEFAULT_LIFECYCLE_POLICY.reviewIntervalDays : { low: config.reviewIntervalDays, medium: config.reviewIntervalDays, high: config.reviewIntervalDays, critical: config.reviewIntervalDays },
  };
  const gate = new RoutingGate({ store, enforce: config.enforce, policy, logger: options.logger, blockBreakingWithoutMajor: config.blockBreakingWithoutMajor === true, ...(options.tenantOf === undefined ? {} : { tenantOf: options.tenantOf }), ...(options.onSystemEvent === undefined ? {} : { onSystemEvent: options.onSystemEvent }) });
  await gate.refresh();
  await gate.enrol(options.backends.filter((backend) => backend.enabled), 'config');
  gate.startRefresh(REFRESH_INTERVAL_MS);
  gate.startReviewSweep(config.reviewSweepIntervalSeconds ?? DEFAULT_REVIEW_SWEEP_INTERVAL_SECONDS, config.suspendOverdue === true);
  return gate;
}
