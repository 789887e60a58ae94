// The configurations `bench/call-cost/run.ts` can measure: the pieces of the
// enterprise chain alone and together, as the features and peers benches
// configure them (bench/features.ts). Pure.

import { AUDIT_YAML, AUTHENTICATION_YAML, DEFAULT_CHAIN_YAML } from '../features.ts';

export interface CallCostConfig {
  /** YAML appended to the bench config; `${BENCH_DIR}` is the gateway's temporary directory. */
  extraYaml: string;
  /** `backend`: /servers/b/mcp (routing only); `catalog`: the federated /mcp. */
  path: 'backend' | 'catalog';
  isAuthenticated: boolean;
}

const AUDIT_NORMAL_YAML = `${AUDIT_YAML}  sqlite_synchronous: normal\n`;

export const CALL_COST_CONFIGS = {
  routing: { extraYaml: '', path: 'backend', isAuthenticated: false },
  plain: { extraYaml: '', path: 'catalog', isAuthenticated: false },
  auth: { extraYaml: AUTHENTICATION_YAML, path: 'catalog', isAuthenticated: true },
  policies: { extraYaml: DEFAULT_CHAIN_YAML, path: 'catalog', isAuthenticated: false },
  audit: { extraYaml: AUDIT_YAML, path: 'catalog', isAuthenticated: false },
  'audit-normal': { extraYaml: AUDIT_NORMAL_YAML, path: 'catalog', isAuthenticated: false },
  full: { extraYaml: AUTHENTICATION_YAML + AUDIT_YAML + DEFAULT_CHAIN_YAML, path: 'catalog', isAuthenticated: true },
  'full-normal': { extraYaml: AUTHENTICATION_YAML + AUDIT_NORMAL_YAML + DEFAULT_CHAIN_YAML, path: 'catalog', isAuthenticated: true },
} as const satisfies Record<string, CallCostConfig>;

export type CallCostConfigName = keyof typeof CALL_COST_CONFIGS;

export class UnknownCallCostConfigError extends Error {
  readonly code = 'bench_unknown_config';
}

export function callCostConfig(name: string): CallCostConfig {
  if (!Object.hasOwn(CALL_COST_CONFIGS, name)) throw new UnknownCallCostConfigError(`unknown --config "${name}"; choose from ${Object.keys(CALL_COST_CONFIGS).join(', ')}`);
  return CALL_COST_CONFIGS[name as CallCostConfigName];
}
