// Keys the file may hold that this version accepts but does not act on yet,
// reported as warnings so nothing is silently ignored. When a feature lands,
// delete its entry here and its "later" mark in docs/configuration.md.

import type { GatewayConfig } from './schema.ts';

interface InactiveFeature {
  /** Key path and, in parentheses, what it names; one entry per warning. */
  find(config: GatewayConfig, file: Record<string, unknown>): string[];
  consequence: string;
}

const INACTIVE_FEATURES: readonly InactiveFeature[] = [
  {
    find: (config) =>
      config.backends.flatMap((backend, index) => {
        // static_header, oauth_client_credentials and token_exchange are applied (identity/backend-credential-config.ts).
        if (backend.auth.type !== 'named' && backend.auth.type !== 'oauth_passthrough') return [];
        const label = backend.auth.type === 'named' ? backend.auth.name : backend.auth.type;
        return [`backends[${index}].auth (${label})`];
      }),
    consequence: 'accepted but not applied yet in this version (requests reach the backend without these credentials)',
  },
];

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
