// The backends the gateway runs, reconciled against what is wanted: the
// config file's `backends` plus what each discovery source reports. A new
// backend is connected and its lists fetched before it joins the catalog; a
// changed one is started beside the old, swapped in once ready, and the old
// one closed after its calls in flight answer; a removed one leaves the
// catalog at once and is closed the same way. Clients hear list_changed
// through the catalog. Changes are applied one at a time, in arrival order.

import type { BackendConfig } from '../config/backend-schema.ts';
import { diffBackends, type BackendsDiff } from '../config/config-diff.ts';
import type { Catalog } from '../catalog/catalog.ts';
import type { ResourceSubscriptions } from '../router/resource-subscriptions.ts';
import type { BackendRegistry, UpstreamConfig } from '../upstream/backend-registry.ts';
import type { Backend } from '../upstream/backend.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { OutboundGuard } from '../outbound/outbound-guard.ts';
import type { RoutingGate } from '../registry/routing-gate.ts';

export interface BackendSetOptions {
  registry: BackendRegistry;
  catalog: Catalog;
  subscriptions: ResourceSubscriptions;
  logger: Logger;
  /** Config entry -> what the registry builds from (backend credentials attached). */
  /** `isDiscovered`: the entry came from a discovery source, so every URL it names (its token endpoint too) goes through the guard. */
  toUpstream(config: BackendConfig, isDiscovered?: boolean): UpstreamConfig;
  /** The static backends already running when the set is created. */
  initial: readonly BackendConfig[];
  /** Added to a retired backend's own timeout before it is closed regardless (default 1 s). */
  drainGraceMs?: number;
  /** A newly seen backend's first connect attempt is awaited this long at most (default 10 s); it keeps retrying after. */
  connectWaitMs?: number;
  /**
   * The guard a discovered HTTP backend's URL and connections go through: a
   * discovered record must not point the gateway at internal addresses the
   * operator did not open (`outbound.allow`). The file's own backends are not guarded.
   */
  discoveredOutbound?: OutboundGuard;
  /** The registry's routing gate: only backends it allows run; a change of its answers is reconciled at once. */
  gate?: RoutingGate;
}

export class BackendSet {
  readonly #options: BackendSetOptions;
  #static: readonly BackendConfig[];
  readonly #discovered = new Map<string, readonly BackendConfig[]>();
  /** What runs now, by name. */
  #running: Map<string, BackendConfig>;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #shadowed = new Set<string>();
  /** Names whose running entry came from a discovery source (their connections go through the guard). */
  #discoveredNames = new Set<string>();
  readonly #refused = new Set<string>();

  constructor(options: BackendSetOptions) {
    this.#options = options;
    this.#static = options.initial;
    this.#running = new Map(options.initial.filter((backend) => backend.enabled && (options.gate?.allows(backend.name) ?? true)).map((backend) => [backend.name, backend]));
    options.gate?.onChange(() => {
      options.catalog.noticesChanged();
      return this.#enqueue();
    });
  }

  /** The config file's backends changed (reload). */
  setStatic(backends: readonly BackendConfig[]): Promise<BackendsDiff> {
    this.#static = backends;
    return this.#enqueue();
  }

  /** A discovery source reports its whole current set (`[]` when it stops). */
  setDiscovered(source: string, backends: readonly BackendConfig[]): Promise<BackendsDiff> {
    if (backends.length === 0) this.#discovered.delete(source);
    else this.#discovered.set(source, backends);
    return this.#enqueue();
  }

  /** Resolves once every change asked for so far is applied. */
  settled(): Promise<void> {
    return this.#queue.then(() => undefined);
  }

