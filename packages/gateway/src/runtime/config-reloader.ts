// Reloads gatehouse.yaml on demand (SIGHUP, `reload()`) and, when asked, on
// every change of the file. The file is read with the same loader as at
// start; a file that does not load is refused with the loader's messages
// (file, key, expected) and the running config stays. The folder is watched,
// not the file, because editors and Kubernetes ConfigMaps replace the file
// by a rename, which ends a watch on the file itself.

import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { ConfigDiff } from '../config/config-diff.ts';
import { isConfigError } from '../config/errors.ts';
import { loadConfig, type LoadedConfig } from '../config/load.ts';
import type { GatewayConfig } from '../config/schema.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { GatewayMetrics, ReloadOutcome } from '../telemetry/metrics.ts';

export type ReloadTrigger = 'signal' | 'file' | 'request';

export interface ReloadReport {
  outcome: ReloadOutcome;
  diff?: ConfigDiff;
  /** The loader's or applier's message when refused or failed. */
  error?: string;
}

export interface ConfigReloaderOptions {
  path: string;
  apply(config: GatewayConfig): Promise<ConfigDiff>;
  logger: Logger;
  metrics?: GatewayMetrics;
  /** Watch the file's folder and reload on changes. */
  isWatched: boolean;
  /** Quiet time after the last file event before reloading (editors write in several steps). */
  debounceMs: number;
  /** Injected by tests; the start loader otherwise. */
  load?: (path: string) => Promise<LoadedConfig>;
}

export class ConfigReloader {
  readonly #options: ConfigReloaderOptions;
  readonly #file: string;
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<ReloadReport> | undefined;
  #again: { trigger: ReloadTrigger; waiters: ((report: ReloadReport) => void)[] } | undefined;

  constructor(options: ConfigReloaderOptions) {
    this.#options = options;
    this.#file = resolve(options.path);
    if (options.isWatched) this.#watch();
  }

  /**
   * Reloads now. A reload asked for while one runs is done once after it (the
   * file may have changed again meanwhile); further asks share that one.
   */
  reload(trigger: ReloadTrigger): Promise<ReloadReport> {
    if (this.#running === undefined) return this.#start(trigger);
    if (this.#again === undefined) this.#again = { trigger, waiters: [] };
    const again = this.#again;
    return new Promise((resolve) => again.waiters.push(resolve));
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#watcher?.close();
    this.#watcher = undefined;
  }

  #start(trigger: ReloadTrigger): Promise<ReloadReport> {
    const running = this.#reloadOnce(trigger);
    this.#running = running;
    void running.then(() => {
      this.#running = undefined;
      const again = this.#again;
      this.#again = undefined;
      if (again === undefined) return;
      void this.#start(again.trigger).then((report) => {
        for (const resolve of again.waiters) resolve(report);
      });
    });
    return running;
  }

  async #reloadOnce(trigger: ReloadTrigger): Promise<ReloadReport> {
    const { logger, metrics } = this.#options;
    const report = (outcome: ReloadOutcome, extra: Omit<ReloadReport, 'outcome'> = {}): ReloadReport => {
      metrics?.recordConfigReload(outcome);
      return { outcome, ...extra };
    };
    let loaded: LoadedConfig;
    try {
      loaded = await (this.#options.load ?? loadConfig)(this.#options.path);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      logger.error({ trigger, file: this.#options.path, code: isConfigError(error) ? error.code : undefined, problems: message }, `config reload refused; the running config stays in effect:\n${message}`);
      return report('refused', { error: message });
    }
    for (const warning of loaded.warnings) logger.warn(warning);
    try {
      const diff = await this.#options.apply(loaded.config);
      const isLive = diff.isPolicyChanged || diff.isDiscoveryChanged || diff.backends.added.length + diff.backends.removed.length + diff.backends.changed.length > 0;
      if (!isLive) logger.info({ trigger, needsRestart: diff.needsRestart }, 'config reloaded: nothing to change live');
      return report(isLive ? 'applied' : 'unchanged', { diff });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (isConfigError(error)) {
        logger.error({ trigger, file: this.#options.path, code: error.code, problems: message }, `config reload refused; the running config stays in effect:\n${message}`);
        return report('refused', { error: message });
      }
      logger.error({ trigger, err: error }, 'config reload failed while applying; part of it may be in effect, reload again once fixed');
      return report('failed', { error: message });
    }
  }

  #watch(): void {
    const name = basename(this.#file);
    try {
      this.#watcher = watch(dirname(this.#file), { persistent: false }, (_event, changed) => {
        // Some platforms give no file name: reload then, a spare reload is harmless. `..data` is a ConfigMap's swap.
        if (changed !== null && changed !== name && changed !== '..data') return;
        clearTimeout(this.#timer);
        this.#timer = setTimeout(() => void this.reload('file'), this.#options.debounceMs);
        this.#timer.unref();
      });
      this.#watcher.on('error', (error) => this.#options.logger.warn({ err: error, file: this.#file }, 'stopped watching the config file; SIGHUP still reloads'));
    } catch (error) {
      this.#options.logger.warn({ err: error, file: this.#file }, 'cannot watch the config file; SIGHUP still reloads');
    }
  }
}
