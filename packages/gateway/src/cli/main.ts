#!/usr/bin/env node
// The `gatehouse` command: one program with a subcommand per job. Errors that
// carry a code (config errors, argument errors) print their message alone;
// anything else prints its stack, since it is a bug.

import { Command } from 'commander';
import { GATEWAY_VERSION } from '../version.ts';

const program = new Command('gatehouse')
  .description('Gatehouse: one MCP endpoint in front of many MCP servers')
  .version(GATEWAY_VERSION)
  .showHelpAfterError();

/**
 * Each subcommand's module, imported only when that subcommand runs: `start`
 * then never loads the audit exporters, the usage reports or the registry
 * commands (and their drivers), which cost it startup time and memory.
 */
const COMMANDS: Readonly<Record<string, (program: Command) => Promise<unknown>>> = {
  start: async (program) => (await import('./commands/start.ts')).registerStartCommand(program),
  validate: async (program) => (await import('./commands/validate.ts')).registerValidateCommand(program),
  init: async (program) => (await import('./commands/init.ts')).registerInitCommand(program),
  token: async (program) => (await import('./commands/token.ts')).registerTokenCommand(program),
  backend: async (program) => (await import('./commands/backend-authorize.ts')).registerBackendCommand(program),
  audit: async (program) => (await import('./commands/audit.ts')).registerAuditCommand(program),
  registry: async (program) => {
    const [{ registerRegistryCommand }, { registerRegistryLifecycleCommands }] = await Promise.all([import('./commands/registry.ts'), import('./commands/registry-lifecycle.ts')]);
    registerRegistryLifecycleCommands(registerRegistryCommand(program));
  },
  usage: async (program) => (await import('./commands/usage.ts')).registerUsageCommand(program),
  new: async (program) => (await import('./commands/new-server.ts')).registerNewCommand(program),
  schema: async (program) => (await import('./commands/schema.ts')).registerSchemaCommand(program),
  redteam: async (program) => (await import('./commands/redteam.ts')).registerRedteamCommand(program),
  vet: async (program) => (await import('./commands/vet.ts')).registerVetCommand(program),
  assess: async (program) => (await import('./commands/assess.ts')).registerAssessCommand(program),
};

// The first word that is not an option names the subcommand; without a known one (help, a typo) every command registers, so help lists them all.
const named = process.argv.slice(2).find((word) => !word.startsWith('-'));
const chosen = named === undefined ? undefined : COMMANDS[named];
for (const register of chosen === undefined ? Object.values(COMMANDS) : [chosen]) await register(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const coded = error as { code?: unknown; message?: unknown };
  if (typeof coded.code === 'string' && typeof coded.message === 'string') {
    process.stderr.write(`gatehouse: ${coded.message}\n`);
  } else {
    process.stderr.write(`gatehouse: unexpected failure\n${(error as Error)?.stack ?? String(error)}\n`);
  }
  process.exit(1);
}
