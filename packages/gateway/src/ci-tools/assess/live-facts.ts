// The assessment questions the platform answers itself, from its own
// configuration and registry: servers behind the gateway, authentication and
// whether it is the organisation's SSO (an external issuer) or the embedded
// development provider, audit, tenants (departments), and the servers the
// registry has approved for production. Paths resolve as the gateway resolves
// them (registry/routing-gate.ts), so this reads the store it writes.

import { dirname, isAbsolute, join, resolve } from 'node:path';
import { DEFAULT_SQLITE_PATH } from '../../audit/settings.ts';
import type { GatewayConfig } from '../../config/schema.ts';
import { PostgresRegistryStore } from '../../registry/postgres-store.ts';
import { SqliteRegistryStore } from '../../registry/sqlite-store.ts';

export interface LiveFact {
  answer: boolean;
  evidence: string;
}

export interface PlatformFacts {
  backends: number;
  /** Registry entries in the approved or active state; undefined without a registry. */
  productionServers: number | undefined;
  registryEntries: number | undefined;
  isAuthenticated: boolean;
  ssoIssuer: string | undefined;
  isAuditOn: boolean;
  tenants: number;
}

export async function readPlatformFacts(config: GatewayConfig, configPath: string): Promise<PlatformFacts> {
  let registryEntries: number | undefined;
  let productionServers: number | undefined;
  if (config.registry !== undefined) {
    const storeConfig = config.registry.store;
    const store =
      storeConfig.kind === 'sqlite'
        ? new SqliteRegistryStore(storeConfig.path === undefined ? join(dirname(DEFAULT_SQLITE_PATH), 'registry.db') : isAbsolute(storeConfig.path) ? storeConfig.path : resolve(dirname(resolve(configPath)), storeConfig.path))
        : await PostgresRegistryStore.open({ url: storeConfig.url, ...(storeConfig.schema !== undefined && { schema: storeConfig.schema }) });
    try {
      const entries = await store.list();
      registryEntries = entries.length;
      productionServers = entries.filter((entry) => entry.status.state === 'approved' || entry.status.state === 'active').length;
    } finally {
      await store.close();
    }
  }
  const authentication = config.authentication;
  return {
    backends: config.backends.length,
    productionServers,
    registryEntries,
    isAuthenticated: authentication !== undefined && !authentication.isAnonymousAllowed,
    ssoIssuer: authentication?.oauthIssuer,
    isAuditOn: config.audit !== undefined && config.audit.raw.enabled !== false,
    tenants: config.tenants?.tenants.length ?? 0,
  };
}

/** Pure: the answers these facts settle, with the evidence for each. */
export function answersFromFacts(facts: PlatformFacts): Record<string, LiveFact> {
  const servers = facts.productionServers ?? facts.backends;
  const serverSource = facts.productionServers === undefined ? `${facts.backends} backend(s) configured` : `${facts.productionServers} of ${facts.registryEntries} registry entries approved or active`;
  const answers: Record<string, LiveFact> = {
    custom_server_built: { answer: facts.backends > 0, evidence: `${facts.backends} backend(s) behind the gateway` },
    server_has_basic_auth: { answer: facts.isAuthenticated, evidence: facts.isAuthenticated ? 'authentication is on' : 'authentication is off (anonymous callers allowed)' },
    department_platform: { answer: facts.backends >= 2, evidence: `${facts.backends} backend(s) behind one gateway` },
    sso_integrated: {
      answer: facts.ssoIssuer !== undefined,
      evidence: facts.ssoIssuer !== undefined ? `tokens from ${facts.ssoIssuer}` : facts.isAuthenticated ? 'tokens from the embedded development provider, not the organisation\'s SSO' : 'no authentication',
    },
    audit_logs_captured: { answer: facts.isAuditOn, evidence: facts.isAuditOn ? 'the audit section is configured' : 'no audit section' },
    ten_production_servers: { answer: servers >= 10, evidence: serverSource },
    gateway_consolidates: { answer: facts.backends >= 2, evidence: `Gatehouse consolidates ${facts.backends} backend(s)` },
  };
  // Tenants prove several departments; their absence proves nothing (one tenant-less gateway may still serve many).
  if (facts.tenants >= 2) answers.multiple_departments = { answer: true, evidence: `${facts.tenants} tenants configured` };
  return answers;
}
