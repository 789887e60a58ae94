// Applies a new, already validated config to the running gateway: the
// policy set is built first (a policy that cannot be built refuses the whole
// reload, nothing changes), then swapped atomically; backends are reconciled
// (runtime/backend-set.ts); discovery sources restart when their section
// changed. Keys that cannot change live are reported and left as they were.

import { diffConfig, summarizeDiff, type ConfigDiff } from '../config/config-diff.ts';
import { ConfigError } from '../config/errors.ts';
import type { DiscoveryConfig } from '../config/discovery-schema.ts';
import type { GatewayConfig } from '../config/schema.ts';
import type { PolicyConfig } from '../config/policy-schema.ts';
import type { BuildResult, PolicySet } from '../policy/registry.ts';
import type { RunningDiscovery } from '../discovery/discovery.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { BackendSet } from './backend-set.ts';

export interface LiveConfigOptions {
  initial: GatewayConfig;
  backends: BackendSet;
  /** Builds a policy set for new settings, carrying over what must survive (approvals, counters); async because a newly named policy type is imported then. */
  buildPolicies(configs: readonly PolicyConfig[]): Promise<BuildResult>;
  /** Swaps the set the router reads per exchange; resolves with the old set once no exchange uses it. */
  replacePolicies(next: PolicySet): Promise<PolicySet | undefined>;
  startDiscovery(config: DiscoveryConfig | undefined): Promise<RunningDiscovery>;
  logger: Logger;
  /** Names the file in refusals. */
  configFile: string;
}

export class LiveConfig {
  readonly #options: LiveConfigOptions;
  #current: GatewayConfig;
  #discovery: RunningDiscovery | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: LiveConfigOptions) {
    this.#options = options;
    this.#current = options.initial;
  }

  get current(): GatewayConfig {
    return this.#current;
  }

  async startDiscovery(): Promise<void> {
    this.#discovery = await this.#options.startDiscovery(this.#current.discovery);
  }

  /**
   * Applies `next` and resolves with what changed. Rejects with a ConfigError
   * (nothing applied) when the new policies cannot be built. One apply at a time.
   */
  apply(next: GatewayConfig): Promise<ConfigDiff> {
    const run = this.#queue.then(() => this.#apply(next));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #apply(next: GatewayConfig): Promise<ConfigDiff> {
    const { logger } = this.#options;
    const diff = diffConfig(this.#current, next);
    if (diff.isEmpty) return diff;
    let policies: PolicySet | undefined;
    if (diff.isPolicyChanged) {
      const built = await this.#options.buildPolicies(next.policies);
      if (!built.ok) throw new ConfigError('config_invalid', this.#options.configFile, built.problems);
      policies = built.set;
    }
    if (diff.needsRestart.length > 0) {
      logger.warn({ keys: diff.needsRestart }, `config keys changed that take effect only after a restart; they keep their running values: ${diff.needsRestart.join(', ')}`);
    }
    // Only the live part becomes current, so the next diff reports the restart-only keys again.
    this.#current = { ...this.#current, backends: next.backends, policies: next.policies, discovery: next.discovery, usage: next.usage };
    if (policies !== undefined) {
      void this.#options.replacePolicies(policies).then(
        (previous) => previous?.close(),
      ).catch((error: unknown) => logger.warn({ err: error }, 'the replaced policy set failed to close cleanly'));
    }
    await this.#options.backends.setStatic(next.backends);
    if (diff.isDiscoveryChanged) {
      await this.#discovery?.close();
      this.#discovery = await this.#options.startDiscovery(next.discovery);
    }
    logger.info({ changes: summarizeDiff(diff) }, 'config reloaded');
    return diff;
  }

  async close(): Promise<void> {
    await this.#discovery?.close(true);
  }
}
