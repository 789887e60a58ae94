// `gatehouse backend authorize NAME`: an operator gives, once, the consent a
// backend with `auth: { type: oauth }` (authorization_code) needs. The
// command discovers the backend's authorization server, prints the
// authorization URL, receives the redirect on the loopback redirect_uri and
// stores the tokens where the gateway reads them (SQLite, or the shared
// Redis); the running gateway refreshes them from then on.

import type { Command } from 'commander';
import { loadConfig } from '../../config/load.ts';
import { DEFAULT_CONFIG_PATH } from '../../config/default-config.ts';
import { OutboundGuard } from '../../outbound/outbound-guard.ts';
import { silentLogger } from '../../telemetry/logger.ts';
import { oauthBackendCredentials } from '../../upstream/oauth-client/gateway-wiring.ts';
import { loopbackAuthorizer } from '../../upstream/oauth-client/loopback-authorizer.ts';
import { openOAuthClientStateStore } from '../../upstream/oauth-client/open-client-state-store.ts';
import { processIo, type CommandIo } from './command-io.ts';

interface AuthorizeOptions {
  config?: string;
  scope?: string;
}

export function registerBackendCommand(program: Command, io: CommandIo = processIo): Command {
  const backend = program.command('backend').description('act on one configured backend');
  backend
    .command('authorize')
    .description('give the consent a backend with auth type oauth needs: prints the authorization URL, waits for the browser on the redirect_uri, stores the tokens')
    .argument('<name>', 'the backend, as named in the config')
    .option('-c, --config <file>', 'the gatehouse.yaml the gateway runs with (default: the embedded default)')
    .option('-s, --scope <scopes>', 'space-separated scopes to ask for (default: the backend\'s auth.scope, else what the backend advertises)')
    .action(async (name: string, options: AuthorizeOptions) => {
      const path = options.config ?? DEFAULT_CONFIG_PATH;
      const { config } = await loadConfig(path, io.env);
      const found = config.backends.find((candidate) => candidate.name === name);
      if (found === undefined || found.kind !== 'http' || found.auth.type !== 'oauth') {
        const oauthBackends = config.backends.filter((candidate) => candidate.auth.type === 'oauth').map((candidate) => candidate.name);
        io.err(`${path}: backends: no http backend "${name}" with auth type oauth${oauthBackends.length === 0 ? '' : `; those with it: ${oauthBackends.join(', ')}`}`);
        return io.fail(1);
      }
      if (found.auth.grant === 'client_credentials') {
        io.err(`${path}: backend "${name}" uses grant client_credentials: the gateway gets its tokens itself, no consent is needed`);
        return io.fail(1);
      }
      const store = await openOAuthClientStateStore(config, silentLogger, io.env);
      const outbound = new OutboundGuard(config.outbound ?? {});
      try {
        const credentials = oauthBackendCredentials(found, found.auth, {
          store,
          outbound,
          logger: silentLogger,
          authorizer: loopbackAuthorizer({ show: (url) => io.out(`Open this URL in a browser to authorize the gateway for backend "${name}":\n${url.href}\nWaiting for the redirect to ${found.auth.type === 'oauth' ? found.auth.redirectUri : ''} ...`) }),
        });
        await credentials.authorize(options.scope);
        io.out(`authorized: backend "${name}" tokens are stored; the gateway uses and refreshes them`);
      } catch (error) {
        io.err(`backend "${name}" was not authorized: ${(error as Error).message}`);
        io.fail(1);
      } finally {
        await store.close();
        await outbound.close();
      }
    });
  return backend;
}
