// Which store keeps the backends' OAuth client state: the shared Redis when
// the gateway has one (`session_store: redis://...`), so every replica uses
// one consent and sees each refresh; else a SQLite file,
// `.gatehouse/backend-oauth.db` under the checkout root or the path in
// GATEHOUSE_BACKEND_OAUTH_DB. Opened only when some backend has
// `auth: { type: oauth }`; Redis' client is imported only then.

import { join } from 'node:path';
import { GATEHOUSE_ROOT } from '../../config/load.ts';
import type { GatewayConfig } from '../../config/schema.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { OAuthClientStateStore } from './client-state-store.ts';
import { SqliteOAuthClientStateStore } from './sqlite-client-state-store.ts';

export const DEFAULT_OAUTH_CLIENT_DB = join(GATEHOUSE_ROOT, '.gatehouse', 'backend-oauth.db');

export function oauthClientDatabasePath(env: NodeJS.ProcessEnv = process.env): string {
  return env.GATEHOUSE_BACKEND_OAUTH_DB ?? DEFAULT_OAUTH_CLIENT_DB;
}

export async function openOAuthClientStateStore(config: Pick<GatewayConfig, 'session'>, logger: Logger, env: NodeJS.ProcessEnv = process.env): Promise<OAuthClientStateStore> {
  if (config.session.store !== 'memory') {
    const { RedisOAuthClientStateStore } = await import('./redis-client-state-store.ts');
    return new RedisOAuthClientStateStore(config.session.store, config.session.keyPrefix ?? 'gatehouse:', logger);
  }
  return new SqliteOAuthClientStateStore(oauthClientDatabasePath(env));
}

/** Opens the store on first use, once; `close` closes it only if it was opened. */
export function lazyOAuthClientStateStore(open: () => Promise<OAuthClientStateStore>): OAuthClientStateStore {
  let opened: Promise<OAuthClientStateStore> | undefined;
  const store = () => (opened ??= open());
  return {
    load: async (backend) => (await store()).load(backend),
    save: async (backend, state) => (await store()).save(backend, state),
    close: async () => { if (opened !== undefined) await (await opened).close(); },
  };
}