  #enqueue(): Promise<BackendsDiff> {
    const run = this.#queue.then(() => this.#reconcile());
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Static first, then each source in the order it was set; on a name clash the first one wins. */
  #desired(): BackendConfig[] {
    const byName = new Map<string, BackendConfig>();
    const owners = new Map<string, string>();
    const consider = (backend: BackendConfig, owner: string) => {
      if (!backend.enabled) return;
      const key = backend.name.toLowerCase();
      const first = owners.get(key);
      if (first === undefined) {
        owners.set(key, owner);
        byName.set(backend.name, backend);
        return;
      }
      const clash = `${owner}:${backend.name}`;
      if (this.#shadowed.has(clash)) return;
      this.#shadowed.add(clash);
      this.#options.logger.warn({ backend: backend.name, source: owner, keptFrom: first }, 'a discovered backend has the name of one already configured; keeping the first, ignoring this one');
    };
    for (const backend of this.#static) consider(backend, 'config');
    for (const [source, backends] of this.#discovered) for (const backend of backends) if (this.#isAllowed(backend, source)) consider(backend, source);
    this.#discoveredNames = new Set([...byName.values()].filter((backend) => owners.get(backend.name.toLowerCase()) !== 'config').map((backend) => backend.name));
    const gate = this.#options.gate;
    return [...byName.values()].filter((backend) => gate?.allows(backend.name) ?? true);
  }

  /** A discovered URL the guard refuses before any connection (an internal IP literal, a metadata name, a bad scheme) is left out, logged once. */
  #isAllowed(backend: BackendConfig, source: string): boolean {
    const guard = this.#options.discoveredOutbound;
    if (guard === undefined || backend.kind !== 'http') return true;
    try {
      guard.checkUrl(backend.url);
      // A token endpoint the record names is a URL it supplies too (client credentials, token exchange).
      if ('tokenUrl' in backend.auth) guard.checkUrl(backend.auth.tokenUrl);
      return true;
    } catch (error) {
      const key = `${source}:${backend.name}:${backend.url}`;
      if (!this.#refused.has(key)) {
        this.#refused.add(key);
        this.#options.logger.warn({ backend: backend.name, source, url: backend.url, err: error }, 'a discovered backend points at an address the outbound guard refuses; ignoring it (open it in outbound.allow if it is yours)');
      }
      return false;
    }
  }

  async #reconcile(): Promise<BackendsDiff> {
    const gate = this.#options.gate;
    if (gate !== undefined) {
      await gate.enrol(this.#static.filter((backend) => backend.enabled), 'config');
      for (const [source, backends] of this.#discovered) await gate.enrol(backends.filter((backend) => backend.enabled), `discovery:${source}`);
    }
    const desired = this.#desired();
    const diff = diffBackends([...this.#running.values()], desired);
    const wanted = new Map(desired.map((backend) => [backend.name, backend]));
    const { registry, catalog, subscriptions, logger } = this.#options;

    for (const name of diff.removed) {
      const config = this.#running.get(name)!;
      this.#running.delete(name);
      catalog.removeBackend(name);
      const backend = registry.remove(name);
      if (backend === undefined) continue;
      subscriptions.removeBackend(backend);
      this.#retire(backend, config);
      logger.info({ backend: name }, 'backend removed');
    }

    await Promise.all([
      ...diff.added.map(async (name) => {
        const config = wanted.get(name)!;
        const backend = await this.#start(config);
        registry.put(backend);
        subscriptions.addBackend(backend);
        this.#running.set(name, config);
        await catalog.addBackend(backend);
        logger.info({ backend: name, state: backend.state }, 'backend added');
      }),
      ...diff.changed.map(async (name) => {
        const config = wanted.get(name)!;
        const previousConfig = this.#running.get(name)!;
        const backend = await this.#start(config);
        const previous = await catalog.replaceBackend(backend);
        registry.put(backend);
        this.#running.set(name, config);
        if (previous !== undefined) {
          subscriptions.replaceBackend(previous, backend);
          this.#retire(previous, previousConfig);
        }
        logger.info({ backend: name, state: backend.state }, 'backend reconfigured');
      }),
    ]);
    return diff;
  }

  /** Creates and connects (first attempt, bounded); a backend that is down still joins and keeps retrying. */
  async #start(config: BackendConfig): Promise<Backend> {
    const { registry } = this.#options;
    const guard = this.#options.discoveredOutbound;
    const isDiscovered = guard !== undefined && this.#discoveredNames.has(config.name);
    const upstream = this.#options.toUpstream(config, isDiscovered);
    const isGuarded = isDiscovered && upstream.kind === 'http';
    const backend = registry.create(isGuarded ? { ...upstream, connector: guard.connector() } : upstream);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      registry.connect(backend),
      new Promise((resolve) => {
        timer = setTimeout(resolve, this.#options.connectWaitMs ?? 10_000);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    return backend;
  }

  #retire(backend: Backend, config: BackendConfig): void {
    const drainMs = config.timeoutMs + (this.#options.drainGraceMs ?? 1_000);
    void this.#options.registry.retire(backend, drainMs);
  }
}
