// Keys the file may hold that this version accepts but does not act on yet,
// reported as warnings so nothing is silently ignored. When a feature lands,
// delete its entry here and its "later" mark in docs/configuration.md.

import type { GatewayConfig } from './schema.ts';

interface InactiveFeature {
  /** Key path and, in parentheses, what it names; one entry per warning. */
  find(config: GatewayConfig, file: Record<string, unknown>): string[];
  consequence: string;
}

// Empty: every key the schema accepts is acted on; one that is not is refused
// with an error saying what to use instead (backends' `auth` forms,
// audit.backend, audit.categories), never accepted with a warning.
const INACTIVE_FEATURES: readonly InactiveFeature[] = [];

/** Every warning for a valid config, each prefixed with the file name like an error. */
export function collectWarnings(config: GatewayConfig, file: Record<string, unknown>, fileName: string): string[] {
  const warnings: string[] = [];
  for (const feature of INACTIVE_FEATURES) {
    for (const subject of feature.find(config, file)) warnings.push(`${fileName}: ${subject}: ${feature.consequence}`);
  }
  if (!config.backends.some((backend) => backend.enabled)) {
    warnings.push(`${fileName}: backends: no enabled backend, so the gateway will serve an empty catalog`);
  }
  return warnings;
}
