// Starts the discovery sources a `discovery:` section asks for and feeds
// each one's set of backends to the BackendSet. A reload that changes the
// section stops the running sources and starts the new ones.

import { resolve } from 'node:path';
import type { DiscoveryConfig } from '../config/discovery-schema.ts';
import type { BackendConfig } from '../config/backend-schema.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { GatewayMetrics } from '../telemetry/metrics.ts';
import type { BackendSource } from './source.ts';
import { createDirectorySource } from './directory-source.ts';
import { createDnsSrvSource } from './dns-srv-source.ts';
import { createKubernetesSource } from './kubernetes-source.ts';

export interface DiscoveryOptions {
  logger: Logger;
  metrics?: GatewayMetrics;
  /** Where a relative `discovery.directory.path` is resolved: the config file's folder. */
  baseDirectory: string;
  nameSeparator: string;
  report(source: string, backends: readonly BackendConfig[]): Promise<unknown>;
  /** How long start waits for each source's first look (default 5 s); the source keeps going after. */
  startWaitMs?: number;
}

export interface RunningDiscovery {
  readonly sources: readonly BackendSource[];
  /** Stops the sources; `keepBackends` (shutdown) leaves their backends to be closed with the rest. */
  close(keepBackends?: boolean): Promise<void>;
}

function createSources(config: DiscoveryConfig | undefined, options: Pick<DiscoveryOptions, 'logger' | 'baseDirectory' | 'nameSeparator'>): BackendSource[] {
  if (config === undefined) return [];
  const sources: BackendSource[] = [];
  if (config.directory !== undefined) {
    sources.push(createDirectorySource({ directory: resolve(options.baseDirectory, config.directory.path), nameSeparator: options.nameSeparator, logger: options.logger }));
  }
  for (const entry of config.dnsSrv) sources.push(createDnsSrvSource({ ...entry, nameSeparator: options.nameSeparator, logger: options.logger }));
  if (config.kubernetes !== undefined) sources.push(createKubernetesSource({ ...config.kubernetes, nameSeparator: options.nameSeparator, logger: options.logger }));
  return sources;
}

/** Starts every source; one that fails to start is logged and keeps retrying on its own. */
export async function startDiscovery(config: DiscoveryConfig | undefined, options: DiscoveryOptions): Promise<RunningDiscovery> {
  const sources = createSources(config, options);
  let isClosed = false;
  await Promise.all(sources.map(async (source) => {
    const started = source.start((backends) => {
      if (isClosed) return;
      options.metrics?.setDiscoveredBackends(source.name, backends.length);
      options.report(source.name, backends).catch((error: unknown) => options.logger.error({ source: source.name, err: error }, 'could not apply the backends a discovery source reported'));
    }).then(
      () => options.logger.info({ source: source.name }, 'discovery source started'),
      (error: unknown) => options.logger.warn({ source: source.name, err: error }, 'discovery source failed to start; it keeps trying'),
    );
    // A slow first look (DNS timing out, an unreachable API server) must not hold the gateway's start; the source goes on.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([started, new Promise((resolve) => (timer = setTimeout(resolve, options.startWaitMs ?? 5_000)))]);
    clearTimeout(timer);
  }));
  return {
    sources,
    async close(keepBackends = false) {
      isClosed = true;
      await Promise.allSettled(sources.map((source) => source.close()));
      if (keepBackends) return;
      await Promise.allSettled(sources.map((source) => options.report(source.name, [])));
      for (const source of sources) options.metrics?.setDiscoveredBackends(source.name, 0);
    },
  };
}
