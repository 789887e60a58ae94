// `gatehouse start`: loads the config (the shipped embedded default when none
// is given), starts the gateway and prints how to connect. Flags and PORT
// override the file; SIGINT/SIGTERM drain (finish the calls in flight, refuse
// new ones, answer those still running at the deadline with an error) and
// exit within gateway.drain_timeout_seconds, a second signal stops at once; SIGHUP re-reads the config file (and --watch on every change).

import type { Command } from 'commander';
import { loadConfig } from '../../config/load.ts';
import { DEFAULT_CONFIG_PATH } from '../../config/default-config.ts';
import { startGateway } from '../../gateway.ts';
import { createLogger } from '../../telemetry/logger.ts';
import { parsePort, parseSessionStore } from '../arguments.ts';
import { connectionHelp } from '../connection-help.ts';

interface StartOptions {
  config?: string;
  port?: number;
  host?: string;
  adminPort?: number;
  adminHost?: string;
  allowAnonymous?: boolean;
  sessionStore?: string;
  watch?: boolean;
}

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('start the gateway (with no --config: the embedded default with the demo backends)')
    .option('-c, --config <file>', 'gatehouse.yaml to load')
    .option('-p, --port <port>', 'client-facing port (overrides gateway.port and PORT)', parsePort)
    .option('--host <host>', 'client-facing bind address (overrides gateway.host)')
    .option('--admin-port <port>', 'admin listener port (overrides gateway.admin_port)', parsePort)
    .option('--admin-host <host>', 'admin listener bind address (overrides gateway.admin_host)')
    .option('--session-store <url>', 'memory, or redis://HOST:PORT/DB to share sessions between replicas (overrides session_store)', parseSessionStore)
    .option('--allow-anonymous', 'turn authentication off: every caller is anonymous (local experiments only)')
    .option('--watch', 'reload the config whenever the file changes (SIGHUP always reloads; same as reload.watch: true)')
    .action(async (options: StartOptions) => {
      const path = options.config ?? DEFAULT_CONFIG_PATH;
      const loaded = await loadConfig(path);
      if (options.allowAnonymous === true && loaded.config.compliance === 'strict') {
        throw Object.assign(new Error(`${path}: compliance: --allow-anonymous is refused because the config sets compliance: strict (every audit record must name a real caller)`), { code: 'config_invalid' });
      }
      const applyOverrides = (config: typeof loaded.config) => {
        if (options.sessionStore !== undefined) config.session.store = options.sessionStore;
      };
      applyOverrides(loaded.config);
      const logger = createLogger();
      for (const warning of loaded.warnings) logger.warn(warning);
      const environmentPort = process.env.PORT === undefined ? undefined : parsePort(process.env.PORT);
      const gateway = await startGateway(loaded.config, {
        logger,
        configPath: path,
        ...definedOnly({ port: options.port ?? environmentPort, host: options.host, adminPort: options.adminPort, adminHost: options.adminHost, isAnonymousAllowed: options.allowAnonymous, isConfigWatched: options.watch }),
        adjustReloadedConfig: applyOverrides,
      });
      const drainTimeoutMs = (loaded.config.gateway.drainTimeoutSeconds ?? 25) * 1000;
      let isStopping = false;
      const stop = async (signal: string) => {
        if (isStopping) {
          logger.warn({ signal }, 'second signal while draining: stopping now');
          process.exit(1);
        }
        isStopping = true;
        logger.info({ signal, drainTimeoutMs }, 'shutting down gracefully');
        // The drain budgets its own close inside the deadline; this guard only fires if something blocks it.
        setTimeout(() => {
          logger.error({ signal }, 'shutdown did not finish within the drain deadline; exiting');
          process.exit(1);
        }, drainTimeoutMs).unref();
        try {
          const outcome = await gateway.drain(drainTimeoutMs);
          process.exit(outcome.isClosed === false ? 1 : 0);
        } catch (error) {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        }
      };
      process.on('SIGHUP', () => {
        logger.info({ signal: 'SIGHUP', file: path }, 'reloading the config');
        void gateway.reload('signal');
      });
      process.on('SIGINT', () => void stop('SIGINT'));
      process.on('SIGTERM', () => void stop('SIGTERM'));
      // Printed last: a supervisor (or test) that signals as soon as it reads this must find the handlers above in place.
      process.stdout.write(connectionHelp(gateway, path === DEFAULT_CONFIG_PATH ? 'embedded default' : path));
    });
}

function definedOnly<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}
